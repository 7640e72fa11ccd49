"""The hand-written sample through parse -> count once -> classify -> aggregate, and the renderers."""

from __future__ import annotations

import gzip
import json

import jsonschema
import pytest
from rich.console import Console

from infra.flows import render
from infra.flows.addresses import AddressBook
from infra.flows.gates import DEFAULT_OBSERVE_FAIL_ON, failing
from infra.flows.records import Window
from tests.flows.sample import EXPECTED, SAMPLE, T0, classify_sample, sample_book

# The JSON contract of docs/contracts.md ("bulkhead observe --format json"), as a schema.
ENDPOINT = {"type": "string"}
OBSERVE_SCHEMA = {
    "type": "object",
    "required": ["model", "cloud", "window", "records", "summary", "flows", "unused"],
    "properties": {
        "model": {"type": "string"}, "cloud": {"type": "string"},
        "window": {"type": "object", "required": ["start", "end"], "additionalProperties": False,
                   "properties": {"start": {"type": ["string", "null"]}, "end": {"type": ["string", "null"]}}},
        "records": {"type": "integer"},
        "summary": {"type": "object", "additionalProperties": False,
                    "required": ["intended", "guardrail", "violation", "blocked-attempt", "broken", "unknown"],
                    "properties": {k: {"type": "integer"} for k in EXPECTED}},
        "flows": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["src", "dst", "protocol", "port", "class", "records", "bytes", "first", "last", "examples",
                         "guardrail"],
            "properties": {"src": ENDPOINT, "dst": ENDPOINT, "protocol": {"type": "string"},
                           "port": {"type": ["integer", "null"]}, "class": {"enum": list(EXPECTED)},
                           "records": {"type": "integer"}, "bytes": {"type": "integer"},
                           "first": {"type": "string"}, "last": {"type": "string"},
                           "examples": {"type": "array", "maxItems": 3},
                           "guardrail": {"type": ["string", "null"], "pattern": r"^never\[\d+\]$"}}}},
        "unused": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["src", "dst", "protocol", "ports"],
            "properties": {"src": ENDPOINT, "dst": ENDPOINT, "protocol": {"type": "string"},
                           "ports": {"type": ["array", "null"]}}}},
    },
}


def test_every_class_of_the_sample_is_counted_as_worked_out_by_hand():
    report = classify_sample()
    assert report.summary == EXPECTED
    assert report.records == 22
    assert report.attempts == {"internal": 2, "internet": 2, "guardrail": 0}
    assert all(r.guardrail is None for r in report.flows)  # observed.yaml's one guardrail: nothing crosses it
    t = report.tally
    assert (t.duplicates, t.transit, t.nodata, t.skipdata, t.outside) == (6, 2, 1, 1, 0)


def test_flows_are_aggregated_per_endpoint_pair_port_and_class():
    rows = {(r.src, r.dst, r.protocol, r.port, r.cls): r for r in classify_sample().flows}
    request_and_reply = rows[("edge", "app", "tcp", 8080, "intended")]
    assert (request_and_reply.records, request_and_reply.bytes) == (3, 200 + 400 + 400)
    assert (request_and_reply.first, request_and_reply.last) == (T0 + 60, T0 + 864059)
    assert rows[("edge", "db", "tcp", 5432, "violation")].records == 2
    assert rows[("edge", "app", "ip-47", None, "violation")].records == 1
    assert rows[("unknown", "db", "tcp", 5432, "unknown")].records == 2
    assert rows[("edge", "app", "tcp", 8080, "broken")].records == 1
    assert {k[:4] for k, r in rows.items() if k[4] == "blocked-attempt"} == {
        ("db", "app", "tcp", 22), ("db", "internet", "tcp", 443), ("internet", "edge", "tcp", 22),
        ("internet", "edge", "tcp", 3389)}


def test_a_flow_seen_at_both_ends_is_counted_once_and_twice_without_the_interfaces():
    book = sample_book()
    blind = AddressBook(book.owners, book.local, transit=book.transit)  # no interface addresses
    counted = {(r.src, r.dst, r.port, r.cls): r.records for r in classify_sample(book=blind).flows}
    # Lines 2-5 and 37 would count 5 times, and line 25 (let out by edge, rejected by app) would
    # pass for intended traffic: 6 instead of 3.
    assert counted[("edge", "app", 8080, "intended")] == 6
    assert counted[("edge", "db", 5432, "violation")] == 4


def test_the_report_leads_with_violations_then_internal_attempts_and_internet_scans_come_late():
    order = [(r.cls, r.origin) for r in classify_sample().flows]
    first_internet = order.index(("blocked-attempt", "internet"))
    assert order[0] == ("violation", "internal")
    assert order.index(("blocked-attempt", "internal")) < order.index(("broken", "internal")) < first_internet
    assert all(cls == "intended" for cls, _ in order[first_internet + 2:])


def test_examples_name_the_interface_and_at_most_three_records():
    rows = classify_sample().flows
    assert all(1 <= len(r.examples) <= 3 for r in rows)
    scan = next(r for r in rows if r.port == 3389)
    assert render.example_json(scan.examples[0]) == {
        "interface": "eni-e1", "src": "198.51.100.9:52001", "dst": "10.40.1.10:3389", "action": "REJECT",
        "time": "2024-05-01T12:22:00Z", "source": f"{SAMPLE}:24"}


def test_bad_records_are_counted_with_their_line_and_never_stop_the_run():
    t = classify_sample().tally
    assert t.bad == 4
    assert [e.split(":")[-2] for e in t.bad_examples] == ["32", "33", "34", "35"]
    assert "9 fields where the format has 14" in t.bad_examples[0]
    assert "not an IP address" in t.bad_examples[2] and "MAYBE" in t.bad_examples[3]


def test_a_window_keeps_the_records_that_overlap_it_and_counts_the_rest():
    report = classify_sample(Window(T0, T0 + 3600))
    assert report.summary["intended"] == EXPECTED["intended"] - 1
    assert report.tally.outside == 1
    late = classify_sample(Window(T0 + 864000, None))
    # Every other record that parsed: the 28 of lines 2-29, line 34 (its address is only checked
    # when classified) and line 36.
    assert late.records == 1 and late.tally.outside == 30
    assert report.window == Window(T0, T0 + 3600)
    assert classify_sample().window == Window(T0 + 60, T0 + 864059)  # no window: the records' span


def test_intended_ranges_without_traffic_are_unused():
    unused = {(u.src, u.dst, u.protocol): u.ports.as_lists() for u in classify_sample().unused}
    assert unused == {("app", "db", "tcp"): [[5432, 5432]], ("ops", "app", "icmp"): [[0, 255]],
                      ("ops", "app", "tcp"): [[9100, 9100]], ("ops", "db", "tcp"): [[9100, 9100]],
                      ("ops", "db", "udp"): [[8125, 8125]]}
    # A broken path is still needed: edge -> app is used although one attempt was rejected.
    assert ("edge", "app", "tcp") not in unused


def test_a_gzip_file_reads_like_the_plain_one(tmp_path):
    packed = tmp_path / "sample.log.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert classify_sample(path=packed).summary == EXPECTED


def test_the_json_report_keeps_the_contract():
    document = render.observe_json(classify_sample())
    jsonschema.validate(document, OBSERVE_SCHEMA)
    assert list(document)[:7] == ["model", "cloud", "window", "records", "summary", "flows", "unused"]
    assert document["window"] == {"start": "2024-05-01T12:01:00Z", "end": "2024-05-11T12:00:59Z"}
    assert document["bad_records"]["count"] == 4
    assert document["attempts"] == {"internal": 2, "internet": 2, "guardrail": 0}
    assert json.loads(json.dumps(document)) == document


@pytest.mark.parametrize("width", [80, 160])
def test_the_tables_render_the_headline_and_every_section(width):
    console = Console(width=width, record=True, soft_wrap=True)  # as the CLI's console
    report = classify_sample()
    for part in render.observe_tables(report, failing(report, DEFAULT_OBSERVE_FAIL_ON), ()):
        console.print(part)
    text = console.export_text()
    assert "0 guardrail flow(s) (0 record(s))" in text and "2 violation flow(s) (3 record(s))" in text
    assert "2 internal blocked-attempt flow(s) (2 record(s))" in text
    assert "2 blocked-attempt flow(s) (2 record(s)) from the internet" in text
    assert "4 bad record(s) skipped" in text and "no traffic in the window" in text
    assert "exit 1: violation: 2 flow(s), 3 record(s) crossed where the model forbids it" in text
