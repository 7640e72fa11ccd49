"""GCP rule plan (pure, no pulumi import): neutral CloudPlan -> what the GCP component wires.

One custom-mode VPC network per model; one subnet per segment (its /24 slot) with flow logs;
one service account per segment as the identity firewall rules match on. GCP lets all
egress out and nothing in by its implied rules (priority 65535), so the plan pins both
directions with explicit deny-all rules at DENY_ALL and opens each intended path twice:
an EGRESS allow on the source and an INGRESS allow on the destination.

Priorities (lower wins, deny wins ties):
  FLOWS (1000)    segment -> segment allows, segment -> Google APIs allow
  INTERNAL (2000) for segments that talk to the internet: deny every private range first (the
                  VPC's and whatever a peering, VPN or interconnect may bring: the model's
                  "internet" is public space), because 0.0.0.0/0 also covers them (egress:
                  and the Google APIs VIPs, restricted and private, which only the tcp/443
                  allow above may reach)
  INTERNET (3000) allow to / from 0.0.0.0/0 on the declared ports
  DENY_ALL (65000) deny everything else, both directions, every instance
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from ipaddress import IPv4Network
from typing import Literal

from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, Path, QuotaUsage
from infra.ports import PROTOCOLS, PortSet, Protocol
from providers.gcp.build import names
from providers.gcp.services import API_VIPS, CATALOG, HTTPS, RESTRICTED_VIP

FLOWS, INTERNAL, INTERNET_RULES, DENY_ALL = 1000, 2000, 3000, 65000
ANYWHERE = "0.0.0.0/0"
# Never the internet: RFC 1918 and the shared address space (peered networks live there).
PRIVATE_SPACE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
MAX_ACCOUNTS_PER_RULE = 10  # source / target service accounts per firewall rule (system limit)

Direction = Literal["INGRESS", "EGRESS"]


@dataclass(frozen=True)
class Allowance:
    """One `allowed`/`denied` entry: a protocol (`all` for every one) and its ports."""

    protocol: str
    ports: tuple[str, ...] = ()


@dataclass(frozen=True)
class FirewallRule:
    name: str
    direction: Direction
    action: Literal["allow", "deny"]
    priority: int
    allowances: tuple[Allowance, ...]
    purpose: str
    target: str | None = None  # segment whose service account is the target; None = every instance
    source_segments: tuple[str, ...] = ()  # matched by their service accounts
    source_ranges: tuple[str, ...] = ()
    destination_ranges: tuple[str, ...] = ()
    logged: bool = True  # Firewall Rules Logging: `bulkhead observe` reads denied attempts from it


@dataclass(frozen=True)
class SubnetPlan:
    segment: str
    name: str
    cidr: str
    private_google_access: bool
    account_id: str
    description: str


@dataclass(frozen=True)
class IamGrant:
    segment: str
    service: str
    role: str


@dataclass(frozen=True)
class GcpRulePlan:
    model: str
    project: str
    region: str
    network: str
    subnets: tuple[SubnetPlan, ...]
    firewalls: tuple[FirewallRule, ...]
    grants: tuple[IamGrant, ...]
    nat_segments: tuple[str, ...]  # subnets Cloud NAT serves (segments with internet egress)
    router: str
    nat: str
    api_route: str | None  # the route to the restricted Google APIs VIP, when any segment uses it
    dns_zone: str | None

    def subnet(self, segment: str) -> SubnetPlan:
        return next(s for s in self.subnets if s.segment == segment)


def port_strings(protocol: Protocol, ports: PortSet) -> tuple[str, ...]:
    """GCP's `ports` list; empty means every port (and every ICMP type)."""
    if protocol == "icmp" or ports == PortSet.full(protocol):
        return ()
    return tuple(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)


def allowances(paths: Iterable[Path]) -> tuple[Allowance, ...]:
    by_proto = {p.protocol: p.ports for p in paths}
    return tuple(Allowance(proto, port_strings(proto, by_proto[proto])) for proto in PROTOCOLS
                 if proto in by_proto)


def rule_plan(plan: CloudPlan) -> GcpRulePlan:
    project = str(plan.settings.get("project", ""))
    m = plan.model
    rules = _flow_rules(plan) + _edge_rules(plan) + _deny_all(m)
    service_users = {p.src for p in plan.paths if p.dst.startswith(SERVICE_PREFIX)}
    egress_users = {p.src for p in plan.paths if p.dst == INTERNET}
    return GcpRulePlan(
        model=m, project=project, region=plan.region, network=names.fit(f"{m}-vpc"),
        subnets=tuple(_subnet(plan, s.segment, s.block.with_prefixlen, s.segment in service_users, project)
                      for s in plan.segments),
        firewalls=_unique(rules),
        grants=tuple(IamGrant(p.src, p.dst.removeprefix(SERVICE_PREFIX),
                              CATALOG[p.dst.removeprefix(SERVICE_PREFIX)].role)  # type: ignore[index]
                     for p in plan.paths if p.dst.startswith(SERVICE_PREFIX)),
        nat_segments=tuple(s for s in plan.segment_names() if s in egress_users),
        router=names.fit(f"{m}-router"), nat=names.fit(f"{m}-nat"),
        api_route=names.fit(f"{m}-restricted-apis") if service_users else None,
        dns_zone=names.fit(f"{m}-googleapis") if service_users else None)


def _subnet(plan: CloudPlan, segment: str, cidr: str, services: bool, project: str) -> SubnetPlan:
    account = names.account_id(plan.model, segment)
    return SubnetPlan(
        segment=segment, name=names.fit(f"{plan.model}-{segment}"), cidr=cidr,
        private_google_access=services, account_id=account,
        description=names.describe(plan.model, segment,
                                   **{names.ACCOUNT_KEY: names.account_email(account, project)}))


def _flow_rules(plan: CloudPlan) -> list[FirewallRule]:
    m, rules, here = plan.model, [], set(plan.segment_names())
    by_pair: dict[tuple[str, str], list[Path]] = {}
    for path in plan.paths:  # one pass: scanning all paths per pair is quadratic at 1,000 segments
        if path.src in here and path.dst in here:
            by_pair.setdefault((path.src, path.dst), []).append(path)
    for (src, dst), paths in sorted(by_pair.items()):
        allowed = allowances(paths)
        purpose = f"flow {src} -> {dst}"
        rules.append(FirewallRule(names.fit(f"{m}-{src}-to-{dst}-in"), "INGRESS", "allow", FLOWS,
                                  allowed, purpose, target=dst, source_segments=(src,)))
        rules.append(FirewallRule(names.fit(f"{m}-{src}-to-{dst}-out"), "EGRESS", "allow", FLOWS,
                                  allowed, purpose, target=src,
                                  destination_ranges=(plan.placement(dst).block.with_prefixlen,)))
    return rules


def _edge_rules(plan: CloudPlan) -> list[FirewallRule]:
    """Internet in/out and Google APIs, per segment in declaration order."""
    m, vpc, rules = plan.model, plan.cidr.with_prefixlen, []
    every = (Allowance("all"),)
    inbound_of: dict[str, list[Path]] = {}
    outbound_of: dict[str, list[Path]] = {}
    for path in plan.paths:
        if path.src == INTERNET:
            inbound_of.setdefault(path.dst, []).append(path)
        elif path.dst == INTERNET:
            outbound_of.setdefault(path.src, []).append(path)
    service_users = {p.src for p in plan.paths if p.dst.startswith(SERVICE_PREFIX)}
    for seg in plan.segment_names():
        inbound, outbound = inbound_of.get(seg, []), outbound_of.get(seg, [])
        if inbound:
            rules += [
                FirewallRule(names.fit(f"{m}-{seg}-internal-in"), "INGRESS", "deny", INTERNAL, every,
                             f"{seg}: internet ingress is not for internal sources", target=seg,
                             source_ranges=_internal(vpc)),
                FirewallRule(names.fit(f"{m}-{seg}-from-internet"), "INGRESS", "allow", INTERNET_RULES,
                             allowances(inbound), f"internet -> {seg}", target=seg,
                             source_ranges=(ANYWHERE,))]
        if outbound:
            rules += [
                FirewallRule(names.fit(f"{m}-{seg}-internal-out"), "EGRESS", "deny", INTERNAL, every,
                             f"{seg}: internet egress is not for internal destinations or Google APIs",
                             target=seg, destination_ranges=(*_internal(vpc), *(v.with_prefixlen for v in API_VIPS))),
                FirewallRule(names.fit(f"{m}-{seg}-to-internet"), "EGRESS", "allow", INTERNET_RULES,
                             allowances(outbound), f"{seg} -> internet", target=seg,
                             destination_ranges=(ANYWHERE,))]
        if seg in service_users:
            rules.append(FirewallRule(
                names.fit(f"{m}-{seg}-to-google-apis"), "EGRESS", "allow", FLOWS,
                (Allowance("tcp", (str(HTTPS),)),), f"{seg} -> restricted Google APIs", target=seg,
                destination_ranges=(RESTRICTED_VIP.with_prefixlen,)))
    return rules


def _internal(vpc: str) -> tuple[str, ...]:
    """Every private range, plus the VPC's own when it lies outside them."""
    inside = any(IPv4Network(vpc).subnet_of(IPv4Network(p)) for p in PRIVATE_SPACE)
    return PRIVATE_SPACE if inside else (vpc, *PRIVATE_SPACE)


def _deny_all(model: str) -> list[FirewallRule]:
    every = (Allowance("all"),)
    return [
        FirewallRule(names.fit(f"{model}-deny-all-in"), "INGRESS", "deny", DENY_ALL, every,
                     "deny every ingress not allowed above", source_ranges=(ANYWHERE,)),
        FirewallRule(names.fit(f"{model}-deny-all-out"), "EGRESS", "deny", DENY_ALL, every,
                     "neutralise GCP's implied allow-egress", destination_ranges=(ANYWHERE,)),
    ]


def _unique(rules: list[FirewallRule]) -> tuple[FirewallRule, ...]:
    """Names like `m-a-to-b-c-in` can collide (`a`->`b-c` vs `a-to-b`->`c`): disambiguate by hash."""
    seen: dict[str, int] = {}
    for rule in rules:
        seen[rule.name] = seen.get(rule.name, 0) + 1
    out = []
    for rule in rules:
        if seen[rule.name] > 1:
            key = f"{rule.name}|{rule.purpose}|{rule.direction}"
            rule = replace(rule, name=names.fit(f"{rule.name[:names.MAX_NAME - 8]}-{names.short_hash(key)}"))
        out.append(rule)
    return tuple(out)


def quota_usage(plan: CloudPlan) -> list[QuotaUsage]:
    """Per segment: the longest rule name and the most service accounts one rule names."""
    rp = rule_plan(plan)
    # One pass over the rules, indexed by the segments each concerns: linear in model size.
    longest: dict[str, int] = {}
    accounts: dict[str, int] = {}
    for rule in rp.firewalls:
        concerned = set(rule.source_segments) | ({rule.target} if rule.target is not None else set())
        for seg in concerned:
            longest[seg] = max(longest.get(seg, 0), len(rule.name))
            accounts[seg] = max(accounts.get(seg, 0), len(rule.source_segments))
    usages: list[QuotaUsage] = []
    for seg in plan.segment_names():
        name = longest[seg] if seg in longest else len(rp.subnet(seg).name)
        usages += [
            QuotaUsage("gcp", seg, "characters in a firewall rule name", name, names.MAX_NAME),
            QuotaUsage("gcp", seg, "source service accounts per firewall rule", accounts.get(seg, 0),
                       MAX_ACCOUNTS_PER_RULE),
        ]
    return usages


def plan_notes(plan: CloudPlan) -> list[str]:
    """What `bulkhead plan` says about this cloud besides subnets and paths: whether the firewall
    rules log, since `observe` sees a denied attempt only through a deny rule that logs it."""
    rules = rule_plan(plan).firewalls
    silent = [r.name for r in rules if not r.logged]
    denies = [r for r in rules if r.action == "deny"]
    if silent:
        return [f"warning: {len(silent)} firewall rule(s) do not log ({', '.join(silent)}): `bulkhead observe` "
                "cannot see the traffic they decide"]
    return [f"firewall logging: all {len(rules)} rules log ({len(denies)} deny rules), so `bulkhead observe` "
            "sees denied attempts"]
