"""The address book: which endpoint an address belongs to, and at which end a record was taken."""

from __future__ import annotations

import pytest

from infra.flows.addresses import UNKNOWN, AddressBook
from infra.reach import INTERNET
from tests.flows.sample import sample_book


@pytest.mark.parametrize(("address", "endpoint"), [
    ("10.40.1.10", "edge"), ("10.40.2.255", "app"), ("10.40.3.0", "db"),
    ("52.216.8.1", "service:object-storage"), ("52.217.255.255", "service:object-storage"),
    ("10.40.9.9", UNKNOWN),  # inside the VPC, in no segment's subnet
    ("172.31.5.5", UNKNOWN), ("192.168.1.1", UNKNOWN), ("100.64.0.1", UNKNOWN),  # private, not ours
    ("203.0.113.9", INTERNET), ("8.8.8.8", INTERNET), ("52.218.0.1", INTERNET),  # just past the S3 range
])
def test_an_address_maps_to_the_endpoint_that_owns_it(address, endpoint):
    assert sample_book().endpoint(address) == endpoint


def test_the_most_specific_owner_wins_and_order_does_not_matter():
    owners = [("10.0.0.0/16", "wide"), ("10.0.5.0/24", "narrow"), ("10.0.5.7/32", "service:kms")]
    for ordered in (owners, owners[::-1]):
        book = AddressBook(ordered, ["10.0.0.0/8"])
        assert [book.endpoint(a) for a in ("10.0.4.1", "10.0.5.1", "10.0.5.7", "10.0.5.8", "10.1.0.1")] == \
            ["wide", "narrow", "service:kms", "narrow", UNKNOWN]


def test_ipv6_addresses_map_like_ipv4_ones():
    book = AddressBook([("2600:1f18:abcd:1201::/64", "app")], ["2600:1f18:abcd:1200::/56"])
    assert book.endpoint("2600:1f18:abcd:1201::9") == "app"
    assert book.endpoint("2600:1f18:abcd:12ff::9") == UNKNOWN
    assert book.endpoint("fd00::1") == UNKNOWN
    assert book.endpoint("2001:4860::8888") == INTERNET


def test_a_malformed_address_is_an_error_not_an_endpoint():
    with pytest.raises(ValueError):
        sample_book().endpoint("10.40.2.999")


def test_inside_the_network_means_the_vpc_ranges_not_a_service_public_range():
    book = sample_book()
    assert book.is_local("10.40.9.9") and book.is_local("10.40.1.10")
    assert not book.is_local("52.216.8.1")  # S3 has no interface in the VPC to log it a second time
    assert not book.is_local("172.31.5.5") and not book.is_local("not-an-address")


@pytest.mark.parametrize(("interface", "src", "dst", "capture"), [
    ("eni-e1", "10.40.1.10", "10.40.2.10", "src"),
    ("eni-a1", "10.40.1.10", "10.40.2.10", "dst"),
    ("eni-nat", "10.40.2.10", "203.0.113.9", "transit"),
    ("eni-e1", "10.40.4.10", "10.40.2.10", ""),  # an interface that owns neither end: cannot tell
    ("eni-launched-later", "10.40.1.10", "10.40.2.10", ""),  # not in the snapshot
])
def test_a_record_is_placed_at_the_end_whose_interface_owns_the_address(interface, src, dst, capture):
    assert sample_book().capture(interface, src, dst) == capture


def test_the_sql_ranges_are_disjoint_sorted_and_cover_what_lookups_answer():
    book = sample_book()
    ranges = book.ranges()
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    from ipaddress import IPv4Address
    for lo, hi, name in ranges:
        for value in {lo, hi, (lo + hi) // 2}:
            assert book.endpoint(str(IPv4Address(value))) == name


def test_an_address_whose_end_logs_nothing_is_not_counted_as_inside():
    book = AddressBook([("10.42.2.0/24", "app"), ("10.42.0.4/32", "service:object-storage")], ["10.42.0.0/16"],
                       unlogged=["10.42.0.4/32"])
    assert book.endpoint("10.42.0.4") == "service:object-storage"
    assert not book.is_local("10.42.0.4")  # an Azure private endpoint: the sender's record is the only one
    assert book.is_local("10.42.0.5") and book.is_local("10.42.2.9")
    from ipaddress import IPv4Address
    holes = [(lo, hi) for lo, hi in book.local_ranges() if lo <= int(IPv4Address("10.42.0.4")) <= hi]
    assert holes == [] and len(book.local_ranges()) == 2


# A dual-stack socket writes an IPv4 peer as an IPv4-mapped IPv6 address: the same packet, so the
# same endpoint (as IPv6 it was `internet`, hiding lateral traffic behind `internet -> internet`).
@pytest.mark.parametrize(("address", "endpoint"), [
    ("::ffff:10.40.1.10", "edge"), ("::FFFF:10.40.2.255", "app"), ("::ffff:0a28:030a", "db"),
    ("::ffff:10.40.9.9", UNKNOWN), ("::ffff:172.31.5.5", UNKNOWN), ("::ffff:8.8.8.8", INTERNET),
    ("::ffff:52.216.8.1", "service:object-storage"),
])
def test_an_ipv4_mapped_address_maps_to_the_endpoint_of_its_ipv4_address(address, endpoint):
    assert sample_book().endpoint(address) == endpoint


def test_an_ipv4_mapped_address_is_inside_the_network_and_owned_by_its_interface():
    book = sample_book()
    assert book.is_local("::ffff:10.40.3.10") and not book.is_local("::ffff:8.8.8.8")
    assert book.capture("eni-a1", "::ffff:10.40.2.10", "10.40.3.10") == "src"
    assert book.capture("eni-d1", "10.40.2.10", "::ffff:10.40.3.10") == "dst"
    assert book.capture("eni-d1", "::ffff:10.40.2.10", "::ffff:10.40.4.10") == ""


def test_other_ipv6_addresses_are_not_read_as_ipv4():
    book = sample_book()
    assert book.endpoint("::10.40.1.10") == INTERNET  # IPv4-compatible (deprecated), not mapped
    assert book.endpoint("64:ff9b::a28:10a") == INTERNET  # NAT64: an IPv6 address of the translator
    assert book.capture("eni-a1", "2600::1", "10.40.3.10") == ""
