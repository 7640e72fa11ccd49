"""Defence in depth on AWS: security groups and network ACLs must each hold on their own.

A lateral path between two segments that the model does not intend, opened by the security
groups and stopped only by the NACLs (or the other way round), is reported as posture
(infra/depth.py), naming the open layer's rules. Two allowances keep the finding honest:

- NACLs are stateless, so a segment's NACL must open the ephemeral ports (1024-65535, and
  every ICMP type) back to every segment that may call it: those reply ports of an intended
  flow are never counted as a NACL opening;
- NACLs do not filter inside a subnet, so the NACL layer is judged as if it applied between
  every two interfaces (otherwise every intra-subnet pair would count as NACL-open);
- a rule meant for the internet (a CIDR naming public space, such as 0.0.0.0/0:443) cannot
  leave the VPC's own range out in AWS's CIDR-only language, so an opening made of internet
  rules on BOTH ends (serving's egress to 0.0.0.0/0:443 meeting edge's ingress from
  0.0.0.0/0:443) is the design, backed by the NACLs; as soon as one end is a rule aimed at
  segments (a group reference, a VPC range), the opening counts.
"""

from __future__ import annotations

from dataclasses import replace

from infra.checks import Check
from infra.depth import LoneOpening, lone_layer_openings
from infra.model import Model
from infra.ports import EPHEMERAL, PortSet, Protocol, format_ports
from infra.reach import INTERNET, Engine, Filter, Network, Posture, Side
from infra.verify import intended_paths
from providers.aws.observe import checks


def layer_posture(network: Network, model: Model) -> list[Posture]:
    intended = intended_paths(model, "aws")
    segments = [s for s in model.segments if "aws" in model.placement(s)]

    def replies(src: str, dst: str, protocol: Protocol) -> PortSet:
        if not intended.get((dst, src, protocol)):
            return PortSet()
        return PortSet.full("icmp") if protocol == "icmp" else _EPHEMERAL

    # Side(...) rather than dataclasses.replace: this runs for every interface, and replace is slow.
    groups = {name: tuple(Side(s.id, s.egress, s.ingress, place=s.place, family=s.family, multiple=s.multiple)
                          for s in sides) for name, sides in network.sides.items()}
    acls = {name: tuple(Side(s.id, boundary_out=s.boundary_out, boundary_in=s.boundary_in, family=s.family,
                              multiple=s.multiple) for s in sides)
            for name, sides in network.sides.items()}
    out = []
    for found in lone_layer_openings(network, groups, intended, segments):
        if (aimed := _aimed_at_segments(found, groups, egress=True)) is not None:
            out.append(_finding(checks.SG_ALONE_OPENS, "security groups", "network ACLs", aimed))
    for found in lone_layer_openings(network, acls, intended, segments, replies):
        if (aimed := _aimed_at_segments(found, acls, egress=False)) is not None:
            out.append(_finding(checks.NACL_ALONE_OPENS, "network ACLs", "security groups", aimed))
    return out


_EPHEMERAL = PortSet.single(*EPHEMERAL)


def _aimed_at_segments(found: LoneOpening, sides: dict[str, tuple[Side, ...]], egress: bool) -> LoneOpening | None:
    """The part of an opening that a rule aimed at segments makes on at least one end: the pair
    is evaluated again with the sender's internet rules taken out, then the receiver's."""
    strip = _InternetRules()
    ports = PortSet()
    for cut_sender in (True, False):
        if found.src == found.dst:
            pair = {found.src: tuple(_cut(s, strip, cut_sender, not cut_sender, egress) for s in sides[found.src])}
        else:
            pair = {found.src: tuple(_cut(s, strip, cut_sender, False, egress) for s in sides[found.src]),
                    found.dst: tuple(_cut(s, strip, False, not cut_sender, egress) for s in sides[found.dst])}
        engine = Engine(Network("aws", tuple(pair), sides=pair))
        ports = ports | engine.traffic(found.src, found.dst, found.protocol).ports()
    kept = found.ports & ports
    return replace(found, ports=kept) if kept else None


def _cut(side: Side, strip: _InternetRules, outbound: bool, inbound: bool, egress: bool) -> Side:
    """The side with its internet rules taken out of its sending filters (`outbound`) or its
    receiving ones (`inbound`), in the security groups (`egress` layer) or the NACLs."""
    if egress:
        return replace(side, egress=tuple(map(strip, side.egress)) if outbound else side.egress,
                       ingress=tuple(map(strip, side.ingress)) if inbound else side.ingress)
    return replace(side, boundary_out=tuple(map(strip, side.boundary_out)) if outbound else side.boundary_out,
                   boundary_in=tuple(map(strip, side.boundary_in)) if inbound else side.boundary_in)


def _same(flt: Filter) -> Filter:
    return flt


class _InternetRules:
    """A filter without its allow rules that name the internet (cached per filter object)."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Filter, Filter]] = {}

    def __call__(self, flt: Filter) -> Filter:
        found = self._cache.get(id(flt))
        if found is None:
            kept = tuple(r for r in flt.rules if r.action != "allow" or r.peers is None or INTERNET not in r.peers)
            found = self._cache[id(flt)] = (flt, Filter(flt.id, flt.kind, kept))
        return found[1]


def _finding(check: Check, layer: str, other: str, found: LoneOpening) -> Posture:
    ports = format_ports(found.protocol, found.ports)
    resource = found.opened_by[0] if found.opened_by else f"aws:segment/{found.src}"
    return check.posture(
        resource, f"the {layer} alone let {found.src} reach {found.dst} on {ports} "
        f"({', '.join(found.opened_by) or 'no recorded rule'}), which the model does not intend; only the "
        f"{other} stop it ({', '.join(found.stopped_at) or 'no recorded rule'})",
        tuple(dict.fromkeys((*found.opened_by, *found.stopped_at))), found.src)
