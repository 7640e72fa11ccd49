"""PortSet algebra against a brute-force reference (plain Python sets) on a small universe.

Intervals stay within 0..64 so the reference sets are tiny and edge cases (adjacent,
touching, nested intervals) come up often. BULKHEAD_THOROUGH=1 runs many more examples.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.ports import MAX_PORT, PortSet, PortSpecError, format_ports, json_ports, parse_port_spec, parse_port_specs

EXAMPLES = settings(max_examples=2000 if os.environ.get("BULKHEAD_THOROUGH") else 150, deadline=None)
TOP = 64
UNIVERSE = set(range(TOP + 1))

interval = st.tuples(st.integers(0, TOP), st.integers(0, TOP)).map(lambda t: (min(t), max(t)))
ranges = st.lists(interval, max_size=6)


def members(ranges: list[tuple[int, int]]) -> set[int]:
    return {port for lo, hi in ranges for port in range(lo, hi + 1)}


def as_set(ports: PortSet) -> set[int]:
    return members(list(ports.intervals))


@EXAMPLES
@given(ranges)
def test_a_port_set_is_stored_as_sorted_disjoint_non_adjacent_intervals(raw):
    ports = PortSet.of(raw)
    assert as_set(ports) == members(raw)
    for lo, hi in ports.intervals:
        assert lo <= hi
    for (_, hi), (lo, _) in zip(ports.intervals, ports.intervals[1:], strict=False):
        assert lo > hi + 1  # a gap of at least one port, else they would have been merged


@EXAMPLES
@given(ranges, ranges)
def test_two_port_sets_are_equal_exactly_when_they_hold_the_same_ports(a, b):
    assert (PortSet.of(a) == PortSet.of(b)) == (members(a) == members(b))
    if members(a) == members(b):
        assert hash(PortSet.of(a)) == hash(PortSet.of(b))


@EXAMPLES
@given(ranges, ranges)
def test_union_intersection_and_difference_match_set_arithmetic(a, b):
    x, y = PortSet.of(a), PortSet.of(b)
    assert as_set(x | y) == members(a) | members(b)
    assert as_set(x & y) == members(a) & members(b)
    assert as_set(x - y) == members(a) - members(b)
    # the results are canonical too: equal to a set rebuilt from scratch
    assert x & y == PortSet.of((p, p) for p in members(a) & members(b))
    assert x - y == PortSet.of((p, p) for p in members(a) - members(b))


@EXAMPLES
@given(ranges, ranges)
def test_subset_membership_count_and_truth_match_the_reference(a, b):
    x, y = PortSet.of(a), PortSet.of(b)
    assert x.issubset(y) == (members(a) <= members(b))
    assert x.count() == len(members(a))
    assert bool(x) == bool(members(a))
    for port in range(-1, TOP + 2):
        assert (port in x) == (port in members(a))


@EXAMPLES
@given(ranges, ranges, ranges)
def test_the_set_laws_hold(a, b, c):
    x, y, z = PortSet.of(a), PortSet.of(b), PortSet.of(c)
    full = PortSet.single(0, TOP)
    assert x | y == y | x and x & y == y & x
    assert (x | y) | z == x | (y | z) and (x & y) & z == x & (y & z)
    assert x & (y | z) == (x & y) | (x & z)
    assert full - (x | y) == (full - x) & (full - y)  # De Morgan
    assert (x - y) | (x & y) == x and not ((x - y) & y)


@EXAMPLES
@given(st.sampled_from(["tcp", "udp"]), st.integers(1, MAX_PORT), st.integers(1, MAX_PORT))
def test_a_port_range_spec_parses_to_its_range_and_prints_back_the_same(proto, a, b):
    lo, hi = min(a, b), max(a, b)
    spec = f"{proto}/{lo}-{hi}"
    assert parse_port_spec(spec) == (proto, PortSet.single(lo, hi))
    printed = format_ports(*parse_port_spec(spec))
    assert printed == (f"{proto}/{lo}" if lo == hi else spec)
    assert parse_port_spec(printed) == (proto, PortSet.single(lo, hi))
    assert parse_port_spec(spec.upper()) == (proto, PortSet.single(lo, hi))


@EXAMPLES
@given(st.integers(1, MAX_PORT))
def test_a_bare_number_is_a_tcp_port_and_its_text_form_is_the_same(port):
    assert parse_port_spec(port) == ("tcp", PortSet.single(port))
    assert parse_port_spec(str(port)) == ("tcp", PortSet.single(port))


@EXAMPLES
@given(st.lists(st.tuples(st.sampled_from(["tcp", "udp"]), interval.filter(lambda i: i[0] >= 1)), min_size=1))
def test_many_specs_merge_per_protocol_and_print_as_a_list_that_parses_back(specs):
    parsed = parse_port_specs(f"{proto}/{lo}-{hi}" for proto, (lo, hi) in specs)
    for proto in ("tcp", "udp"):
        expected = members([r for p, r in specs if p == proto])
        assert as_set(parsed.get(proto, PortSet())) == expected
    for proto, ports in parsed.items():
        text = format_ports(proto, ports).removeprefix(f"{proto}/")
        assert parse_port_specs(f"{proto}/{part}" for part in text.split(",")) == {proto: ports}
        assert json_ports(proto, ports) == [[lo, hi] for lo, hi in ports.intervals]


@EXAMPLES
@given(st.lists(ranges, max_size=8))
def test_many_sets_merged_at_once_are_the_sets_folded_with_union(many):
    sets = [PortSet.of(raw) for raw in many]
    folded = PortSet()
    for ports in sets:
        folded = folded | ports
    assert PortSet.union(sets) == folded
    assert as_set(PortSet.union(sets)) == members([r for raw in many for r in raw])


def test_thousands_of_separate_ports_in_one_list_merge_into_one_set_per_protocol():
    # Every other port (the red-team's 32,768-port flow): no two adjacent, so nothing merges.
    parsed = parse_port_specs([*range(1, MAX_PORT + 1, 2), "udp/53", "udp/54"])
    assert parsed["tcp"].intervals == tuple((p, p) for p in range(1, MAX_PORT + 1, 2))
    assert parsed["udp"].intervals == ((53, 54),)


def test_icmp_means_every_icmp_type_and_prints_and_serialises_as_such():
    assert parse_port_spec("icmp") == ("icmp", PortSet.single(0, 255))
    assert format_ports("icmp", PortSet.single(0, 255)) == "icmp"
    assert json_ports("icmp", PortSet.single(0, 255)) is None
    assert format_ports("icmp", PortSet.single(8)) == "icmp/8"  # a partial opening stays visible


@pytest.mark.parametrize("spec", [0, 65536, "tcp/0", "udp/1-65536", "9-8", "sctp/5", "icmp/8", "", "80,443",
                                  "tcp/", "-5", 443.0, True, None, [80]])
def test_a_malformed_spec_is_rejected_with_a_fix(spec):
    with pytest.raises(PortSpecError) as caught:
        parse_port_spec(spec)
    assert caught.value.what and caught.value.fix
