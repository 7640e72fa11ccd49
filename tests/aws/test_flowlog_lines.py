"""VPC Flow Logs lines: the default format, custom formats by header or LogFormat, and bad lines."""

from __future__ import annotations

from infra.flows.records import Tally
from providers.aws.observe.flowlog_lines import DEFAULT_FIELDS, fields_of, is_header, parse_lines
from tests.flows.sample import sample_book

V5 = "version vpc-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr srcport dstport protocol bytes start end " \
     "action log-status flow-direction"


def parse(lines, fields=DEFAULT_FIELDS):
    tally = Tally()
    return list(parse_lines(lines, "s3://b/k.log", sample_book().capture, tally, fields)), tally


def test_a_default_line_becomes_a_record_placed_at_its_end():
    [record], tally = parse(["2 123 eni-a1 10.40.1.10 10.40.2.10 40001 8080 6 5 400 100 159 ACCEPT OK"])
    assert record[:10] == ("10.40.1.10", "10.40.2.10", 40001, 8080, "tcp", True, 5, 400, 100, 159)
    assert (record.interface, record.at, record.line) == ("eni-a1", "dst", 1)
    assert tally.bad == 0


def test_nodata_and_skipdata_are_counted_not_read_as_traffic():
    records, tally = parse(["2 123 eni-a1 - - - - - - - 100 160 - NODATA", "2 123 eni-a1 - - - - - - - 1 2 - SKIPDATA"])
    assert records == [] and (tally.nodata, tally.skipdata, tally.bad) == (1, 1, 0)


def test_a_header_line_sets_the_fields_of_the_file():
    lines = [V5, "5 vpc-1 eni-nat 10.40.0.5 203.0.113.9 10.40.2.10 203.0.113.9 40002 443 6 900 100 159 ACCEPT OK "
                 "egress"]
    [record], tally = parse(lines)
    assert record.src == "10.40.2.10"  # the packet's own source, not the NAT gateway's address
    assert record.at == "transit" and record.bytes == 900 and record.packets == 0 and tally.bad == 0


def test_flow_direction_says_which_end_captured_the_record():
    lines = [V5, "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 ACCEPT OK egress",
             "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 ACCEPT OK ingress"]
    records, _ = parse(lines)
    assert [r.at for r in records] == ["src", "dst"]  # eni-x is in no snapshot: only the field tells


def test_a_log_format_names_the_fields_of_cloudwatch_messages():
    fields = fields_of("${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${action}")
    [record], tally = parse(["10.40.1.10 10.40.2.10 40001 8080 17 100 159 REJECT"], fields)
    assert (record.protocol, record.accepted, record.interface, record.bytes) == ("udp", False, "", 0)
    assert fields_of(None) == DEFAULT_FIELDS and tally.bad == 0


def test_a_format_without_the_needed_fields_is_one_bad_record_naming_them():
    records, tally = parse(["version srcaddr dstaddr action", "2 10.0.0.1 10.0.0.2 ACCEPT"])
    assert records == [] and tally.bad == 1
    assert "lacks srcport, dstport, protocol, start, end" in tally.bad_examples[0]


def test_bad_lines_are_counted_with_their_line_numbers_and_the_rest_is_read():
    lines = ["2 123 eni-a1 10.40.1.10 10.40.2.10 40001 8080 6 5 400 100 159 ACCEPT OK",
             "2 123 eni-a1 10.40.1.10",
             "2 123 eni-a1 10.40.1.10 10.40.2.10 40001 http 6 5 400 100 159 ACCEPT OK",
             "2 123 eni-a1 10.40.1.10 10.40.2.10 40001 8080 6 5 400 100 159 DROP OK",
             "2 123 eni-a1 10.40.1.10 10.40.2.10 40001 8080 6 5 400 100 159 ACCEPT LATE",
             "",
             "2 123 eni-a1 10.40.1.10 10.40.2.10 40002 8080 6 5 400 100 159 ACCEPT OK"]
    records, tally = parse(lines)
    assert [r.line for r in records] == [1, 7]
    assert tally.bad == 4
    assert [e.split(": ", 1)[0] for e in tally.bad_examples] == [f"s3://b/k.log:{n}" for n in (2, 3, 4, 5)]


def test_only_a_line_of_known_field_names_is_a_header():
    assert is_header(" ".join(DEFAULT_FIELDS)) and is_header(V5)
    assert not is_header("2 123 eni-a1 10.40.1.10") and not is_header("version srcaddr colour")
