"""Which endpoints an ipBlock names: the internet, a service, or (a posture problem) the pods.

ipBlocks are for addresses outside the cluster (the API reference says so; whether one also
matches pod addresses depends on the network plugin and on NAT before policy processing).
The address space is IPv4 and IPv6 together, as one line of integers (IPv6 after IPv4), so
one interval set answers for both families. Outside the cluster is everything but the pod and
service ranges; what the model places a service at is that service, the rest is "the internet"
(private ranges included: a corporate network or a VPC beyond the cluster is outside too).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_address, ip_network

from infra.ports import PortSet

V6_OFFSET = 2**32


def _bounds(net: IPv4Network | IPv6Network) -> tuple[int, int]:
    offset = 0 if isinstance(net, IPv4Network) else V6_OFFSET
    return offset + int(net.network_address), offset + int(net.broadcast_address)


def _point(address: str) -> int | None:
    try:
        ip = ip_address(address)
    except ValueError:
        return None
    return int(ip) + (0 if isinstance(ip, IPv4Address) else V6_OFFSET)


@dataclass(frozen=True)
class Addresses:
    """A set of IPv4 and IPv6 addresses (interval arithmetic borrowed from port sets)."""

    ranges: PortSet = PortSet()

    @classmethod
    def of(cls, networks: Iterable[IPv4Network | IPv6Network | str]) -> Addresses:
        return cls(PortSet.of(_bounds(ip_network(str(n), strict=False)) for n in networks))

    @classmethod
    def block(cls, cidr: str, excepts: Iterable[str] = ()) -> Addresses:
        """An ipBlock: its cidr minus its `except` ranges."""
        return cls(cls.of([cidr]).ranges - cls.of(excepts).ranges)

    def __and__(self, other: Addresses) -> Addresses:
        return Addresses(self.ranges & other.ranges)

    def __sub__(self, other: Addresses) -> Addresses:
        return Addresses(self.ranges - other.ranges)

    def __or__(self, other: Addresses) -> Addresses:
        return Addresses(self.ranges | other.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)


EVERYTHING = Addresses.of(["0.0.0.0/0", "::/0"])


class PodAddresses:
    """Known pod IPs, sorted, so an ipBlock can be checked against all of them with two bisections."""

    def __init__(self, addresses: Iterable[str]):
        self.points = sorted(p for p in (_point(a) for a in addresses) if p is not None)

    def any_in(self, block: Addresses) -> bool:
        for lo, hi in block.ranges:
            at = bisect.bisect_left(self.points, lo)
            if at < len(self.points) and self.points[at] <= hi:
                return True
        return False
