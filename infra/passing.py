"""The engine's working values: port ranges that pass, each with the sorted ids of its rules.

`Ranges` holds what `infra.traffic.Traffic` holds, in a form built for volume: a sorted tuple
of disjoint `(low, high, ids)` with `ids` a sorted tuple of rule ids, adjacent ranges with
the same ids merged, so equal traffic is an equal (and hashable) tuple. Nothing in it is a
set or an object of ours, only tuples of ints and strings: the cyclic garbage collector stops
tracking such tuples after one look, so the engine's caches, which hold one of these per
filter decision, chain and pair, add nothing to the collector's later full passes (a
frozenset per range kept ~40% of a 1,000-segment verify busy in the collector).
The engine converts to `Traffic` and `PortSet` only at its public edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from infra.ports import PortSet, Protocol, universe
from infra.traffic import Traffic

if TYPE_CHECKING:
    from infra.reach import Rule

Ids = tuple[str, ...]
Range = tuple[int, int, Ids]
Ranges = tuple[Range, ...]
Interval = tuple[int, int]


def join(a: Ids, b: Ids) -> Ids:
    """The sorted union of two sorted id tuples."""
    if not b or a == b:
        return a
    if not a:
        return b
    return tuple(sorted({*a, *b}))


def join_all(found: Sequence[Ids]) -> Ids:
    if len(found) == 1:
        return found[0]
    return tuple(sorted({i for ids in found for i in ids}))


def meet(a: Ranges, b: Ranges) -> Ranges:
    """The common ports of two Ranges, each range with the ids of both."""
    if len(a) == 1 and len(b) == 1:  # the common case: one range each
        (alo, ahi, aids), (blo, bhi, bids) = a[0], b[0]
        lo, hi = (alo if alo > blo else blo), (ahi if ahi < bhi else bhi)
        return ((lo, hi, join(aids, bids)),) if lo <= hi else ()
    out: list[Range] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi, join(a[i][2], b[j][2])))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return merged(out)


def either(a: Ranges, b: Ranges) -> Ranges:
    """Every port of either, with the ids of both where they overlap."""
    if not b or a == b:
        return a
    if not a:
        return b
    return unite(a + b)


def unite(pieces: Iterable[Range]) -> Ranges:
    """Any overlapping pieces -> disjoint ranges whose ids are those of every covering piece."""
    items = sorted(pieces, key=_low)
    if len(items) < 2 or all(items[i][0] > items[i - 1][1] for i in range(1, len(items))):
        return merged(items)  # already disjoint: the common case, kept cheap
    points = sorted({p for lo, hi, _ in items for p in (lo, hi + 1)})
    out: list[Range] = []
    active: list[Range] = []
    index = 0
    for start, stop in zip(points, points[1:], strict=False):
        while index < len(items) and items[index][0] <= start:
            active.append(items[index])
            index += 1
        active = [p for p in active if p[1] >= start]
        if active:
            out.append((start, stop - 1, join_all([p[2] for p in active])))
    return merged(out)


def _low(piece: Range) -> int:
    return piece[0]


def merged(parts: list[Range]) -> Ranges:
    """Sorted disjoint ranges with adjacent ranges of the same ids joined."""
    if len(parts) < 2:
        return tuple(parts)
    out: list[Range] = []
    for part in parts:
        if out and out[-1][2] == part[2] and out[-1][1] + 1 == part[0]:
            out[-1] = (out[-1][0], part[1], part[2])
        else:
            out.append(part)
    return tuple(out)


def ids_of(ranges: Ranges) -> Ids:
    return join_all([r[2] for r in ranges]) if ranges else ()


def ports_of(ranges: Ranges) -> PortSet:
    if len(ranges) == 1:
        return PortSet(((ranges[0][0], ranges[0][1]),))
    out: list[Interval] = []  # sorted and disjoint already: only adjacent ranges join
    for lo, hi, _ in ranges:
        if out and out[-1][1] + 1 == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return PortSet(tuple(out))


def ids_within(ranges: Ranges, ports: PortSet) -> Ids:
    """The sorted ids of the ranges that overlap `ports` (`ObservedPath.evidence_for`)."""
    return join_all([ids for lo, hi, ids in ranges if any(plo <= hi and lo <= phi for plo, phi in ports.intervals)]
                    or [()])


def evidence_of(ranges: Ranges) -> tuple[tuple[Interval, Ids], ...]:
    return tuple(((lo, hi), ids) for lo, hi, ids in ranges)


def of_ports(ports: PortSet, ids: Ids = ()) -> Ranges:
    return tuple((lo, hi, ids) for lo, hi in ports.intervals)


def to_traffic(ranges: Ranges) -> Traffic:
    return Traffic(tuple((lo, hi, frozenset(ids)) for lo, hi, ids in ranges))


def touching(ranges: Ranges, lo: int, hi: int) -> Ids:
    """The ids of the ranges that overlap [lo, hi]."""
    return join_all([r[2] for r in ranges if r[0] <= hi and lo <= r[1]]) if ranges else ()


def decide(kind: str, rules: Sequence[Rule], protocol: Protocol) -> tuple[Ranges, Ranges]:
    """(allowed, explicitly denied) by a filter's rules that can match one peer, in order.

    "union": every allow adds its ports; "ordered": first match wins, each rule taking what
    the rules before it left undecided.
    """
    low, high = universe(protocol)
    if len(rules) == 1:  # the common case: one rule names the peer
        return _one_rule(kind, rules[0], protocol, low, high)
    allowed: list[Range] = []
    if kind == "union":
        for rule in rules:
            if rule.action != "allow" or (rule.protocol is not None and rule.protocol != protocol):
                continue
            ids = (rule.id,)
            if rule.ports is None:
                allowed.append((low, high, ids))
                continue
            for lo, hi in rule.ports.intervals:
                lo, hi = max(lo, low), min(hi, high)
                if lo <= hi:
                    allowed.append((lo, hi, ids))
        return unite(allowed), ()
    denied: list[Range] = []
    undecided: list[Interval] = [(low, high)]
    for rule in rules:
        if rule.protocol is not None and rule.protocol != protocol:
            continue
        if rule.ports is None:
            taken, undecided = undecided, []
        else:
            taken, undecided = _split(undecided, rule.ports.intervals)
        if taken:
            ids = (rule.id,)
            (allowed if rule.action == "allow" else denied).extend((lo, hi, ids) for lo, hi in taken)
        if not undecided:
            break
    # What each rule took was carved out of what was left: the pieces never overlap.
    return merged(sorted(allowed, key=_low)), merged(sorted(denied, key=_low))


def _one_rule(kind: str, rule: Rule, protocol: Protocol, low: int, high: int) -> tuple[Ranges, Ranges]:
    """`decide` for a single rule: it takes its own ports (a union filter ignores a deny)."""
    if (rule.protocol is not None and rule.protocol != protocol) or (kind == "union" and rule.action != "allow"):
        return (), ()
    ids = (rule.id,)
    if rule.ports is None:
        taken: Ranges = ((low, high, ids),)
    else:  # a PortSet's intervals are sorted and never adjacent: nothing to merge
        taken = tuple((max(lo, low), min(hi, high), ids) for lo, hi in rule.ports.intervals if lo <= high and hi >= low)
    return (taken, ()) if rule.action == "allow" else ((), taken)


def _split(undecided: list[Interval], ports: tuple[Interval, ...]) -> tuple[list[Interval], list[Interval]]:
    """(the part of `undecided` inside `ports`, the part outside), both sorted."""
    if len(undecided) == 1 and len(ports) == 1:
        (ulo, uhi), (plo, phi) = undecided[0], ports[0]
        lo, hi = max(ulo, plo), min(uhi, phi)
        if lo > hi:
            return [], undecided
        rest = ([(ulo, lo - 1)] if ulo < lo else []) + ([(hi + 1, uhi)] if hi < uhi else [])
        return [(lo, hi)], rest
    inside = PortSet(tuple(undecided)) & PortSet(ports)
    outside = PortSet(tuple(undecided)) - inside
    return list(inside.intervals), list(outside.intervals)
