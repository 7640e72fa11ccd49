"""AWS rule plan (pure, no pulumi import): neutral CloudPlan -> what the AWS component wires.

Every decision is here: which subnets are public, which security group rules exist (each
flow a PAIR: egress on the source group naming the destination group, ingress on the
destination group naming the source group, one rule per protocol interval), which NACL
entries (nacls.py), which routes, and whether an internet gateway, a NAT gateway or an
endpoint exists at all. `component.py` only wires the result.

Shared infrastructure lives in the reserved slot 0, cut into one quarter per zone (the same
quarter as the segments' zone subnets, so it is stable when zones change): the first half
of a quarter holds the interface endpoints, the second half the NAT gateway's public subnet.
One NAT gateway, in the first zone: a zone outage stops internet egress, which for a
zero-trust platform is the cheaper failure (add per-zone NAT when that matters).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from infra.errors import UsageError
from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, QuotaUsage
from providers.aws.build.nacls import (
    Peer,
    endpoint_subnet_allows,
    nat_subnet_allows,
    number_entries,
    segment_allows,
)
from providers.aws.build.rules import (
    ACCOUNT_PLACEHOLDER,
    ANYWHERE,
    SHARED,
    AwsRulePlan,
    Endpoint,
    FlowLogDestination,
    FlowLogs,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
)
from providers.aws.build.security_groups import endpoint_group_name, group_name, sg_rules
from providers.aws.services import endpoint

SG_RULES_PER_DIRECTION = 60
NACL_ENTRIES_PER_DIRECTION = 20  # includes the default deny
SGS_PER_INTERFACE = 5
ZONE_LETTERS = "abcd"


def rule_plan(cp: CloudPlan, flow_logs: FlowLogDestination = "cloudwatch") -> AwsRulePlan:
    m = cp.model
    ingress = {p.dst for p in cp.paths if p.src == INTERNET}
    egress = {p.src for p in cp.paths if p.dst == INTERNET}
    via_nat = egress - ingress  # a public segment already leaves through the internet gateway
    services = _declared_services(cp)
    interface = [s for s in services if endpoint(s).kind == "Interface"]
    endpoint_subnets = _shared_subnets(cp, "endpoints") if interface else ()
    nat_subnet = _shared_subnets(cp, "public")[:1] if via_nat else ()
    subnets = _segment_subnets(cp, ingress) + endpoint_subnets + nat_subnet
    tables, routes = _routing(cp, ingress, via_nat, endpoint_subnets, nat_subnet)
    endpoints = _endpoints(cp, services, endpoint_subnets)
    return AwsRulePlan(
        model=m, region=cp.region, cidr=str(cp.cidr), vpc=f"{m}-vpc", default_group=f"{m}-default-sg",
        default_acl=f"{m}-default-nacl", default_table=f"{m}-default-rt",
        segments=cp.segment_names(), subnets=subnets,
        groups=_groups(cp, interface),
        sg_rules=sg_rules(cp, next((e.name for e in endpoints if e.kind == "Gateway"), None)),
        nacls=_nacls(cp, endpoint_subnets, nat_subnet),
        nacl_entries=_nacl_entries(cp, endpoint_subnets, nat_subnet, via_nat),
        route_tables=tables, routes=routes,
        internet_gateway=f"{m}-igw" if ingress or via_nat else None,
        nat=NatGateway(f"{m}-nat", f"{m}-nat-eip", nat_subnet[0].name) if nat_subnet else None,
        endpoints=endpoints, flow_logs=FlowLogs(f"{m}-flow-logs", flow_logs))


def _declared_services(cp: CloudPlan) -> list[str]:
    found = {p.dst[len(SERVICE_PREFIX):] for p in cp.paths if p.dst.startswith(SERVICE_PREFIX)}
    return sorted(found)


def zones_offered(plan: AwsRulePlan, offered: Iterable[str]) -> dict[str, str]:
    """The plan's zones (`<region>a`, `b`, ...: resource names stay stable) -> the zones the region
    offers the account, the n-th to the n-th in name order (leaving out Local and Wavelength Zones
    is the caller's query). Which zones exist differs per region and account (ap-northeast-1 has
    a, c and d; us-west-1 two of a, b, c), so the letters are never taken for names."""
    planned = sorted({s.zone for s in plan.subnets})
    names = sorted(offered)
    if len(planned) > len(names):
        raise UsageError(f"clouds.aws.zones asks for {len(planned)} availability zones, but {plan.region} offers "
                         f"this account {len(names)} ({', '.join(names)}); set clouds.aws.zones to at most "
                         f"{len(names)}")
    return dict(zip(planned, names, strict=False))


def _zone(cp: CloudPlan, index: int) -> str:
    return f"{cp.region}{ZONE_LETTERS[index]}"


def _subnet_names(cp: CloudPlan, segment: str) -> tuple[str, ...]:
    return tuple(f"{cp.model}-{segment}-{ZONE_LETTERS[i]}" for i in range(len(cp.placement(segment).subnets)))


def _segment_subnets(cp: CloudPlan, public: set[str]) -> tuple[Subnet, ...]:
    return tuple(
        Subnet(_subnet_names(cp, p.segment)[i], p.segment, str(net), _zone(cp, i), p.segment in public)
        for p in cp.segments for i, net in enumerate(p.subnets))


def _shared_subnets(cp: CloudPlan, role: str) -> tuple[Subnet, ...]:
    half = 0 if role == "endpoints" else 1
    quarters = list(cp.reserved.subnets(prefixlen_diff=2))
    return tuple(
        Subnet(f"{cp.model}-{SHARED}-{role}-{ZONE_LETTERS[i]}", SHARED,
               str(list(quarters[i].subnets(prefixlen_diff=1))[half]), _zone(cp, i), False)
        for i in range(cp.zones))


def _groups(cp: CloudPlan, interface: list[str]) -> tuple[SecurityGroup, ...]:
    segments = tuple(SecurityGroup(group_name(cp, p.segment), p.segment, f"bulkhead {cp.model}: segment {p.segment}")
                     for p in cp.segments)
    shared = tuple(SecurityGroup(endpoint_group_name(cp, s), SHARED, f"bulkhead {cp.model}: {s} endpoints")
                   for s in interface)
    return segments + shared


def _nacl_name(cp: CloudPlan, owner: str) -> str:
    return f"{cp.model}-{owner}-nacl"


def _nacls(cp: CloudPlan, endpoint_subnets: tuple[Subnet, ...],
           nat_subnet: tuple[Subnet, ...]) -> tuple[NetworkAcl, ...]:
    acls = [NetworkAcl(_nacl_name(cp, p.segment), p.segment, _subnet_names(cp, p.segment)) for p in cp.segments]
    if endpoint_subnets:
        acls.append(NetworkAcl(_nacl_name(cp, f"{SHARED}-endpoints"), SHARED, tuple(s.name for s in endpoint_subnets)))
    if nat_subnet:
        acls.append(NetworkAcl(_nacl_name(cp, f"{SHARED}-public"), SHARED, tuple(s.name for s in nat_subnet)))
    return tuple(acls)


def _nacl_entries(cp: CloudPlan, endpoint_subnets: tuple[Subnet, ...], nat_subnet: tuple[Subnet, ...],
                  via_nat: set[str]) -> tuple[NaclEntry, ...]:
    peers = [Peer(f"_endpoints-{s.zone[-1]}", s.cidr) for s in endpoint_subnets]
    entries: list[NaclEntry] = []
    for p in cp.segments:
        entries += number_entries(cp.model, p.segment, _nacl_name(cp, p.segment), p.segment,
                                  segment_allows(cp, p.segment, peers), cp.cidr)
    if endpoint_subnets:
        owner = f"{SHARED}-endpoints"
        entries += number_entries(cp.model, owner, _nacl_name(cp, owner), SHARED, endpoint_subnet_allows(cp.cidr),
                                  cp.cidr)
    if nat_subnet:
        owner = f"{SHARED}-public"
        egress = [p for p in cp.paths if p.dst == INTERNET and p.src in via_nat]
        entries += number_entries(cp.model, owner, _nacl_name(cp, owner), SHARED, nat_subnet_allows(cp.cidr, egress),
                                  cp.cidr)
    return tuple(entries)


def _routing(cp: CloudPlan, ingress: set[str], via_nat: set[str], endpoint_subnets: tuple[Subnet, ...],
             nat_subnet: tuple[Subnet, ...]) -> tuple[tuple[RouteTable, ...], tuple[Route, ...]]:
    """Local-only tables, plus 0.0.0.0/0 to the IGW for public segments, to the NAT for egress ones."""
    m = cp.model
    tables = [RouteTable(f"{m}-{p.segment}-rt", p.segment, _subnet_names(cp, p.segment)) for p in cp.segments]
    routes = [Route(f"{m}-{seg}-internet-route", f"{m}-{seg}-rt", seg, ANYWHERE,
                    "internet-gateway" if seg in ingress else "nat-gateway")
              for seg in cp.segment_names() if seg in ingress or seg in via_nat]
    if endpoint_subnets:
        tables.append(RouteTable(f"{m}-{SHARED}-endpoints-rt", SHARED, tuple(s.name for s in endpoint_subnets)))
    if nat_subnet:
        tables.append(RouteTable(f"{m}-{SHARED}-public-rt", SHARED, tuple(s.name for s in nat_subnet)))
        routes.append(Route(f"{m}-{SHARED}-public-internet-route", f"{m}-{SHARED}-public-rt", SHARED, ANYWHERE,
                            "internet-gateway"))
    return tuple(tables), tuple(routes)


def _endpoints(cp: CloudPlan, services: list[str], endpoint_subnets: tuple[Subnet, ...]) -> tuple[Endpoint, ...]:
    found: list[Endpoint] = []
    for service in services:
        aws = endpoint(service)
        users = sorted({p.src for p in cp.paths if p.dst == SERVICE_PREFIX + service})
        for name, suffix in zip(aws.service_names(cp.region), aws.suffixes, strict=True):
            logical = f"{cp.model}-{SHARED}-{suffix.replace('.', '-')}-endpoint"
            if aws.kind == "Gateway":
                found.append(Endpoint(logical, service, name, "Gateway",
                                      route_tables=tuple(f"{cp.model}-{u}-rt" for u in users),
                                      policy=_s3_policy()))
            else:
                found.append(Endpoint(logical, service, name, "Interface",
                                      subnets=tuple(s.name for s in endpoint_subnets),
                                      group=endpoint_group_name(cp, service), private_dns=True,
                                      policy=_own_principals_policy()))
    return tuple(found)


def _s3_policy() -> str:
    """Any S3 action, but only on buckets of the VPC's own account: no exfiltration to others'."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "OwnAccountBucketsOnly", "Effect": "Allow", "Principal": "*", "Action": "s3:*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}]},
        sort_keys=True)


def _own_principals_policy() -> str:
    """Any action on any resource, but only for principals of the VPC's own account: stolen keys of
    another account cannot use the private path. (Not the S3 policy's resource condition: an
    image registry must still serve AWS-owned images, e.g. SageMaker's.) The component puts the
    account id in place of ACCOUNT_PLACEHOLDER."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "OwnAccountPrincipalsOnly", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT_PLACEHOLDER}}}]}, sort_keys=True)


def quota_usage(plan: CloudPlan) -> list[QuotaUsage]:
    """Counts from the rule plan itself, so the check and the deployment cannot disagree.

    An AWS-managed prefix list counts with its weight toward the 60 rules; bulkhead counts
    S3's as 1 (its weight is not published per region), so a segment near 60 rules that uses
    object-storage may still be refused by AWS.
    """
    rp = rule_plan(plan)
    sg_counts = Counter((r.group, r.direction) for r in rp.sg_rules)
    nacl_counts = Counter((e.acl, e.egress) for e in rp.nacl_entries)
    usages: list[QuotaUsage] = []
    for group in rp.groups:
        scope = group.segment if group.segment != SHARED else group.description
        for direction in ("ingress", "egress"):
            usages.append(QuotaUsage("aws", scope, f"security group {direction} rules",
                                     sg_counts[(group.name, direction)], SG_RULES_PER_DIRECTION))
    for acl in rp.nacls:
        scope = acl.segment if acl.segment != SHARED else acl.name
        for egress, word in ((False, "inbound"), (True, "outbound")):
            used = nacl_counts[(acl.name, egress)] + 1  # + the `*` default deny
            usages.append(QuotaUsage("aws", scope, f"network ACL {word} entries", used, NACL_ENTRIES_PER_DIRECTION))
    usages += [QuotaUsage("aws", seg, "security groups per interface", 1, SGS_PER_INTERFACE) for seg in rp.segments]
    return usages
