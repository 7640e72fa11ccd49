"""Port ranges that pass, each with the ids of the rules that decided it (the engine's values).

A `Traffic` is a sorted tuple of disjoint inclusive ranges, each carrying a frozenset of rule
ids. Intersecting two (crossing two filters) keeps the common ports and joins their ids;
uniting two (alternative chains, or several allows of one filter) keeps every port and joins
the ids where ranges overlap. Adjacent ranges with the same ids are merged so equal traffic
compares equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from infra.ports import PortSet

Part = tuple[int, int, frozenset[str]]


@dataclass(frozen=True)
class Traffic:
    parts: tuple[Part, ...] = ()

    @classmethod
    def of(cls, ports: PortSet, ids: Iterable[str]) -> Traffic:
        evidence = frozenset(ids)
        return cls(tuple((lo, hi, evidence) for lo, hi in ports))

    @classmethod
    def union_of(cls, pieces: Iterable[Part]) -> Traffic:
        """Any overlapping pieces -> disjoint ranges whose ids are those of every covering piece."""
        items = sorted(pieces, key=lambda p: p[0])
        if len(items) < 2 or all(items[i][0] > items[i - 1][1] for i in range(1, len(items))):
            return cls(_merge(items))  # already disjoint: the common case, kept cheap
        points = sorted({p for lo, hi, _ in items for p in (lo, hi + 1)})
        out: list[Part] = []
        active: list[Part] = []
        index = 0
        for start, stop in zip(points, points[1:], strict=False):
            while index < len(items) and items[index][0] <= start:
                active.append(items[index])
                index += 1
            active = [p for p in active if p[1] >= start]
            if active:
                ids = frozenset().union(*(p[2] for p in active))
                out.append((start, stop - 1, ids))
        return cls(_merge(out))

    def __bool__(self) -> bool:
        return bool(self.parts)

    def __and__(self, other: Traffic) -> Traffic:
        parts = and_parts(self.parts, other.parts)
        return Traffic(parts) if parts else NO_TRAFFIC

    def __or__(self, other: Traffic) -> Traffic:
        if not other:
            return self
        if not self:
            return other
        return Traffic.union_of(self.parts + other.parts)

    def restrict(self, ports: PortSet) -> Traffic:
        return self & Traffic.of(ports, ())

    def ports(self) -> PortSet:
        parts = self.parts
        if len(parts) == 1:
            return PortSet(((parts[0][0], parts[0][1]),))
        merged: list[tuple[int, int]] = []  # parts are sorted and disjoint: only adjacent ones join
        for lo, hi, _ in parts:
            if merged and merged[-1][1] + 1 == lo:
                merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        return PortSet(tuple(merged))

    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(frozenset().union(*(p[2] for p in self.parts)))) if self.parts else ()

    def evidence(self) -> tuple[tuple[tuple[int, int], tuple[str, ...]], ...]:
        return tuple(((lo, hi), tuple(sorted(ids))) for lo, hi, ids in self.parts)


NO_TRAFFIC = Traffic()


def and_parts(a: tuple[Part, ...], b: tuple[Part, ...]) -> tuple[Part, ...]:
    """The common ports of two sorted part tuples, each range with the ids of both."""
    if len(a) == 1 and len(b) == 1:  # the common case: one range each
        (alo, ahi, aids), (blo, bhi, bids) = a[0], b[0]
        lo, hi = (alo if alo > blo else blo), (ahi if ahi < bhi else bhi)
        if lo > hi:
            return ()
        return ((lo, hi, aids | bids if aids and bids else aids or bids),)
    out: list[Part] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi, a[i][2] | b[j][2]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return _merge(out)


def _merge(parts: list[Part]) -> tuple[Part, ...]:
    out: list[Part] = []
    for part in parts:
        if out and out[-1][2] == part[2] and out[-1][1] + 1 == part[0]:
            out[-1] = (out[-1][0], part[1], part[2])
        else:
            out.append(part)
    return tuple(out)
