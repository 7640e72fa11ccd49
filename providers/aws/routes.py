"""Route tables: what carries traffic between a subnet and the outside (internet, services).

Each subnet uses its explicitly associated table, else the VPC's main table. Inside the
VPC the `local` route always carries traffic (not modelled as a step). Toward the outside:

- the internet, OUTBOUND: a route to an attached internet gateway when the interface has a
  public address of that family, or to a NAT gateway (IPv4) / egress-only gateway (IPv6);
- the internet, INBOUND: only a route to an attached internet gateway AND a public address;
- a gateway-endpoint service (S3, DynamoDB): the `DestinationPrefixListId -> vpce-` route.

Blackhole routes carry nothing. Routes to peering, transit gateways, VPNs or appliances are
not followed (docs/verifier.md, "not modelled").
"""

from __future__ import annotations

from infra.reach import INTERNET, Filter, Rule
from providers.aws.addresses import AddressBook
from providers.aws.resources import Json, Resources


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


class RouteFilters:
    """Outbound and inbound route filters per (table, family, public address), cached."""

    def __init__(self, books: dict[str, AddressBook], attached_igws: set[str] | None,
                 gateway_services: dict[str, str]):
        # attached_igws None: the snapshot has no InternetGateways.json; trust every igw- route
        self.books, self.igws, self.gateway_services = books, attached_igws, gateway_services
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
                          if (r := self._rule(table_id, route, fam, public, inbound)) is not None)
            found = self._cache[key] = Filter(f"aws:rtb/{table_id}", "union", rules)
        return found

    def _rule(self, table_id: str, route: Json, fam: str, public: bool, inbound: bool) -> Rule | None:
        if route.get("State", "active") != "active":
            return None
        if route.get("DestinationPrefixListId"):
            service = self.gateway_services.get(route.get("GatewayId", ""))
            if inbound or fam != "v4" or service is None:
                return None
            return Rule(f"aws:rtb/{table_id}#{route['DestinationPrefixListId']}", "allow", frozenset({service}))
        dest = route.get("DestinationCidrBlock") if fam == "v4" else route.get("DestinationIpv6CidrBlock")
        if not dest or INTERNET not in self.books[fam].overlapping(dest):
            return None
        if not self._carries(route, public, inbound):
            return None
        return Rule(f"aws:rtb/{table_id}#{dest}", "allow", frozenset({INTERNET}))

    def _carries(self, route: Json, public: bool, inbound: bool) -> bool:
        gateway = route.get("GatewayId", "")
        if gateway.startswith("igw-") and (self.igws is None or gateway in self.igws):
            return public
        outbound_only = route.get("NatGatewayId") or route.get("EgressOnlyInternetGatewayId")
        return bool(outbound_only) and not inbound
