"""Azure rule plan (pure, no pulumi import): neutral CloudPlan -> what the Azure component wires.

One subnet, NSG and application security group (ASG) per segment. The ASG is the segment's
identity: rules between segments name ASGs, so a workload's NIC joins its segment by joining
the ASG. Private endpoints cannot be ASG members in every region, so the endpoint NSG names
the declaring segments by subnet prefix instead. Azure's default rules open the whole VNet
(AllowVnetInBound/OutBound), the internet (AllowInternetOutBound) and load-balancer probes,
so every NSG ends in an explicit deny-all at 4096 in both directions.

Priorities are unique per NSG and direction, 100-4095, assigned from the rules sorted by
peer, protocol and ports (never by list position), so reordering the YAML changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from ipaddress import IPv4Network
from typing import Literal

from infra.model import SERVICES
from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, Path, QuotaUsage
from infra.ports import PortSet, Protocol
from providers.azure.services import endpoint_subnet_name

RULES_PER_NSG = 1000
ASGS_PER_NSG = 100
FIRST_PRIORITY, LAST_PRIORITY, DENY_ALL_PRIORITY = 100, 4095, 4096
ENDPOINT_SUBNET_PREFIX = 27  # the reserved /24 holds eight /27s; services take them in SERVICES order

Direction = Literal["Inbound", "Outbound"]
PROTOCOL_NAMES: dict[Protocol, str] = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp"}


@dataclass(frozen=True, order=True)
class Selector:
    """One side of an NSG rule: an ASG (by segment), address prefixes, or a service tag."""

    kind: Literal["asg", "prefixes", "tag"]
    values: tuple[str, ...]


ANY = Selector("tag", ("*",))


@dataclass(frozen=True)
class NsgRule:
    name: str
    priority: int
    direction: Direction
    access: Literal["Allow", "Deny"]
    protocol: str  # Tcp, Udp, Icmp or *
    source: Selector
    destination: Selector
    ports: tuple[str, ...]  # destination port ranges ("443", "1024-65535") or ("*",)
    description: str


@dataclass(frozen=True)
class Nsg:
    key: str  # the segment, or "endpoints_" for the shared endpoint subnets
    rules: tuple[NsgRule, ...]

    def asgs(self) -> set[str]:
        return {v for r in self.rules for s in (r.source, r.destination) if s.kind == "asg" for v in s.values}


@dataclass(frozen=True)
class SegmentNetwork:
    segment: str
    subnet: str  # subnet name == segment name (the observer maps subnets back by it)
    prefix: IPv4Network
    nat: bool  # internet egress declared: attach the NAT gateway
    nsg: Nsg


@dataclass(frozen=True)
class EndpointSubnet:
    service: str
    subnet: str
    prefix: IPv4Network
    segments: tuple[str, ...]  # the segments that declared the service


@dataclass(frozen=True)
class AzureRulePlan:
    model: str
    region: str
    cidr: IPv4Network
    segments: tuple[SegmentNetwork, ...]
    endpoints: tuple[EndpointSubnet, ...]
    endpoint_nsg: Nsg | None


def rule_plan(plan: CloudPlan) -> AzureRulePlan:
    endpoints = endpoint_subnets(plan)
    prefixes = {e.service: e.prefix for e in endpoints}
    segments = tuple(
        SegmentNetwork(
            segment=p.segment, subnet=p.segment, prefix=p.block,
            nat=any(path.dst == INTERNET for path in plan.paths_from(p.segment)),
            nsg=Nsg(p.segment, segment_rules(p.segment, _touching(plan, p.segment), prefixes)))
        for p in plan.segments)
    endpoint_nsg = Nsg("endpoints_", endpoint_rules(plan, endpoints)) if endpoints else None
    return AzureRulePlan(plan.model, plan.region, plan.cidr, segments, endpoints, endpoint_nsg)


def _touching(plan: CloudPlan, segment: str) -> tuple[Path, ...]:
    """The paths out of or into the segment, each once (a plan indexes them: no scan per segment)."""
    return plan.paths_from(segment) + tuple(p for p in plan.paths_to(segment) if p.src != segment)


def endpoint_subnets(plan: CloudPlan) -> tuple[EndpointSubnet, ...]:
    """One /27 of the reserved slot per declared service, at the service's fixed index."""
    slots = list(plan.reserved.subnets(new_prefix=ENDPOINT_SUBNET_PREFIX))
    found = []
    for index, service in enumerate(SERVICES):
        users = tuple(sorted({p.src for p in plan.paths if p.dst == SERVICE_PREFIX + service}))
        if users:
            found.append(EndpointSubnet(service, endpoint_subnet_name(service), slots[index], users))
    return tuple(found)


def _ports(path: Path) -> tuple[str, ...]:
    if path.protocol == "icmp":
        return ("*",)
    return tuple(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in path.ports)


def _asg(segment: str) -> Selector:
    return Selector("asg", (segment,))


def segment_rules(segment: str, paths: tuple[Path, ...], services: dict[str, IPv4Network]) -> tuple[NsgRule, ...]:
    """Outbound allows for the segment's own paths, inbound allows for paths into it, deny-alls."""
    drafts: list[tuple[str, str, PortSet, NsgRule]] = []  # (peer, protocol, ports) sort key + rule
    for path in paths:
        if path.src == segment:
            if path.dst == INTERNET:
                dst = Selector("tag", ("Internet",))
            elif path.dst.startswith(SERVICE_PREFIX):
                dst = Selector("prefixes", (str(services[path.dst[len(SERVICE_PREFIX):]]),))
            else:
                dst = _asg(path.dst)
            drafts.append((path.dst, path.protocol, path.ports, _allow("Outbound", path.dst, path, _asg(segment), dst)))
        if path.dst == segment:
            src = Selector("tag", ("Internet",)) if path.src == INTERNET else _asg(path.src)
            drafts.append((path.src, path.protocol, path.ports, _allow("Inbound", path.src, path, src, _asg(segment))))
    if any(p.src == INTERNET and p.dst == segment for p in paths):
        # Load-balancer health probes come from AzureLoadBalancer; only internet-facing
        # segments sit behind a load balancer, so only they admit probes.
        probe = NsgRule("allow-in-lb-probe", 0, "Inbound", "Allow", "*", Selector("tag", ("AzureLoadBalancer",)),
                        ANY, ("*",), "bulkhead: load-balancer health probes for internet ingress")
        drafts.append(("AzureLoadBalancer", "tcp", PortSet(), probe))
    return _numbered(drafts) + deny_alls()


def _allow(direction: Direction, peer: str, path: Path, src: Selector, dst: Selector) -> NsgRule:
    way = "in" if direction == "Inbound" else "out"
    label = peer.replace(SERVICE_PREFIX, "svc-")
    return NsgRule(
        name=f"allow-{way}-{label}-{path.protocol}", priority=0, direction=direction,
        access="Allow", protocol=PROTOCOL_NAMES[path.protocol], source=src, destination=dst,
        ports=_ports(path), description=f"bulkhead: {path.src} -> {path.dst} {path.protocol}")


def _numbered(drafts: list[tuple[str, str, PortSet, NsgRule]]) -> tuple[NsgRule, ...]:
    """Priorities from the rules sorted by peer, protocol and ports, 10 apart when they fit
    (room for a hand-made exception between two rules), else 1 apart."""
    out: list[NsgRule] = []
    for direction in ("Inbound", "Outbound"):
        mine = sorted((d for d in drafts if d[3].direction == direction), key=lambda d: d[:3])
        step = 10 if len(mine) * 10 <= LAST_PRIORITY - FIRST_PRIORITY else 1
        out += [replace(d[3], priority=FIRST_PRIORITY + i * step) for i, d in enumerate(mine)]
    return tuple(out)


def deny_alls() -> tuple[NsgRule, ...]:
    ways: tuple[tuple[str, Direction], ...] = (("in", "Inbound"), ("out", "Outbound"))
    return tuple(
        NsgRule(f"deny-all-{way}", DENY_ALL_PRIORITY, direction, "Deny", "*", ANY, ANY, ("*",),
                f"bulkhead: overrides Azure's default {direction.lower()} rules")
        for way, direction in ways)


def endpoint_rules(plan: CloudPlan, endpoints: tuple[EndpointSubnet, ...]) -> tuple[NsgRule, ...]:
    """443 into each service's endpoint subnet from the declaring segments' subnets only."""
    blocks = {p.segment: str(p.block) for p in plan.segments}
    rules = tuple(
        NsgRule(f"allow-in-{e.service}-tcp", FIRST_PRIORITY + 10 * i, "Inbound", "Allow", "Tcp",
                Selector("prefixes", tuple(blocks[s] for s in e.segments)),
                Selector("prefixes", (str(e.prefix),)), ("443",),
                f"bulkhead: {', '.join(e.segments)} -> {e.service}")
        for i, e in enumerate(endpoints))
    return rules + deny_alls()


def quota_usage(plan: CloudPlan) -> list[QuotaUsage]:
    """Counts from the rule plan itself: rules per NSG, priorities per direction, ASGs per NSG."""
    rules = rule_plan(plan)
    nsgs = [(s.segment, s.nsg) for s in rules.segments]
    if rules.endpoint_nsg is not None:
        nsgs.append(("network", rules.endpoint_nsg))
    usages: list[QuotaUsage] = []
    for scope, nsg in nsgs:
        directions = Counter(r.direction for r in nsg.rules if r.priority != DENY_ALL_PRIORITY)
        usages += [
            QuotaUsage("azure", scope, "rules in the NSG", len(nsg.rules), RULES_PER_NSG),
            QuotaUsage("azure", scope, "inbound priorities (100-4095)", directions["Inbound"],
                       LAST_PRIORITY - FIRST_PRIORITY + 1),
            QuotaUsage("azure", scope, "outbound priorities (100-4095)", directions["Outbound"],
                       LAST_PRIORITY - FIRST_PRIORITY + 1),
            QuotaUsage("azure", scope, "application security groups in the NSG's rules", len(nsg.asgs()),
                       ASGS_PER_NSG),
        ]
    return usages
