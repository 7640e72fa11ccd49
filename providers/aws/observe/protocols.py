"""AWS protocol and port fields -> the neutral protocol and port set of one address family.

Security groups say `tcp` or `6`, NACLs always say `6`; `-1` is every protocol. A number
other than tcp/udp/icmp(v6) means every port of THAT protocol, which no neutral path uses,
so such a rule is irrelevant to tcp/udp/icmp traffic (returned as "other"). ICMP's
FromPort / IcmpTypeCode.Type is the ICMP type (-1 = all); the code is not a port. In the
IPv6 family the neutral "icmp" is ICMPv6 (58).
"""

from __future__ import annotations

import functools
from typing import Literal

from infra.ports import PortSet, Protocol

Kind = Protocol | Literal["all", "other"]

_NAMES = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp",
          "icmpv6": "icmpv6", "58": "icmpv6", "-1": "all", "all": "all"}


def protocol_of(value: object, fam: str) -> Kind:
    """The neutral protocol a rule applies to in family `fam` ("v4"/"v6")."""
    name = _NAMES.get(str(value).lower(), "other")
    if name == "icmp":
        return "icmp" if fam == "v4" else "other"
    if name == "icmpv6":
        return "icmp" if fam == "v6" else "other"
    return name  # type: ignore[return-value]


def port_set(protocol: Kind, low: object, high: object) -> PortSet | None:
    """Ports of one rule; None means every port (also for `-1` or a missing range)."""
    if protocol in ("all", "other"):
        return None
    if protocol == "icmp":
        return None if low in (None, -1) else _single(int(low), None)  # type: ignore[call-overload]
    if low in (None, -1) or high in (None, -1):
        return None
    return _single(int(low), int(high))  # type: ignore[call-overload]


@functools.lru_cache(maxsize=4096)
def _single(low: int, high: int | None) -> PortSet:
    # One object per range: a large account repeats a few ports over tens of thousands of
    # rules, and fewer live objects make the garbage collector's passes shorter.
    return PortSet.single(low, high)
