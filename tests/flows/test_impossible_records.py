"""A record whose numbers no network can carry is a bad record, whichever reader made it: a port
outside 0-65535, a protocol number outside 0-255, a time no date can show (years 1-9999), a start
after its end. It is counted apart and located (source:line), never classified as traffic and never
counted as outside the window. Before, a port -22 became traffic `tcp -22`, a port 99999 turned the
flow round, a protocol 300 became `ip-300`, and an AWS start of 99999999999999 (or a GCP time of
9999-12-31T23:59:59-23:59) crashed the report with `year ... is out of range`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.flows.aggregate import aggregate
from infra.flows.classify import Classifier
from infra.flows.intent import Intent
from infra.flows.records import FlowRecord, Tally, Window, protocol_name
from infra.snapshot import write_snapshot
from providers.aws.observe.flowlog_lines import parse_lines
from providers.gcp.observe.flowlog_entries import parse_entries
from tests.flows.sample import T0, observed_model, sample_book
from tests.sarif_schema import sarif_errors
from tests.snapshot_baselines import MODEL_FILE, baseline

EDGE, APP = "10.40.1.10", "10.40.2.10"  # edge -> app tcp/8080 is intended (tests/flows/models/observed.yaml)


def record(sport: int = 40000, dport: int = 8080, protocol: str = "tcp", start: int = T0, end: int = T0 + 59,
           line: int = 7) -> FlowRecord:
    return FlowRecord(EDGE, APP, sport, dport, protocol, True, 1, 100, start, end, "eni-x", "", "reader.log", line)


def classified(records: list[FlowRecord], window: Window = Window(), tally: Tally | None = None) -> tuple[dict, Tally]:
    book, model, tally = sample_book(), observed_model(), tally or Tally()
    found = aggregate(records, Classifier(book, Intent.of(model, "aws", book.aliases)), window, tally)
    return {(k.src, k.dst, k.protocol, k.port, k.cls): v[0] for k, v in found.stats.items()}, tally


IMPOSSIBLE = [
    (record(sport=-22), "port -22 or 8080 is outside 0-65535"),
    (record(dport=99999), "port 40000 or 99999 is outside 0-65535"),
    (record(dport=65536), "port 40000 or 65536 is outside 0-65535"),
    (record(protocol=protocol_name(300)), "protocol 300 is not a protocol number (0-255)"),
    (record(protocol=protocol_name(-1)), "protocol -1 is not a protocol number (0-255)"),
    (record(start=99999999999999, end=99999999999999), "is outside the years 1-9999"),
    (record(end=253402300800), "is outside the years 1-9999"),
    (record(start=-62135596801), "is outside the years 1-9999"),
    (record(start=T0 + 60, end=T0), "start 2024-05-01T12:01:00Z is after end 2024-05-01T12:00:00Z"),
]


@pytest.mark.parametrize(("bad", "reason"), IMPOSSIBLE)
def test_a_record_no_network_can_carry_is_a_located_bad_record_not_traffic(bad, reason):
    flows, tally = classified([bad])
    assert flows == {}
    assert (tally.bad, tally.outside) == (1, 0)
    [example] = tally.bad_examples
    assert example.startswith("reader.log:7: ") and reason in example


@pytest.mark.parametrize(("bad", "reason"), IMPOSSIBLE)
def test_an_impossible_record_is_bad_even_outside_a_window(bad, reason):
    _, tally = classified([bad], Window(T0 - 7200, T0 - 3600))
    assert (tally.bad, tally.outside) == (1, 0)


@pytest.mark.parametrize("good", [
    record(), record(sport=0, dport=0), record(sport=65535, dport=65535), record(protocol=protocol_name(255)),
    record(protocol=protocol_name(0)), record(start=T0, end=T0), record(start=0, end=0),
    record(start=-62135596800, end=253402300799),
], ids=["plain", "port-0", "port-65535", "protocol-255", "protocol-0", "one-second", "epoch", "first-to-last-date"])
def test_the_limits_themselves_are_still_traffic(good):
    flows, tally = classified([good])
    assert tally.bad == 0 and sum(flows.values()) == 1


def test_the_valid_records_around_an_impossible_one_are_classified_as_before():
    flows, tally = classified([record(line=1), record(sport=-22, line=2), record(line=3)])
    assert flows == {("edge", "app", "tcp", 8080, "intended"): 2}
    assert tally.bad_examples == ["reader.log:2: port -22 or 8080 is outside 0-65535"]


def aws_line(sport: str = "40000", dport: str = "8080", protocol: str = "6", start: str = str(T0),
             end: str = str(T0 + 59)) -> str:
    return f"2 123456789012 eni-a1 {EDGE} {APP} {sport} {dport} {protocol} 3 300 {start} {end} ACCEPT OK"


def test_the_aws_reader_s_impossible_lines_are_bad_records_at_their_line_numbers():
    lines = [aws_line(), aws_line(start="99999999999999", end="99999999999999"), aws_line(sport="-22"),
             aws_line(dport="99999"), aws_line(protocol="300"), aws_line(start=str(T0 + 60), end=str(T0))]
    book, tally = sample_book(), Tally()
    flows, _ = classified(list(parse_lines(lines, "aws.log", book.capture, tally)), tally=tally)
    assert flows == {("edge", "app", "tcp", 8080, "intended"): 1}
    # (a negative port is already refused by the reader, the rest by the shared check: in either order)
    assert sorted(e.split(": ")[0] for e in tally.bad_examples) == ["aws.log:2", "aws.log:3", "aws.log:4",
                                                                    "aws.log:5", "aws.log:6"]


def test_the_gcp_reader_s_time_past_the_last_date_is_a_bad_record():
    connection = {"src_ip": EDGE, "dest_ip": APP, "src_port": 40000, "dest_port": 8080, "protocol": 6}
    entry = {"logName": "projects/p/logs/compute.googleapis.com%2Fvpc_flows", "timestamp": "2024-05-01T12:00:00Z",
             "jsonPayload": {"connection": connection, "reporter": "DEST", "start_time": "2024-05-01T12:00:00Z",
                             "end_time": "9999-12-31T23:59:59-23:59"}}
    tally = Tally()
    flows, _ = classified(list(parse_entries([entry, {**entry, "jsonPayload": {
        **entry["jsonPayload"], "end_time": "2024-05-01T12:00:59Z"}}], "gcp.json", tally)), tally=tally)
    assert flows == {("edge", "app", "tcp", 8080, "intended"): 1}
    assert tally.bad == 1 and tally.bad_examples[0].startswith("gcp.json:1: ")


def observe(tmp_path: Path, *extra: str):
    """`bulkhead observe` of one good and one impossible line, mapped with the baseline's snapshot."""
    logs = tmp_path / "flows.log"
    logs.write_text("\n".join([aws_line(), aws_line(start="99999999999999", end="99999999999999")]) + "\n")
    snapshot = tmp_path / "snap"
    write_snapshot(baseline("aws").snapshot, snapshot)
    return CliRunner().invoke(app, ["observe", str(MODEL_FILE), "--cloud", "aws", "--snapshot", str(snapshot),
                                    "--logs", str(logs), *extra])


def test_observe_reports_an_impossible_time_as_a_bad_record_not_a_traceback(tmp_path):
    result = observe(tmp_path, "--format", "json")
    assert result.exit_code in (0, 1) and result.exception is None or isinstance(result.exception, SystemExit)
    report = json.loads(result.stdout)
    assert report["records"] == 1 and report["bad_records"]["count"] == 1
    assert report["bad_records"]["first"][0].endswith("flows.log:2: time 99999999999999 or 99999999999999 "
                                                      "(Unix seconds) is outside the years 1-9999")


def test_an_option_outside_the_years_1_to_9999_leaves_a_valid_sarif_log(tmp_path):
    target = tmp_path / "observe.sarif"
    result = observe(tmp_path, "--format", "sarif", "--output", str(target), "--start", "99999999999999")
    assert result.exit_code == 2, result.output
    assert "--start '99999999999999' is outside the years 1-9999" in result.stderr
    log = json.loads(target.read_text())
    assert sarif_errors(log) == [] and log["runs"][0]["invocations"][0]["executionSuccessful"] is False
