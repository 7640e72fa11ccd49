"""GCP flow logs: Cloud Logging entries parsed, and `observe` on the mocked GCP (fake Cloud Logging)."""

from __future__ import annotations

import gzip
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
from providers.gcp import observe
from providers.gcp.mock.cloud import MockedCloud
from providers.gcp.mock.traffic import MockedTraffic
from providers.gcp.observe.flowbook import GOOGLE_APIS
from providers.gcp.observe.flowlog_entries import parse_entries
from providers.gcp.observe.flowlogs import LogSource, log_filter
from tests.flows.sample import MODEL, observed_model

FLOWS = "projects/p/logs/compute.googleapis.com%2Fvpc_flows"
FIREWALL = "projects/p/logs/compute.googleapis.com%2Ffirewall"


def flow_entry(reporter: str = "SRC", **connection: Any) -> dict[str, Any]:
    return {"logName": FLOWS, "timestamp": "2024-05-01T12:00:30.123456789Z", "jsonPayload": {
        "connection": {"src_ip": "10.41.2.10", "dest_ip": "10.41.3.10", "src_port": 40000.0, "dest_port": 5432.0,
                       "protocol": 6.0, **connection},
        "reporter": reporter, "bytes_sent": "840", "packets_sent": "10",
        "start_time": "2024-05-01T12:00:00.5Z", "end_time": "2024-05-01T12:00:20Z",
        "src_instance": {"vm_name": "app-0"}, "dest_instance": {"vm_name": "db-0"}}}


def firewall_entry(disposition: str, direction: str) -> dict[str, Any]:
    return {"logName": FIREWALL, "timestamp": "2024-05-01T12:01:00Z", "jsonPayload": {
        "connection": {"src_ip": "10.41.3.10", "dest_ip": "10.41.2.10", "src_port": 40001, "dest_port": 22,
                       "protocol": 6},
        "disposition": disposition, "rule_details": {"direction": direction}, "instance": {"vm_name": "db-0"}}}


def parse(entries: list[Any]) -> tuple[list, Tally]:
    tally = Tally()
    return list(parse_entries(entries, "entries.json", tally)), tally


def test_a_vpc_flow_entry_is_an_accepted_record_reported_at_one_end():
    [src, dst], tally = parse([flow_entry("SRC"), flow_entry("DEST")])
    assert src[:10] == ("10.41.2.10", "10.41.3.10", 40000, 5432, "tcp", True, 10, 840, 1714564800, 1714564820)
    assert (src.at, src.interface, dst.at, dst.interface) == ("src", "app-0", "dst", "db-0")
    assert tally.bad == 0


@pytest.mark.parametrize(("direction", "at"), [("EGRESS", "src"), ("INGRESS", "dst")])
def test_a_denied_firewall_entry_is_a_rejected_record_where_the_rule_stood(direction, at):
    [record], _ = parse([firewall_entry("DENIED", direction)])
    assert (record.accepted, record.at, record.dst_port, record.start) == (False, at, 22, 1714564860)


def test_an_allowed_firewall_entry_repeats_the_flow_logs_and_counts_as_a_duplicate():
    records, tally = parse([firewall_entry("ALLOWED", "INGRESS")])
    assert records == [] and tally.duplicates == 1


@pytest.mark.parametrize(("entry", "reason"), [
    ({"logName": FLOWS}, "not a log entry with a jsonPayload"),
    ({"logName": "projects/p/logs/syslog", "jsonPayload": {}}, "neither VPC Flow Logs nor Firewall"),
    ({**flow_entry(), "jsonPayload": {**flow_entry()["jsonPayload"], "connection": {"src_ip": "10.0.0.1"}}},
     "lacks src_ip or dest_ip"),
    ({**flow_entry(), "jsonPayload": {**flow_entry()["jsonPayload"], "start_time": "noon"}}, "not RFC 3339"),
    ({**flow_entry(), "jsonPayload": {**flow_entry()["jsonPayload"], "bytes_sent": "many"}}, "is not a number"),
    (firewall_entry("INTERCEPTED", "EGRESS"), "neither ALLOWED nor DENIED"),
])
def test_a_bad_entry_is_counted_with_its_position(entry, reason):
    records, tally = parse([flow_entry(), entry])
    assert len(records) == 1 and tally.bad == 1
    assert tally.bad_examples[0].startswith("entries.json:2: ") and reason in tally.bad_examples[0]


def test_entry_files_may_be_a_json_array_json_lines_or_gzip(tmp_path):
    model = observed_model()
    array, lines, packed = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json.gz"
    array.write_text(json.dumps([flow_entry(), flow_entry("DEST")]))
    lines.write_text(json.dumps(flow_entry()) + "\n\n{not json\n" + json.dumps(firewall_entry("DENIED", "EGRESS")))
    packed.write_bytes(gzip.compress(lines.read_bytes()))
    tally = Tally()
    records = list(observe.flow_file_records([array, lines, packed], {}, model, None, tally))  # type: ignore[arg-type]
    assert len(records) == 2 + 2 + 2
    assert tally.bad == 2 and tally.bad_examples[0] == f"{lines}:3: not a JSON log entry (Expecting property name " \
        "enclosed in double quotes)"


def with_payload(entry: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**entry, "jsonPayload": {**entry["jsonPayload"], **fields}}


def with_connection(**fields: Any) -> dict[str, Any]:
    return with_payload(flow_entry(), connection={**flow_entry()["jsonPayload"]["connection"], **fields})


@pytest.mark.parametrize(("entry", "reason"), [
    (with_payload(firewall_entry("DENIED", "EGRESS"), rule_details=[{"direction": "EGRESS"}]),
     "jsonPayload.rule_details is a list, not an object"),
    (with_payload(firewall_entry("DENIED", "EGRESS"), rule_details={"direction": "SIDEWAYS"}),
     "jsonPayload.rule_details.direction 'SIDEWAYS' is not EGRESS or INGRESS"),
    (with_payload(firewall_entry("DENIED", "EGRESS"), instance="db-0"), "jsonPayload.instance is text, not an object"),
    (with_payload(flow_entry(), reporter="BOTH"), "jsonPayload.reporter 'BOTH' is not SRC or DEST"),
    (with_payload(flow_entry(), reporter=["SRC"]), "jsonPayload.reporter is a list, not SRC or DEST"),
    (with_payload(flow_entry(), src_instance=["app-0"]), "jsonPayload.src_instance is a list, not an object"),
    (with_payload(flow_entry(), src_instance={"vm_name": {"n": 1}}), "the instance's vm_name is an object, not text"),
    (with_connection(src_ip=["10.41.2.10"]), "jsonPayload.connection.src_ip is a list, not text"),
    ({**flow_entry(), "logName": [FLOWS]}, "logName is a list, not text"),
    (with_payload(flow_entry(), start_time={"seconds": 1}), "time an object is missing or not RFC 3339"),
])
def test_a_field_of_the_wrong_type_is_a_bad_entry_naming_it_never_a_crash(entry, reason):
    records, tally = parse([flow_entry(), entry])
    assert len(records) == 1 and tally.bad == 1
    assert tally.bad_examples[0] == f"entries.json:2: {reason}"


@pytest.mark.parametrize("value", ["+5432", "5_432", "٥٤٣٢", " 5432", "5432.0", "-5432", [5432]])
def test_a_number_is_a_json_number_or_a_string_of_ascii_digits(value):
    [record], _ = parse([with_connection(dest_port="5432")])
    assert record.dst_port == 5432
    records, tally = parse([with_connection(dest_port=value)])
    assert records == [] and tally.bad == 1 and "is not a number" in tally.bad_examples[0]


def read_files(*paths: Any) -> tuple[list, Tally]:
    tally = Tally()
    return list(observe.flow_file_records(paths, {}, observed_model(), None, tally)), tally  # type: ignore[arg-type]


def test_an_entry_of_a_pretty_printed_array_is_located_by_the_line_it_begins_on(tmp_path):
    array = tmp_path / "arr.json"
    text = json.dumps([flow_entry(), flow_entry("DEST"), {"logName": FLOWS}], indent=2)
    array.write_text(text)
    starts = [n for n, line in enumerate(text.splitlines(), 1) if line == "  {"]
    assert len(starts) == 3 and starts[2] > 3
    records, tally = read_files(array)
    assert [r.line for r in records] == starts[:2]
    assert tally.bad_examples == [f"{array}:{starts[2]}: not a log entry with a jsonPayload"]


def test_a_broken_array_is_one_bad_record_at_its_line_and_gives_no_traffic(tmp_path):
    array = tmp_path / "arr.json"
    array.write_text(json.dumps([flow_entry(), flow_entry("DEST")], indent=2)[:-2] + "\n  {]")
    records, tally = read_files(array)
    assert records == [] and tally.bad == 1
    assert tally.bad_examples[0].startswith(f"{array}:{len(array.read_text().splitlines())}: not a JSON array")


def test_a_byte_order_mark_before_an_array_is_no_bad_record(tmp_path):
    array = tmp_path / "arr.json"
    array.write_bytes(b"\xef\xbb\xbf" + json.dumps([flow_entry()]).encode())
    records, tally = read_files(array)
    assert len(records) == 1 and tally.bad == 0


def test_entries_nested_deeper_than_any_real_one_are_refused_in_one_line(tmp_path):
    deep, lines, nested = tmp_path / "deep.json", tmp_path / "lines.json", tmp_path / "nested.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    lines.write_text(json.dumps(flow_entry()) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n" + "[" * 100 + "]" * 100)
    nested.write_text(f'[{json.dumps(flow_entry())}, {{"jsonPayload": {"[" * 100}{"]" * 100}}}]')
    records, tally = read_files(deep, lines, nested)
    assert len(records) == 2 and tally.bad == 4
    assert tally.bad_examples == [f"{deep}:1: not a JSON array of log entries (the JSON nests deeper than 64 levels)",
                                  f"{lines}:2: not a JSON log entry (the JSON nests deeper than 64 levels)",
                                  f"{lines}:3: not a JSON log entry (the JSON nests deeper than 64 levels)",
                                  f"{nested}:1: not a log entry (the JSON nests deeper than 64 levels)"]


def test_the_filter_names_both_logs_and_the_window():
    text = log_filter("p", Window(1714564800, 1714568400))
    assert text == ('logName=("projects/p/logs/compute.googleapis.com%2Fvpc_flows" OR '
                    '"projects/p/logs/compute.googleapis.com%2Ffirewall") AND timestamp>="2024-05-01T12:00:00Z" '
                    'AND timestamp<="2024-05-01T13:00:00Z"')


# --- the mocked GCP ---------------------------------------------------------------------------

def report(snapshot: Any, records: Any, tally: Tally, window: Window = Window()) -> ObserveReport:
    model = observed_model()
    book = observe.flow_book(snapshot, model)
    intent = Intent.of(model, "gcp", book.aliases)
    return build_report(model.name, "gcp", intent, aggregate(records, Classifier(book, intent), window, tally),
                        window, tally)


@pytest.fixture(scope="module")
def mocked(tmp_path_factory):
    model = observed_model()
    folder = tmp_path_factory.mktemp("observe-gcp")
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("gcp"))
        with MockedTraffic(cloud, model, "every-class") as traffic:
            snapshot = observe.collect(cloud.source())
            book = observe.flow_book(snapshot, model)
            tally = Tally()
            records = observe.flow_records(snapshot, model, book, traffic.source, Window(), tally)
            found = report(snapshot, records, tally)
            write_snapshot(snapshot, folder / "snapshot")
            observe.download_flow_logs(snapshot, model, traffic.source, Window(), folder / "logs")
            yield traffic, snapshot, found, folder


def test_every_planned_flow_is_read_back_through_cloud_logging_in_its_class(mocked):
    traffic, _, found, _ = mocked
    rows = {(r.src, r.dst, r.protocol, r.port, r.cls): r for r in found.flows}
    for flow in traffic.planned:
        dst = GOOGLE_APIS if flow.dst.startswith("service:") else flow.dst  # one VIP serves every Google API
        assert (flow.src, dst, flow.protocol, flow.port, flow.expect) in rows, flow
    for flow in (f for f in traffic.planned if f.expect == "intended" and not f.dst.startswith("service:")):
        # reported by both VMs, and TCP's replies too: counted once per direction
        expected = flow.connections * (2 if flow.protocol == "tcp" else 1)
        assert rows[(flow.src, flow.dst, flow.protocol, flow.port, "intended")].records == expected, flow
    assert found.tally.duplicates > 0 and found.tally.bad == 0
    assert not any(u.dst == "service:object-storage" for u in found.unused)  # used through the VIP


def test_the_window_goes_into_the_logging_filter(mocked):
    traffic, snapshot, found, _ = mocked
    model = observed_model()
    book = observe.flow_book(snapshot, model)
    later = Window(traffic.start + 86400, traffic.start + 2 * 86400)
    assert report(snapshot, observe.flow_records(snapshot, model, book, traffic.source, later, Tally()),
                  Tally(), later).records == 0


def test_saved_entries_read_back_as_the_api_gave_them(mocked):
    _, snapshot, found, folder = mocked
    model = observed_model()
    tally = Tally()
    again = report(snapshot, observe.flow_file_records([folder / "logs"], snapshot, model,
                                                       observe.flow_book(snapshot, model), tally), tally)
    assert again.summary == found.summary


def test_a_refused_query_is_a_cloud_error(mocked):
    traffic, snapshot, _, _ = mocked
    wrong = LogSource("another-project", traffic.source.endpoint, anonymous=True)
    with pytest.raises(CloudError, match="gcp: list log entries projects/another-project"):
        list(observe.flow_records(snapshot, observed_model(), None, wrong, Window(), Tally()))  # type: ignore[arg-type]


def test_the_command_classifies_saved_gcp_logs_and_prints_bigquery_sql(mocked):
    _, _, found, folder = mocked
    base = ["observe", str(MODEL), "--cloud", "gcp", "--snapshot", str(folder / "snapshot")]
    result = CliRunner().invoke(app, [*base, "--logs", str(folder / "logs"), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["summary"] == found.summary
    sql = CliRunner().invoke(app, [*base, "--sql", "bigquery"])
    assert sql.exit_code == 0 and "'service:google-apis'" in sql.stdout


# --- `--sql bigquery`, run on DuckDB ---------------------------------------------------------

# BigQuery's functions the query uses, written for DuckDB: enough to run the emitted query on
# the same entries as the Python path (a test harness, not a BigQuery emulator).
SHIMS = [
    "CREATE SCHEMA net",
    "CREATE MACRO net.safe_ip_from_string(x) AS x",
    "CREATE MACRO net.ipv4_to_int64(x) AS " + " + ".join(
        f"TRY_CAST(split_part(x, '.', {i + 1}) AS BIGINT) * {256 ** (3 - i)}" for i in range(4)),
    "CREATE MACRO byte_length(x) AS CASE WHEN x LIKE '%.%.%.%' THEN 4 ELSE 16 END",
    "CREATE MACRO unix_seconds(t) AS CAST(epoch(t) AS BIGINT)",
    "CREATE SCHEMA flow_logs",
]
CONNECTION = "STRUCT(src_ip VARCHAR, dest_ip VARCHAR, src_port BIGINT, dest_port BIGINT, protocol BIGINT)"
TABLES = {
    "compute_googleapis_com_vpc_flows": f"STRUCT(connection {CONNECTION}, reporter VARCHAR, bytes_sent BIGINT, "
                                        "start_time TIMESTAMP, end_time TIMESTAMP)",
    "compute_googleapis_com_firewall": f"STRUCT(connection {CONNECTION}, disposition VARCHAR)",
}


def sink_row(entry: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """One entry as the BigQuery sink stores it: typed columns (int64 numbers, timestamps)."""
    from datetime import datetime

    def moment(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)

    payload = entry["jsonPayload"]
    connection = {k: (int(v) if k != "src_ip" and k != "dest_ip" else v) for k, v in payload["connection"].items()}
    if entry["logName"].endswith("vpc_flows"):
        row = {"connection": connection, "reporter": payload["reporter"], "bytes_sent": int(payload["bytes_sent"]),
               "start_time": moment(payload["start_time"]), "end_time": moment(payload["end_time"])}
    else:
        row = {"connection": connection, "disposition": payload["disposition"]}
    return moment(entry["timestamp"]), row


def test_the_bigquery_query_run_on_duckdb_gives_the_python_classification(mocked):
    import duckdb

    from infra.flows.sql import emit

    _, snapshot, found, folder = mocked
    model = observed_model()
    book = observe.flow_book(snapshot, model)
    entries = [json.loads(line) for path in sorted((folder / "logs").rglob("*.json"))
               for line in path.read_text().splitlines() if line.strip()]
    db = duckdb.connect()
    for statement in SHIMS:
        db.execute(statement)
    for table, payload in TABLES.items():
        db.execute(f'CREATE TABLE flow_logs.{table} ("timestamp" TIMESTAMP, jsonPayload {payload})')
        rows = [sink_row(e) for e in entries if e["logName"].endswith(table.removeprefix("compute_googleapis_com_"))]
        db.executemany(f"INSERT INTO flow_logs.{table} VALUES (?, ?)", rows)
    sql = db.execute(emit("bigquery", model.name, "gcp", book, Intent.of(model, "gcp", book.aliases),
                          Window())).fetchall()
    python = [(r.src, r.dst, r.protocol, r.port, r.cls, r.records, r.bytes, r.first, r.last, r.guardrail)
              for r in found.flows]
    assert sorted(sql, key=repr) == sorted(python, key=repr)
    assert {(r[4], r[9]) for r in sql} >= {("guardrail", "never[0]"), ("blocked-attempt", "never[0]")}
