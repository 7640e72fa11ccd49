"""Security group rules (pure): every allowed path as standalone rules, one per port interval.

A path between two groups is a PAIR: egress on the source group naming the destination
group and ingress on the destination group naming the source group, so the rule is visible
(and auditable) from both sides. Internet paths are CIDR rules, S3 is its prefix list.

0.0.0.0/0 contains the VPC itself. Across subnets the NACLs deny the rest of the VPC before
their internet entries (nacls.py), but inside one subnet only the security group filters:
a segment allowed both in from and out to the internet on the same port would reach its own
members on it. For exactly those overlapping ports the egress rules name the address space
outside the VPC (up to one CIDR per prefix bit: 16 rules for a /16) instead of 0.0.0.0/0.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network

from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, Path
from infra.ports import PortSet
from providers.aws.build.rules import ANYWHERE, SHARED, Direction, SgRule
from providers.aws.services import endpoint


def group_name(cp: CloudPlan, segment: str) -> str:
    return f"{cp.model}-{segment}-sg"


def endpoint_group_name(cp: CloudPlan, service: str) -> str:
    return f"{cp.model}-{SHARED}-{service}-endpoint-sg"


def sg_rules(cp: CloudPlan, s3_endpoint: str | None) -> tuple[SgRule, ...]:
    rules: list[SgRule] = []
    for path in cp.paths:
        if path.dst == INTERNET:
            rules += _internet_egress(cp, path)
            continue
        for lo, hi in _sg_intervals(path.protocol, path.ports):
            rules += _path_rules(cp, path, lo, hi, s3_endpoint)
    return tuple(rules)


def outside(vpc: IPv4Network) -> list[IPv4Network]:
    """0.0.0.0/0 minus the VPC, as the fewest prefixes, in address order."""
    return sorted(IPv4Network(ANYWHERE).address_exclude(vpc))


def _sg_intervals(protocol: str, ports: PortSet) -> Iterable[tuple[int, int]]:
    # For ICMP, FromPort/ToPort are type and code; the model only ever allows every type. No
    # ports is no rule, for ICMP too (all of it may be taken out, as in _internet_egress).
    if not ports:
        return []
    return [(-1, -1)] if protocol == "icmp" else ports.intervals


def _rule(cp: CloudPlan, path: Path, lo: int, hi: int, direction: Direction, group: str, segment: str,
          suffix: str = "", **peer: str | None) -> SgRule:
    ports = "" if path.protocol == "icmp" else "-" + (str(lo) if lo == hi else f"{lo}-{hi}")
    dst = "svc." + path.dst[len(SERVICE_PREFIX):] if path.dst.startswith(SERVICE_PREFIX) else path.dst
    name = f"{cp.model}-{path.src}-to-{dst}-{path.protocol}{ports}{suffix}-{direction}"
    what = f"{path.src} -> {path.dst} {path.protocol}{ports.replace('-', ' ', 1)}"
    return SgRule(name, group, segment, direction, path.protocol, lo, hi, f"bulkhead: {what}",
                  **peer)  # type: ignore[arg-type]


def _internet_egress(cp: CloudPlan, path: Path) -> list[SgRule]:
    inbound = PortSet()
    for p in cp.paths_to(path.src):
        if p.src == INTERNET and p.protocol == path.protocol:
            inbound = inbound | p.ports
    shared = path.ports & inbound
    group = group_name(cp, path.src)
    rules = [_rule(cp, path, lo, hi, "egress", group, path.src, cidr=ANYWHERE)
             for lo, hi in _sg_intervals(path.protocol, path.ports - shared)]
    for lo, hi in _sg_intervals(path.protocol, shared):
        rules += [_rule(cp, path, lo, hi, "egress", group, path.src,
                        suffix="-" + str(net).replace(".", "-").replace("/", "-"), cidr=str(net))
                  for net in outside(cp.cidr)]
    return rules


def _path_rules(cp: CloudPlan, path: Path, lo: int, hi: int, s3: str | None) -> list[SgRule]:
    """A segment-to-segment or segment-to-interface-endpoint path is an egress+ingress pair."""
    if path.src == INTERNET:
        return [_rule(cp, path, lo, hi, "ingress", group_name(cp, path.dst), path.dst, cidr=ANYWHERE)]
    src_group = group_name(cp, path.src)
    if path.dst.startswith(SERVICE_PREFIX):
        service = path.dst[len(SERVICE_PREFIX):]
        if endpoint(service).kind == "Gateway":
            return [_rule(cp, path, lo, hi, "egress", src_group, path.src, prefix_list_of=s3)]
        dst_group, dst_segment = endpoint_group_name(cp, service), SHARED
    else:
        dst_group, dst_segment = group_name(cp, path.dst), path.dst
    return [_rule(cp, path, lo, hi, "egress", src_group, path.src, peer_group=dst_group),
            _rule(cp, path, lo, hi, "ingress", dst_group, dst_segment, peer_group=src_group)]
