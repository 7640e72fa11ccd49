"""AWS snapshot -> neutral `Network` (pure; every AWS semantic lives in this folder).

The pieces, one family each: `security_groups` (stateful unions), `nacls` (stateless,
ordered), `routes` (what reaches the outside), `endpoints` (services), `addresses` (which
endpoints a CIDR names), `topology` (which interfaces make up an endpoint), `posture`.
Here they are put together: each interface becomes one `Side` per address family
(security groups + its subnet's NACL), and the chains to and from the outside
(internet, gateway services) are spelled out with the subnet's route table.
"""

from __future__ import annotations

from dataclasses import replace

from infra.model import Model
from infra.ports import json_ports
from infra.reach import INTERNET, Engine, Filter, Network, Side, Step
from infra.snapshot import Snapshot
from providers.aws.observe.addresses import AddressBook, family
from providers.aws.observe.depth import layer_posture
from providers.aws.observe.endpoints import Endpoint, service_addresses, service_prefix_lists, vpc_endpoints
from providers.aws.observe.exits import Exits
from providers.aws.observe.nacls import AclFilters, acl_of_subnets
from providers.aws.observe.posture import posture
from providers.aws.observe.resources import Json, Resources, read_resources
from providers.aws.observe.routes import RouteFilters, attached_gateways, endpoint_tables, table_of_subnets
from providers.aws.observe.security_groups import GroupFilters, sg_rules
from providers.aws.observe.topology import Iface, Scope, find_scope, interfaces, subnet_v6, vpc_cidrs

EVERYWHERE = {"v4": "0.0.0.0/0", "v6": "::/0"}
NOTHING = Filter("aws:vpce#initiates-nothing", "union", ())  # services answer, they never initiate
Chains = dict[tuple[str, str], list[tuple[tuple[Step, ...], tuple[str, str]]]]  # chain, (src place, dst place)


def normalize(snapshot: Snapshot, model: Model | None) -> Network:
    resources = read_resources(snapshot)
    scope = find_scope(resources, model)
    every_endpoint = [e for e in vpc_endpoints(resources) if e.vpc in scope.vpcs]
    # Gateway Load Balancer endpoints are hops on a route (exits.py), not services.
    endpoints = [e for e in every_endpoint if e.kind != "GatewayLoadBalancer"]
    managed = {eni for ep in endpoints for eni in ep.enis} | {
        a["NetworkInterfaceId"] for n in resources["NatGateways"] for a in n.get("NatGatewayAddresses", [])
        if a.get("NetworkInterfaceId")}
    ifaces = interfaces(resources, scope, managed, notional=True)
    build = _Builder(resources, scope, endpoints, ifaces, every_endpoint)
    sides, chains = build.all_sides()
    rules = build.rules
    dead_ends = [d for ctx in build.ctx.values() for d in ctx.routes.exits.dead.values()]
    found = posture(resources, scope, model, ifaces, endpoints, rules, build.acls, build.tables, dead_ends)
    names = _endpoint_names(model, scope, endpoints)
    exposures = () if model is not None else _exposures(build, ifaces)
    placed = frozenset(n for ctx in build.ctx.values() for book in ctx.books.values() for n in book.placed)
    network = Network("aws", names, {k: tuple(c for c, _ in v) for k, v in chains.items()}, tuple(found), exposures,
                      sides, {k: tuple(p for _, p in v) for k, v in chains.items()}, placed=placed)
    if model is None:
        return network
    return replace(network, posture=network.posture + tuple(layer_posture(network, model)))


def _endpoint_names(model: Model | None, scope: Scope, endpoints: list[Endpoint]) -> tuple[str, ...]:
    found = sorted(set(scope.endpoint_of_subnet.values()))
    placed = [n for n in model.segments if "aws" in model.placement(n)] if model else []
    services = sorted({e.service for e in endpoints} | (
        {f"service:{s}" for n in placed for s in model.segments[n].services} if model else set()))
    return tuple(dict.fromkeys([*placed, *found, INTERNET, *services]))


class _Builder:
    """Per-VPC filter factories and the sides/chains built from them."""

    def __init__(self, resources: Resources, scope: Scope, endpoints: list[Endpoint], ifaces: list[Iface],
                 every_endpoint: list[Endpoint]):
        self.resources, self.scope, self.endpoints, self.ifaces = resources, scope, endpoints, ifaces
        self.every_endpoint = every_endpoint
        self.subnets: dict[str, Json] = {s["SubnetId"]: s for s in resources["Subnets"]}
        self.rules = sg_rules(resources)
        self.acls = acl_of_subnets(resources)
        self.tables = table_of_subnets(resources)
        self.members = self._members()
        self.pl_cidrs = resources.prefix_list_cidrs()
        self.service_pls = service_prefix_lists(resources)
        self.pl_families = {pl["PrefixListId"]: "v6" if pl.get("AddressFamily") == "IPv6" else "v4"
                            for pl in resources["PrefixLists"]}
        services = service_addresses(endpoints, resources, self.subnets, self.pl_cidrs)
        igws = attached_gateways(resources)
        vpcs = {v["VpcId"]: v for v in resources["Vpcs"]}
        self.ctx = {vpc: _Vpc(self, vpc, vpcs.get(vpc, {}), services, igws) for vpc in scope.vpcs}

    def _members(self) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for iface in self.ifaces:
            for group in iface.groups:
                out.setdefault(group, set()).add(self.scope.endpoint_of_subnet[iface.subnet])
        for ep in self.endpoints:
            for group in self._endpoint_groups(ep):
                out.setdefault(group, set()).add(ep.service)
        return {g: frozenset(v) for g, v in out.items()}

    def _endpoint_groups(self, ep: Endpoint) -> tuple[str, ...]:
        default = self.scope.default_groups.get(ep.vpc)
        return ep.groups or ((default,) if default else ())

    def prefix_list_peers(self, vpc: str, pl: str, fam: str, routed: frozenset[str]) -> frozenset[str]:
        """What a rule naming prefix list `pl` reaches in family `fam`.

        A customer list names what its CIDRs overlap. An AWS-managed list names its service AND
        the internet: its ranges are public (CloudFront, EC2 Instance Connect, S3 itself), reached
        through a NAT or IGW route unless the sender's table sends the service to a gateway
        endpoint (`routed`: the endpoint's route is the more specific one). A list whose
        entries the snapshot lacks may hold anything, so it names every endpoint of the family.
        """
        book = self.ctx[vpc].books[fam]
        if pl not in self.pl_cidrs and pl not in self.service_pls:
            return book.overlapping(EVERYWHERE[fam])
        peers = frozenset().union(*(book.overlapping(c) for c in self.pl_cidrs.get(pl, ()) if family(c) == fam))
        service = self.service_pls.get(pl)
        if service is None or self.pl_families.get(pl, "v4") != fam:
            return peers
        peers |= {service}
        return peers - {INTERNET} if service in routed else peers | {INTERNET}

    def all_sides(self) -> tuple[dict[str, tuple[Side, ...]], Chains]:
        sides: dict[str, list[Side]] = {}
        chains: Chains = {}
        for iface in self.ifaces:
            owner = self.scope.endpoint_of_subnet[iface.subnet]
            for side, fam, public in self.iface_sides(iface):
                sides.setdefault(owner, []).append(side)
                self._external(owner, side, iface, fam, public, chains)
        for ep in self.endpoints:
            if ep.kind == "Interface":
                sides.setdefault(ep.service, []).extend(self._service_sides(ep))
        return {k: tuple(v) for k, v in sides.items()}, chains

    def iface_sides(self, iface: Iface) -> list[tuple[Side, str, bool]]:
        subnet = self.subnets.get(iface.subnet, {})
        ctx = self.ctx[subnet.get("VpcId", "")]
        fams = [("v4", iface.public4 is not None)] + ([("v6", True)] if iface.ipv6 and subnet_v6(subnet) else [])
        acl = self.acls.get(iface.subnet)
        return [(Side(f"{iface.id}/{fam}", (ctx.groups.of(iface.groups, True, fam),),
                      (ctx.groups.of(iface.groups, False, fam),), ctx.nacls.of(acl, True, fam),
                      ctx.nacls.of(acl, False, fam), place(iface.subnet), fam, iface.notional), fam, public)
                for fam, public in fams]

    def _service_sides(self, ep: Endpoint) -> list[Side]:
        ctx = self.ctx[ep.vpc]
        ingress = ctx.groups.of(self._endpoint_groups(ep), False, "v4")
        return [Side(f"{ep.id}/{subnet}", (NOTHING,), (ingress,), ctx.nacls.of(self.acls.get(subnet), True, "v4"),
                     ctx.nacls.of(self.acls.get(subnet), False, "v4"), place(subnet), "v4") for subnet in ep.subnets]

    def _external(self, owner: str, side: Side, iface: Iface, fam: str, public: bool, chains: Chains) -> None:
        """Chains to the internet and gateway services, and from the internet, via the route table."""
        ctx = self.ctx[self.subnets[iface.subnet].get("VpcId", "")]
        table = self.tables.get(iface.subnet)
        out_route = ctx.routes.outbound(table, fam, public)
        routed = frozenset(p for r in out_route.rules for p in r.peers or () if p != INTERNET)
        egress = (ctx.groups.of(iface.groups, True, fam, routed),) if routed else side.egress
        far = [INTERNET] + ([e.service for e in self.endpoints if e.kind == "Gateway" and e.vpc == ctx.vpc]
                            if fam == "v4" else [])
        for dst in dict.fromkeys(far):
            chains.setdefault((owner, dst), []).append(
                ((*_steps(egress, dst), *_steps(side.boundary_out, dst), Step(out_route, dst),
                  *_steps(side.boundary_in, dst, reply=True)), (side.place, "")))
        chains.setdefault((INTERNET, owner), []).append((self.inbound(side, table, ctx, fam, public), ("", side.place)))

    def inbound(self, side: Side, table: Json | None, ctx: _Vpc, fam: str, public: bool) -> tuple[Step, ...]:
        return (Step(ctx.routes.inbound(table, fam, public), INTERNET), *_steps(side.boundary_in, INTERNET),
                *_steps(side.ingress, INTERNET), *_steps(side.boundary_out, INTERNET, reply=True))


class _Vpc:
    def __init__(self, build: _Builder, vpc: str, raw: Json, services: dict[str, list[str]], igws: set[str] | None):
        self.vpc = vpc
        mine = [s for s in build.subnets.values() if s.get("VpcId") == vpc]
        owners = build.scope.endpoint_of_subnet
        self.books = {}
        for fam in ("v4", "v6"):
            segments: dict[str, list[str]] = {}
            places: dict[str, str] = {}  # a segment CIDR -> its subnet, for denies that cover one zone's subnet
            for s in mine:
                if s["SubnetId"] in owners:
                    cidrs = subnet_v6(s) if fam == "v6" else [s["CidrBlock"]] if s.get("CidrBlock") else []
                    segments.setdefault(owners[s["SubnetId"]], []).extend(cidrs)
                    places.update(dict.fromkeys(cidrs, place(s["SubnetId"])))
            self.books[fam] = AddressBook(fam, segments, services, vpc_cidrs(raw), places)
        self.groups = GroupFilters(build.rules, self.books, lambda g: build.members.get(g, frozenset()),
                                   lambda pl, fam, routed: build.prefix_list_peers(vpc, pl, fam, routed))
        self.nacls = AclFilters(self.books)
        gateways = [e for e in build.endpoints if e.kind == "Gateway" and e.vpc == vpc]
        self.routes = RouteFilters(
            self.books, lambda routes: Exits(build.resources, igws, build.tables, build.every_endpoint, routes.public),
            {e.id: e.service for e in gateways}, build.pl_cidrs, endpoint_tables(gateways, build.resources))


def place(subnet: str) -> str:
    """A side's place: its subnet, as an evidence id (a finding about one subnet names it)."""
    return f"aws:subnet/{subnet}"


def _steps(filters: tuple[Filter, ...], peer: str, reply: bool = False) -> tuple[Step, ...]:
    return tuple(Step(f, peer, reply) for f in filters)


def _exposures(build: _Builder, ifaces: list[Iface]) -> tuple[dict[str, object], ...]:
    """Audit mode: every real interface the internet reaches, with protocol, ports, evidence."""
    out: list[dict[str, object]] = []
    for iface in ifaces:
        subnet = build.subnets.get(iface.subnet, {})
        ctx = build.ctx[subnet.get("VpcId", "")]
        chains = {(INTERNET, iface.id): tuple(build.inbound(side, build.tables.get(iface.subnet), ctx, fam, public)
                                              for side, fam, public in build.iface_sides(iface) if public)}
        for path in Engine(Network("aws", (INTERNET, iface.id), chains)).observed():
            out.append({"resource": iface.resource, "interface": iface.id, "address": iface.public4 or "ipv6",
                        "protocol": path.protocol, "ports": json_ports(path.protocol, path.ports),
                        "evidence": list(path.evidence_for(path.ports))})
    return tuple(out)
