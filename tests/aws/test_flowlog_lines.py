"""VPC Flow Logs lines: the default format, custom formats by header or LogFormat, and bad lines."""

from __future__ import annotations

import pytest

from infra.errors import UsageError
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


def test_a_header_without_the_needed_fields_is_one_located_refusal_naming_them():
    with pytest.raises(UsageError) as refused:
        parse(["version srcaddr dstaddr action", "2 10.0.0.1 10.0.0.2 ACCEPT", "2 10.0.0.1 10.0.0.3 ACCEPT"])
    assert str(refused.value).startswith("s3://b/k.log:1: the header lacks srcport, dstport, protocol, start, end; "
                                         "bulkhead needs srcaddr, dstaddr, srcport, dstport, protocol, start, end, "
                                         "action")


def test_a_header_lacking_action_names_it():
    with pytest.raises(UsageError, match=r"^s3://b/k.log:1: the header lacks action; "):
        parse([V5.replace(" action", ""), "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 OK egress"])


def test_a_log_format_without_the_needed_fields_is_refused_naming_the_source():
    with pytest.raises(UsageError, match=r"^s3://b/k.log: the flow log's format \(its LogFormat\) lacks action; "):
        parse(["10.40.1.10 10.40.2.10 40001 8080 17 100 159"], fields_of("${srcaddr} ${dstaddr} ${srcport} "
                                                                         "${dstport} ${protocol} ${start} ${end}"))


def test_a_header_naming_an_unknown_field_is_refused_naming_it_and_the_known_ones():
    with pytest.raises(UsageError) as refused:
        parse([V5 + " ecs-newfield", "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 ACCEPT OK egress x"])
    message = str(refused.value)
    assert message.startswith("s3://b/k.log:1: the header names 'ecs-newfield', which no VPC flow log has; the "
                              "known fields are version account-id interface-id ")
    assert message.endswith(" ecs-task-id reject-reason") and "\n" not in message


def test_a_header_naming_a_field_twice_is_refused_not_last_wins():
    with pytest.raises(UsageError, match=r"^s3://b/k.log:1: the header names srcaddr twice; "):
        parse([V5 + " srcaddr", "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 ACCEPT OK egress "
                                "10.9.9.9"])


def test_a_byte_order_mark_before_the_header_is_skipped():
    lines = ["\ufeff" + V5, "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 ACCEPT OK egress"]
    [record], tally = parse(lines)
    assert (record.src, record.dst_port, record.at, record.line, tally.bad) == ("10.40.1.10", 8080, "src", 2, 0)


@pytest.mark.parametrize("value", ["+8080", "8_080", "٨٠٨٠", "-8080", "8080.0", "0x1f90"])
def test_a_number_is_ascii_digits_only(value):
    line = "2 123 eni-a1 10.40.1.10 10.40.2.10 40001 {} 6 5 400 100 159 ACCEPT OK"
    [record], _ = parse([line.format("8080")])
    assert record.dst_port == 8080
    records, tally = parse([line.format(value)])
    assert records == [] and tally.bad_examples == ["s3://b/k.log:1: a port, protocol, count or time is not a number"]


@pytest.mark.parametrize("field", [5, 7, 8, 9, 10, 11])
def test_every_number_of_a_line_is_parsed_strictly(field):
    line = "2 123 eni-a1 10.40.1.10 10.40.2.10 40001 8080 6 5 400 100 159 ACCEPT OK"
    assert len(parse([line])[0]) == 1
    parts = line.split(" ")
    parts[field] = "+" + parts[field]
    records, tally = parse([" ".join(parts)])
    assert records == [] and tally.bad == 1


def test_a_flow_direction_other_than_ingress_or_egress_is_a_bad_record():
    lines = [V5, "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 ACCEPT OK sideways",
             "5 vpc-1 eni-x 10.40.1.10 10.40.2.10 - - 1 8080 6 9 100 159 ACCEPT OK ingress"]
    records, tally = parse(lines)
    assert [r.line for r in records] == [3]
    assert tally.bad_examples == ["s3://b/k.log:2: flow-direction 'sideways' is neither ingress nor egress"]


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


def test_only_a_line_of_field_names_one_of_them_known_is_a_header():
    assert is_header(" ".join(DEFAULT_FIELDS)) and is_header(V5) and is_header("version srcaddr colour")
    assert not is_header("2 123 eni-a1 10.40.1.10") and not is_header("hello world") and not is_header("")
