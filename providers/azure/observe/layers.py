"""A member's filters, layer by layer: NIC NSG, subnet NSG and routes (how a Side is made).

  egress  = NIC NSG outbound, subnet NSG outbound, routes     (NIC first when leaving)
  ingress = subnet NSG inbound, NIC NSG inbound               (subnet first when arriving)

A layer without an NSG lets everything through (Azure: no NSG = allow all). Keeping the
layers apart lets the normalizer also judge each NSG layer on its own (defence in depth:
`layer_posture`) and send a service endpoint's traffic through the NSGs only (service
endpoint routes are system routes of their own).

Every member's side is `multiple`: a NIC stands for the workloads launched like it (same
NSG, same ASGs), so a segment's members must reach each other per the rules whatever their
number, one NIC included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra.checks import Check
from infra.depth import LoneOpening, lone_layer_openings
from infra.model import Model
from infra.ports import format_ports
from infra.reach import Filter, Network, Posture, Side
from infra.verify import intended_paths
from providers.azure.observe import checks
from providers.azure.observe.selectors import Member

Layer = Literal["nic", "subnet"]


@dataclass(frozen=True)
class MemberFilters:
    member: Member
    route: Filter
    nic_nsg: str | None = None  # the NSG names, for telling the layers' rule ids apart
    subnet_nsg: str | None = None
    nic_out: Filter | None = None
    nic_in: Filter | None = None
    subnet_out: Filter | None = None
    subnet_in: Filter | None = None

    def nsg_egress(self) -> tuple[Filter, ...]:
        return tuple(f for f in (self.nic_out, self.subnet_out) if f is not None)

    def side(self) -> Side:
        ingress = tuple(f for f in (self.subnet_in, self.nic_in) if f is not None)
        return Side(self.member.id, (*self.nsg_egress(), self.route), ingress, multiple=True)

    def layer(self, which: Layer) -> Side:
        """The side with one NSG layer only (routes kept)."""
        out, into = (self.nic_out, self.nic_in) if which == "nic" else (self.subnet_out, self.subnet_in)
        return Side(self.member.id, tuple(f for f in (out, self.route) if f is not None),
                    tuple(f for f in (into,) if f is not None), multiple=True)

    def nsg(self, which: Layer) -> str | None:
        return self.nic_nsg if which == "nic" else self.subnet_nsg


def layer_posture(network: Network, members: dict[str, tuple[MemberFilters, ...]], model: Model) -> list[Posture]:
    """A lateral path one NSG layer alone opens and only the other layer stops (infra/depth.py).

    Only openings that pass through a rule of an NSG of that layer count: a NIC without an
    NSG is one layer by design (the subnet NSG is bulkhead's), not an open one.
    """
    intended = intended_paths(model, "azure")
    segments = [s for s in model.segments if "azure" in model.placement(s) and s in members]
    out = []
    for which, other, check in (("subnet", "NIC", checks.SUBNET_NSG_ALONE_OPENS),
                                ("nic", "subnet", checks.NIC_NSG_ALONE_OPENS)):
        layer: Layer = "subnet" if which == "subnet" else "nic"
        sides = {s: tuple(m.layer(layer) for m in members[s]) for s in segments}
        names = {name for found in members.values() for m in found if (name := m.nsg(layer))}
        for opening in lone_layer_openings(network, sides, intended, segments):
            if any(_nsg_name(rule) in names for rule in opening.opened_by):
                out.append(_finding(check, f"{which} NSG" if which == "subnet" else "NIC NSG", other, opening))
    return out


def _nsg_name(rule_id: str) -> str:
    """`azure:nsg/<name>#<rule>` or `azure:default/<name>#<rule>` -> the NSG's name."""
    return rule_id.split("/", 1)[-1].split("#", 1)[0] if rule_id.startswith(("azure:nsg/", "azure:default/")) else ""


def _finding(check: Check, layer: str, other: str, found: LoneOpening) -> Posture:
    rules = [r for r in found.opened_by if _nsg_name(r)]
    ports = format_ports(found.protocol, found.ports)
    return check.posture(
        rules[0], f"the {layer} alone lets {found.src} reach {found.dst} on {ports} "
        f"({', '.join(rules)}), which the model does not intend; only the {other} NSG stops it "
        f"({', '.join(found.stopped_at) or 'no recorded rule'})",
        tuple(dict.fromkeys((*rules, *found.stopped_at))), found.src)
