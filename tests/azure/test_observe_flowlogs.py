"""Azure flow logs: VNet and NSG flow-log blobs parsed, and `observe` on the mocked Azure (fake Blob storage)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import CloudError
from infra.flows.aggregate import ObserveReport, aggregate, build_report
from infra.flows.classify import Classifier
from infra.flows.intent import Intent
from infra.flows.records import Tally, Window
from infra.plan import make_plan
from infra.snapshot import write_snapshot
from providers.azure import observe
from providers.azure.mock.cloud import MockedCloud
from providers.azure.mock.traffic import MockedTraffic
from providers.azure.observe.flowlog_blobs import parse_blob
from providers.azure.observe.flowlogs import BlobSource
from tests.flows.sample import MODEL, observed_model


def vnet_blob(*tuples: str) -> bytes:
    return json.dumps({"records": [{"macAddress": "002248000000", "category": "FlowLogFlowEvent", "flowRecords": {
        "flows": [{"aclID": "x", "flowGroups": [{"rule": "r", "flowTuples": list(tuples)}]}]}}]}).encode()


def nsg_blob(*tuples: str) -> bytes:
    return json.dumps({"records": [{"macAddress": "002248000001", "properties": {"Version": 2, "flows": [
        {"rule": "UserRule_x", "flows": [{"mac": "002248000001", "flowTuples": list(tuples)}]}]}}]}).encode()


def parse(data: bytes) -> tuple[list, Tally]:
    tally = Tally()
    return list(parse_blob(data, "blob", tally)), tally


def test_vnet_tuples_carry_milliseconds_a_state_and_both_directions_counters():
    [begin, end, denied], tally = parse(vnet_blob(
        "1714564800000,10.42.2.10,10.42.3.10,40000,5432,6,O,B,NX,0,0,0,0",
        "1714564820000,10.42.2.10,10.42.3.10,40000,5432,6,I,E,NX,10,840,8,2400",
        "1714564830000,10.42.3.10,10.42.2.10,40001,22,6,O,D,NX,0,0,0,0"))
    assert begin[:10] == ("10.42.2.10", "10.42.3.10", 40000, 5432, "tcp", True, 0, 0, 1714564800, 1714564800)
    assert (begin.at, end.at, end.packets, end.bytes, end.interface) == ("src", "dst", 18, 3240, "002248000000")
    assert (denied.accepted, denied.at) == (False, "src") and tally.bad == 0


def test_nsg_tuples_of_version_2_and_1_name_their_protocol_by_letter_and_decide_a_or_d():
    [v2, v1], tally = parse(nsg_blob("1714564800,203.0.113.9,10.42.1.10,51000,443,T,I,A,E,3,300,2,200",
                                     "1714564801,10.42.1.10,203.0.113.9,53000,53,U,O,D"))
    assert (v2.protocol, v2.accepted, v2.start, v2.bytes, v2.at) == ("tcp", True, 1714564800, 500, "dst")
    assert (v1.protocol, v1.accepted, v1.bytes, v1.at) == ("udp", False, 0, "src") and tally.bad == 0


@pytest.mark.parametrize(("data", "reason"), [
    (vnet_blob("1714564800000,10.42.2.10,10.42.3.10,40000"), "4 fields in a VNet flow tuple, which has 13"),
    (vnet_blob("1714564800000,10.42.2.10,10.42.3.10,x,5432,6,O,B,NX,0,0,0,0"), "not a number"),
    (vnet_blob("1714564800000,10.42.2.10,10.42.3.10,1,5432,6,O,Z,NX,0,0,0,0"), "flow state 'Z'"),
    (nsg_blob("1714564801,10.42.1.10,203.0.113.9,53000,53,U,O,M"), "decision 'M'"),
    (nsg_blob("1714564801,10.42.1.10,203.0.113.9,53000,53,G,O,A"), "not a number"),
    (b"<html>not json</html>", "not a flow-log blob"),
    (b'{"value": []}', "not a flow-log blob"),
])
def test_bad_tuples_and_blobs_are_counted_never_fatal(data, reason):
    records, tally = parse(data)
    assert records == [] and tally.bad == 1 and reason in tally.bad_examples[0]


GOOD = "1714564800000,10.42.2.10,10.42.3.10,40000,5432,6,O,B,NX,0,0,0,0"


def vnet_records(flow_records: Any) -> bytes:
    return json.dumps({"records": [{"macAddress": "002248000100", "flowRecords": flow_records}]}).encode()


@pytest.mark.parametrize(("data", "reason"), [
    (vnet_records([1]), "records[0].flowRecords is a list, not an object"),
    (vnet_records({"flows": {"flowGroups": []}}), "records[0].flowRecords.flows is an object, not a list"),
    (vnet_records({"flows": [{"flowGroups": ["r"]}]}), "records[0].flowRecords.flows[0].flowGroups[0] is text, not "
                                                       "an object"),
    (vnet_records({"flows": [{"flowGroups": [{"flowTuples": GOOD}]}]}),
     "records[0].flowRecords.flows[0].flowGroups[0].flowTuples is text, not a list of tuples"),
    (json.dumps({"records": [{"properties": {"flows": [{"flows": [{"mac": 7, "flowTuples": []}]}]}}]}).encode(),
     "records[0].properties.flows[0].flows[0].mac is a number, not text"),
    (json.dumps({"records": [[GOOD]]}).encode(), "records[0] is a list, not an object"),
])
def test_a_misshapen_blob_is_one_bad_record_at_its_json_path_never_a_crash(data, reason):
    records, tally = parse(data)
    assert records == [] and tally.bad == 1
    assert tally.bad_examples == [f"blob:0: {reason}; pass the blob as Network Watcher wrote it (PT1H.json)"]


def test_a_misshapen_group_leaves_its_siblings_read():
    records, tally = parse(vnet_records({"flows": [{"flowGroups": ["r", {"flowTuples": [GOOD, 5]}]}]}))
    assert [r.line for r in records] == [1] and tally.bad == 2
    assert tally.bad_examples[1] == "blob:2: the tuple is a number, not text (comma-separated fields)"


@pytest.mark.parametrize("depth", [100, 100_000])
def test_a_blob_nested_deeper_than_any_real_one_is_refused_in_one_line(depth):
    records, tally = parse(b'{"records": ' + b"[" * depth + b"]" * depth + b"}")
    assert records == [] and tally.bad == 1
    assert tally.bad_examples[0].startswith("blob:0: not a flow-log blob (the JSON nests deeper than 64 levels)")


@pytest.mark.parametrize(("field", "value", "reason"), [
    (6, "X", "direction 'X' is neither I nor O"),
    (3, "+40000", "not a number"), (3, "40_000", "not a number"), (4, "٥٤٣٢", "not a number"),
    (0, "-1714564800000", "not a number"), (5, " 6", "not a number"),
    (9, "1_0", "packet or byte count is not a number"), (12, "x", "packet or byte count is not a number"),
])
def test_a_vnet_field_must_be_plain_ascii_digits_or_its_known_letters(field, value, reason):
    parts = ["1714564800000", "10.42.2.10", "10.42.3.10", "40000", "5432", "6", "I", "E", "NX", "10", "840", "8",
             "2400"]
    assert len(parse(vnet_blob(",".join(parts)))[0]) == 1
    parts[field] = value
    records, tally = parse(vnet_blob(",".join(parts)))
    assert records == [] and tally.bad == 1 and reason in tally.bad_examples[0]


def test_nsg_begin_tuples_may_leave_counters_empty_but_a_state_is_one_of_b_c_e():
    [begin], tally = parse(nsg_blob("1714564800,203.0.113.9,10.42.1.10,51000,443,T,I,A,B,,,,"))
    assert (begin.packets, begin.bytes, tally.bad) == (0, 0, 0)
    records, tally = parse(nsg_blob("1714564800,203.0.113.9,10.42.1.10,51000,443,T,I,A,Q,,,,"))
    assert records == [] and "flow state 'Q' is not B, C or E" in tally.bad_examples[0]


# --- the mocked Azure -------------------------------------------------------------------------

def report(snapshot: Any, records: Any, tally: Tally, window: Window = Window()) -> ObserveReport:
    model = observed_model()
    book = observe.flow_book(snapshot, model)
    intent = Intent.of(model, "azure", book.aliases)
    return build_report(model.name, "azure", intent, aggregate(records, Classifier(book, intent), window, tally),
                        window, tally)


@pytest.fixture(scope="module")
def mocked(tmp_path_factory):
    model = observed_model()
    folder = tmp_path_factory.mktemp("observe-azure")
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("azure"))
        with MockedTraffic(cloud, model, "every-class") as traffic:
            snapshot = observe.collect(cloud.source())
            book = observe.flow_book(snapshot, model)
            tally = Tally()
            records = observe.flow_records(snapshot, model, book, traffic.source, Window(), tally)
            found = report(snapshot, records, tally)
            write_snapshot(snapshot, folder / "snapshot")
            observe.download_flow_logs(snapshot, model, traffic.source, Window(), folder / "logs")
            yield traffic, snapshot, found, folder


def test_every_planned_flow_is_read_back_from_the_blobs_in_its_class(mocked):
    traffic, _, found, _ = mocked
    rows = {(r.src, r.dst, r.protocol, r.port, r.cls): r for r in found.flows}
    for flow in traffic.planned:
        assert (flow.src, flow.dst, flow.protocol, flow.port, flow.expect) in rows, flow
    # Two connections, each a begin and an end tuple, logged by both NICs: counted at the receiver.
    for flow in (f for f in traffic.planned if f.expect == "intended"):
        assert rows[(flow.src, flow.dst, flow.protocol, flow.port, "intended")].records == 4, flow
    # A private endpoint logs nothing: the sender's tuples are its only record and count.
    assert rows[("app", "service:object-storage", "tcp", 443, "intended")].records == 4
    assert found.tally.bad == 0 and not found.unused


def test_hours_outside_the_window_are_not_downloaded(mocked):
    traffic, snapshot, _, _ = mocked
    model = observed_model()
    later = Window(traffic.start + 2 * 86400, None)
    found = list(observe.flow_records(snapshot, model, observe.flow_book(snapshot, model), traffic.source, later,
                                      Tally()))
    assert found == []


def test_saved_blobs_read_back_as_the_storage_gave_them(mocked):
    _, snapshot, found, folder = mocked
    model = observed_model()
    saved = sorted((folder / "logs").rglob("PT1H.json"))
    assert saved and "insights-logs-flowlogflowevent/flowLogResourceID=/SUBSCRIPTIONS/" in saved[0].as_posix()
    tally = Tally()
    again = report(snapshot, observe.flow_file_records([folder / "logs"], snapshot, model,
                                                       observe.flow_book(snapshot, model), tally), tally)
    assert again.summary == found.summary


def test_a_storage_account_that_answers_not_found_is_a_cloud_error(mocked):
    traffic, snapshot, _, _ = mocked
    elsewhere = BlobSource(None, traffic.source.endpoint.replace("{account}", "nosuchaccount{account}"))
    with pytest.raises(CloudError, match="azure: read flow-log blobs"):
        list(observe.flow_records(snapshot, observed_model(), None, elsewhere, Window(), Tally()))  # type: ignore[arg-type]


def test_the_command_classifies_saved_azure_logs(mocked):
    _, _, found, folder = mocked
    result = CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "azure", "--snapshot",
                                      str(folder / "snapshot"), "--logs", str(folder / "logs"), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["summary"] == found.summary
