"""Protocols and port interval sets.

A `PortSet` is a sorted tuple of disjoint, non-adjacent inclusive intervals, so two sets
with the same members compare equal and hash alike (paths are diffed as sets). For ICMP the
"ports" are ICMP types 0..255; the model only ever says "icmp" (every type), but a cloud
rule can allow a single type, and the verifier must see that partial opening.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, cast

from infra.errors import FixableValueError

Protocol = Literal["tcp", "udp", "icmp", "sctp"]
# What the model can declare and what a cloud network is evaluated for. SCTP exists only where
# a target can express it (Kubernetes NetworkPolicies): such a network asks for it itself
# (`infra.reach.Network.protocols`), so the other clouds' reports gain no sctp rows.
PROTOCOLS: tuple[Protocol, ...] = ("tcp", "udp", "icmp")
ALL_PROTOCOLS: tuple[Protocol, ...] = ("tcp", "udp", "icmp", "sctp")  # every protocol, in report order
IANA_NUMBER: dict[Protocol, int] = {"tcp": 6, "udp": 17, "icmp": 1, "sctp": 132}
MAX_PORT = 65535
MAX_ICMP_TYPE = 255
EPHEMERAL = (1024, 65535)  # replies to NAT gateways, ELB, Lambda, Linux and Windows clients


def universe(protocol: Protocol) -> tuple[int, int]:
    """The whole value range of a protocol's 'port' field."""
    return (0, MAX_ICMP_TYPE) if protocol == "icmp" else (0, MAX_PORT)


@dataclass(frozen=True, order=True)
class PortSet:
    intervals: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, ranges: Iterable[tuple[int, int]]) -> PortSet:
        """Normalise arbitrary (possibly overlapping or adjacent) inclusive ranges."""
        merged: list[tuple[int, int]] = []
        for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
            if merged and lo <= merged[-1][1] + 1:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        return cls(tuple(merged))

    @classmethod
    def union(cls, sets: Iterable[PortSet]) -> PortSet:
        """Many sets merged at once: every interval sorted once. Folding them with `|` re-sorts the
        growing result on every step, quadratic in the sets (32,768 ports in one flow took minutes)."""
        listed = [s for s in sets if s.intervals]
        if len(listed) <= 1:
            return listed[0] if listed else _EMPTY
        return cls.of(interval for s in listed for interval in s.intervals)

    @classmethod
    def single(cls, lo: int, hi: int | None = None) -> PortSet:
        top = lo if hi is None else hi
        return cls(((lo, top),)) if lo <= top else _EMPTY

    @classmethod
    def full(cls, protocol: Protocol) -> PortSet:
        return _FULL_ICMP if protocol == "icmp" else _FULL

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.intervals)

    def __or__(self, other: PortSet) -> PortSet:
        if not other.intervals:
            return self
        if not self.intervals:
            return other
        return PortSet.of(self.intervals + other.intervals)

    def __and__(self, other: PortSet) -> PortSet:
        a, b = self.intervals, other.intervals
        if len(a) == 1 and len(b) == 1:  # the common case: one range each
            lo, hi = max(a[0][0], b[0][0]), min(a[0][1], b[0][1])
            if lo > hi:
                return _EMPTY
            if (lo, hi) == a[0]:  # (a set is immutable: an equal one may be shared)
                return self
            return other if (lo, hi) == b[0] else PortSet(((lo, hi),))
        out: list[tuple[int, int]] = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return PortSet(tuple(out))

    def __sub__(self, other: PortSet) -> PortSet:
        if not other.intervals or not self.intervals:
            return self
        out: list[tuple[int, int]] = []
        for lo, hi in self.intervals:
            cur = lo
            for olo, ohi in other.intervals:
                if ohi < cur or olo > hi:
                    continue
                if olo > cur:
                    out.append((cur, olo - 1))
                cur = max(cur, ohi + 1)
                if cur > hi:
                    break
            if cur <= hi:
                out.append((cur, hi))
        intervals = tuple(out)
        return self if intervals == self.intervals else PortSet(intervals)

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and any(lo <= port <= hi for lo, hi in self.intervals)

    def issubset(self, other: PortSet) -> bool:
        return not (self - other)

    def count(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.intervals)

    def as_lists(self) -> list[list[int]]:
        return [[lo, hi] for lo, hi in self.intervals]

    def __str__(self) -> str:
        return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.intervals)


# Shared instances: a set is immutable, so the engine's many empty and full answers can be one object.
_EMPTY = PortSet()
_FULL = PortSet(((0, MAX_PORT),))
_FULL_ICMP = PortSet(((0, MAX_ICMP_TYPE),))

# ASCII digits only: `\d` and int() also take "٤٤٣" and "４４３", which no cloud or YAML reader means as 443.
_SPEC = re.compile(r"(?:(?P<proto>[a-z]+)/)?(?P<lo>[0-9]+)(?:-(?P<hi>[0-9]+))?")


class PortSpecError(FixableValueError):
    """A port spec in the model is malformed; carries what is wrong and the fix apart."""


_FORMS = 'write 443, "8000-8100", "udp/53" or "icmp"'


def parse_port_spec(spec: object) -> tuple[Protocol, PortSet]:
    """`443`, `"8000-8100"`, `"udp/53"`, `"tcp/1-65535"`, `"icmp"` -> (protocol, ports)."""
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        # YAML turns yes/no/true into booleans and 443.5 into a float: name the type.
        kinds: dict[type, str] = {bool: "a boolean", float: "a decimal number"}
        kind = kinds.get(type(spec), f"a {type(spec).__name__}")
        raise PortSpecError(f"{spec!r} is {kind}, not a port", _FORMS)
    text = str(spec).strip().lower()
    if text == "icmp":
        return "icmp", PortSet.full("icmp")
    match = _SPEC.fullmatch(text)
    if not match:
        if not text.isascii():
            raise PortSpecError(f"{spec!r} is not a port spec (it has characters other than ASCII)",
                                "write the digits as 0-9, e.g. 443 or \"tcp/8000-8100\"")
        raise PortSpecError(f"{spec!r} is not a port spec", _FORMS)
    proto = match["proto"] or "tcp"
    if proto not in ("tcp", "udp"):
        raise PortSpecError(f"unknown protocol {proto!r} in {spec!r}", 'use tcp/, udp/ or plain "icmp"')
    lo = int(match["lo"])
    hi = int(match["hi"]) if match["hi"] is not None else lo
    for value in (lo, hi):
        if not 1 <= value <= MAX_PORT:
            where = "" if str(spec) == str(value) else f" in {spec!r}"
            raise PortSpecError(f"port {value}{where} is out of range", f"use ports 1-{MAX_PORT}")
    if lo > hi:
        raise PortSpecError(f"range {spec!r} is reversed", f'write "{proto}/{hi}-{lo}"')
    return cast(Protocol, proto), PortSet.single(lo, hi)


def parse_port_specs(specs: Iterable[object]) -> dict[Protocol, PortSet]:
    """Several specs merged per protocol (raises on the first malformed one)."""
    return merge_per_protocol(parse_port_spec(spec) for spec in specs)


def merge_per_protocol(found: Iterable[tuple[Protocol, PortSet]]) -> dict[Protocol, PortSet]:
    """(protocol, ports) pairs -> one set per protocol, in order of first appearance; linear-ish (`PortSet.union`)."""
    by_protocol: dict[Protocol, list[PortSet]] = {}
    for protocol, ports in found:
        by_protocol.setdefault(protocol, []).append(ports)
    return {protocol: PortSet.union(sets) for protocol, sets in by_protocol.items()}


def format_ports(protocol: Protocol, ports: PortSet) -> str:
    """Human form: `tcp/443,8000-8100`, `icmp` for every ICMP type."""
    if protocol == "icmp" and ports == PortSet.full("icmp"):
        return "icmp"
    return f"{protocol}/{ports}"


def json_ports(protocol: Protocol, ports: PortSet) -> list[list[int]] | None:
    """docs/output-formats.md: icmp (every type) is null; everything else is sorted inclusive ranges."""
    if protocol == "icmp" and ports == PortSet.full("icmp"):
        return None
    return ports.as_lists()
