"""Route tables: what carries traffic between a subnet and the outside (internet, services).

Each subnet uses its explicitly associated table, else the VPC's main table. Inside the
VPC the `local` route always carries traffic (not modelled as a step). Toward the outside:

- the internet, OUTBOUND: a route to an attached internet gateway when the interface has a
  public address of that family, or to a NAT gateway (IPv4) / egress-only gateway (IPv6);
- the internet, INBOUND: only a route to an attached internet gateway AND a public address;
- a gateway-endpoint service (S3, DynamoDB): the `DestinationPrefixListId -> vpce-` route,
  or the endpoint listing the table in its `RouteTableIds` (AWS adds the route for it; moto
  only extends the list, so a snapshot may show the list without the route).

A destination is a CIDR or a customer prefix list (public if any of its CIDRs is, or if its
entries were not collected). What a target leads to is decided in `exits.py`: a NAT gateway
counts only while it is available and its own subnet routes on to an attached internet
gateway; a Gateway Load Balancer endpoint hands traffic on by its own subnet's table; an
appliance (an interface or instance: a NAT instance, a firewall) is assumed to lead out,
since what lies behind it is not collected. The onward routes join the evidence. Blackhole
routes carry nothing. Routes to peering, transit gateways and VPNs are not followed
(docs/verifier.md, "not modelled").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from infra.reach import INTERNET, Filter, Rule
from providers.aws.observe.addresses import AddressBook
from providers.aws.observe.endpoints import Endpoint
from providers.aws.observe.exits import Exits
from providers.aws.observe.resources import Json, Resources


def attached_gateways(resources: Resources) -> set[str] | None:
    if "InternetGateways" not in resources.has:
        return None
    return {g["InternetGatewayId"] for g in resources["InternetGateways"]
            if any(a.get("State") in ("available", "attached") for a in g.get("Attachments", []))}


def table_of_subnets(resources: Resources) -> dict[str, Json]:
    out: dict[str, Json] = {}
    mains: dict[str, Json] = {}
    for table in resources["RouteTables"]:
        for assoc in table.get("Associations", []):
            if assoc.get("Main"):
                mains[table.get("VpcId", "")] = table
            elif assoc.get("SubnetId"):
                out[assoc["SubnetId"]] = table
    for subnet in resources["Subnets"]:
        if subnet["SubnetId"] not in out and subnet.get("VpcId") in mains:
            out[subnet["SubnetId"]] = mains[subnet["VpcId"]]
    return out


def endpoint_tables(gateways: Sequence[Endpoint], resources: Resources) -> dict[str, list[tuple[str, str]]]:
    """Route table -> (prefix list id, else endpoint id; neutral service) of each gateway endpoint listing it."""
    by_name = {pl.get("PrefixListName"): pl["PrefixListId"] for pl in resources["PrefixLists"]}
    out: dict[str, list[tuple[str, str]]] = {}
    for ep in gateways:
        for table in ep.tables:
            out.setdefault(table, []).append((by_name.get(ep.service_name, ep.id), ep.service))
    return out


class RouteFilters:
    """Outbound and inbound route filters per (table, family, public address), cached."""

    def __init__(self, books: dict[str, AddressBook], exits: Exits | Callable[[RouteFilters], Exits],
                 gateway_services: dict[str, str], pl_cidrs: dict[str, tuple[str, ...]] | None = None,
                 endpoint_tables: dict[str, list[tuple[str, str]]] | None = None):
        self.books, self.gateway_services = books, gateway_services
        self.pl_cidrs, self.endpoint_tables = pl_cidrs or {}, endpoint_tables or {}
        self.exits = exits if isinstance(exits, Exits) else exits(self)
        self._cache: dict[tuple[str, str, bool, bool], Filter] = {}

    def outbound(self, table: Json | None, fam: str, public: bool) -> Filter:
        return self._get(table, fam, public, inbound=False)

    def inbound(self, table: Json | None, fam: str, public: bool) -> Filter:
        return self._get(table, fam, public, inbound=True)

    def _get(self, table: Json | None, fam: str, public: bool, inbound: bool) -> Filter:
        table_id = table["RouteTableId"] if table else "none"
        key = (table_id, fam, public, inbound)
        found = self._cache.get(key)
        if found is None:
            rules = tuple(r for route in (table or {}).get("Routes", [])
                          for r in self._rules(table_id, route, fam, public, inbound))
            if not inbound and fam == "v4":
                rules += self._listed(table_id, rules)
            found = self._cache[key] = Filter(f"aws:rtb/{table_id}", "union", rules)
        return found

    def _listed(self, table_id: str, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        """Gateway services an endpoint routes in this table although the table shows no route."""
        routed = {peer for r in rules for peer in r.peers or ()}
        return tuple(Rule(f"aws:rtb/{table_id}#{pl}", "allow", frozenset({service}))
                     for pl, service in self.endpoint_tables.get(table_id, []) if service not in routed)

    def _rules(self, table_id: str, route: Json, fam: str, public: bool, inbound: bool) -> tuple[Rule, ...]:
        """The route as rules: itself, then the onward routes that take it to the internet."""
        if route.get("State", "active") != "active":
            return ()
        pl = route.get("DestinationPrefixListId")
        service = self.gateway_services.get(route.get("GatewayId", ""))
        if pl and service is not None:
            if inbound or fam != "v4":
                return ()
            return (Rule(f"aws:rtb/{table_id}#{pl}", "allow", frozenset({service})),)
        dest = pl or (route.get("DestinationCidrBlock") if fam == "v4" else route.get("DestinationIpv6CidrBlock"))
        if not dest or not self.public(dest, fam):
            return ()
        onward = self.exits.follow(table_id, route, dest, fam, public, inbound)
        if onward is None:
            return ()
        internet = frozenset({INTERNET})
        return tuple(Rule(rid, "allow", internet) for rid in (f"aws:rtb/{table_id}#{dest}", *onward))

    def public(self, dest: str, fam: str) -> bool:
        """Whether a destination (CIDR or customer prefix list) holds internet addresses of `fam`."""
        if not dest.startswith("pl-"):
            return INTERNET in self.books[fam].overlapping(dest)
        cidrs = self.pl_cidrs.get(dest)
        return cidrs is None or any(INTERNET in self.books[fam].overlapping(c) for c in cidrs)
