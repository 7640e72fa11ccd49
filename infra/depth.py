"""Defence in depth: paths that ONE filtering layer alone opens and only another layer stops.

A network filtered by two layers (AWS security groups and network ACLs, Azure NIC and subnet
NSGs) is only as strong as the layer that still holds: a path the model does not intend,
opened by one layer and stopped only by the other, is one change away. It is not an open
path (the verifier would not report it), so a provider asks here for the evidence and
raises its own posture finding.

`lone_layer_openings(network, layer_sides, intended, endpoints)` evaluates the sides of
ONE layer (the provider strips the other layer's filters, keeping routes), keeps what the
model does not intend, and returns the part the full network stops, with the open layer's
rule ids and the ids where the full network stops it. Only pairs among `endpoints` are
considered (lateral paths between segments; the internet and services have their own
posture checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from infra.ports import PROTOCOLS, PortSet, Protocol
from infra.reach import Engine, Filter, Network, Side
from infra.traffic import Traffic

Key = tuple[str, str, Protocol]


@dataclass(frozen=True)
class LoneOpening:
    """`src` reaches `dst` on `ports` through one layer; the rest of the network stops it."""

    src: str
    dst: str
    protocol: Protocol
    ports: PortSet
    opened_by: tuple[str, ...]  # the open layer's rule ids
    stopped_at: tuple[str, ...]  # where the full network stops it
    layer: str = ""  # the caller's name for the open layer, if it asks for several


def lone_layer_openings(network: Network, layer_sides: Mapping[str, tuple[Side, ...]],
                        intended: Mapping[Key, PortSet], endpoints: Iterable[str],
                        excused: Callable[[str, str, Protocol], PortSet] | None = None) -> list[LoneOpening]:
    """`excused(src, dst, protocol)`: ports the layer must open anyway (a stateless layer's replies)."""
    wanted = set(endpoints)
    sides = {name: found for name, found in layer_sides.items() if name in wanted}
    layer = Engine(Network(network.cloud, tuple(sides), sides=sides, placed=network.placed))
    full = Engine(network)
    firsts = {name: _first_filters(found) for name, found in sides.items()}
    out = []
    for src, dst, protocols in _exceeding(layer, firsts, intended, excused):
        for protocol, allowed in protocols:
            passed = layer.traffic(src, dst, protocol)
            excess = passed.ports() - allowed
            stopped = excess - full.passing_ports(src, dst, protocol) if excess else _NONE
            if stopped:
                opened_by = Traffic.restrict(passed, stopped).ids()
                out.append(LoneOpening(src, dst, protocol, stopped, opened_by,
                                       full.blocked_by(src, dst, protocol, stopped)))
    return out


def _exceeding(layer: Engine, firsts: dict[str, tuple[Filter, ...] | None], intended: Mapping[Key, PortSet],
               excused: Callable[[str, str, Protocol], PortSet] | None,
               ) -> list[tuple[str, str, list[tuple[Protocol, PortSet]]]]:
    """The layer's pairs, in order, with the protocols on which the sender's first filter alone
    lets out more than the model allows (and what it allows): what the sender's first filter
    lets out bounds the chain, and most pairs stop there."""
    found = []
    for src, first_filters in firsts.items():
        protocols = _protocols(layer, first_filters)
        if not protocols:
            continue
        for dst in layer.receivers(src):
            exceeding = []
            for protocol in protocols:
                first = _first_hop(layer, first_filters, dst, protocol)
                if not first:
                    continue
                allowed = intended.get((src, dst, protocol), _NONE)
                if not first - allowed:  # (most pairs: the model's own ports, no need for the excuses)
                    continue
                if excused is not None:
                    allowed = allowed | excused(src, dst, protocol)
                if first - allowed:
                    exceeding.append((protocol, allowed))
            if exceeding and layer.accepts(src, dst):
                found.append((src, dst, exceeding))
    found.sort(key=lambda f: (f[0], f[1]))
    return found


_NONE = PortSet()


def _first_filters(senders: tuple[Side, ...]) -> tuple[Filter, ...] | None:
    """The distinct first filters of an endpoint's sides; None when one side passes everything there."""
    found: dict[int, Filter] = {}  # sides launched alike share their filters
    for side in senders:
        first = (side.egress or side.boundary_out or (None,))[0]
        if first is None or (not side.egress and side.place):  # (boundary filters skip shared places)
            return None
        found.setdefault(id(first), first)
    return tuple(found.values())


def _protocols(engine: Engine, firsts: tuple[Filter, ...] | None) -> tuple[Protocol, ...]:
    """The protocols some first filter has a rule for (the others pass nothing there), in order."""
    if firsts is None:
        return PROTOCOLS
    return tuple(p for p in PROTOCOLS if any(engine.index(f).decides(p) for f in firsts))


def _first_hop(engine: Engine, firsts: tuple[Filter, ...] | None, dst: str, protocol: Protocol) -> PortSet:
    """The ports any of the sender's sides lets out toward dst through its first filter."""
    if firsts is None:
        return PortSet.full(protocol)
    if len(firsts) == 1:
        return engine.allowed_ports(firsts[0], dst, protocol)
    found = _NONE
    for first in firsts:
        found = found | engine.allowed_ports(first, dst, protocol)
    return found
