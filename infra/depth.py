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
from infra.reach import Engine, Network, Side
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
    layer = Engine(Network(network.cloud, tuple(sides), sides=sides))
    full = Engine(network)
    out = []
    for src, dst in sorted(layer.pairs()):
        for protocol in PROTOCOLS:
            allowed = intended.get((src, dst, protocol), PortSet())
            if excused is not None:
                allowed = allowed | excused(src, dst, protocol)
            # What the sender's first filter lets out bounds the chain: most pairs stop here.
            if not _first_hop(layer, sides[src], dst, protocol) - allowed:
                continue
            passed = layer.traffic(src, dst, protocol)
            excess = passed.ports() - allowed
            stopped = excess - full.traffic(src, dst, protocol).ports() if excess else PortSet()
            if stopped:
                opened_by = Traffic.restrict(passed, stopped).ids()
                out.append(LoneOpening(src, dst, protocol, stopped, opened_by,
                                       full.blocked_by(src, dst, protocol, stopped)))
    return out


def _first_hop(engine: Engine, senders: tuple[Side, ...], dst: str, protocol: Protocol) -> PortSet:
    """The ports any of the sender's sides lets out toward dst through its first filter."""
    found = PortSet()
    for side in senders:
        first = (side.egress or side.boundary_out or (None,))[0]
        if first is None or (not side.egress and side.place):  # (boundary filters skip shared places)
            return PortSet.full(protocol)
        found = found | engine.decide(first, dst, protocol)[0].ports()
    return found
