"""IPv4 ranges as integer interval sets, and which endpoints a set of ranges reaches.

`PortSet` is a generic set of disjoint inclusive integer intervals, so it serves for IPv4
addresses too (an address is an int). The internet is every address outside the private,
shared, loopback, link-local, multicast and reserved blocks, and Google's API VIPs.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network

from infra.ports import PortSet

Addresses = PortSet  # intervals over 0..2**32-1

# private.googleapis.com (199.36.153.8/30) and restricted.googleapis.com (199.36.153.4/30)
# are routed to Google APIs only, never to the internet.
NOT_INTERNET = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
                "199.36.153.4/30", "199.36.153.8/30")


def addresses(ranges: Iterable[str | IPv4Network]) -> Addresses:
    out = []
    for text in ranges:
        try:
            net = IPv4Network(text, strict=False)
        except ValueError:
            continue  # IPv6 ranges never match bulkhead's IPv4 segments
        out.append((int(net.network_address), int(net.broadcast_address)))
    return PortSet.of(out)


EVERYTHING = addresses(["0.0.0.0/0"])
INTERNET = EVERYTHING - addresses(NOT_INTERNET)


def overlaps(ranges: Addresses, other: Addresses) -> bool:
    return bool(ranges & other)


def covers(ranges: Addresses, other: Addresses) -> bool:
    return bool(other) and other.issubset(ranges)
