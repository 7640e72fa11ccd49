"""Where a route's target leads: does the traffic it carries reach the internet?

A route to the internet is only as good as what lies behind its target:

- an internet gateway (`igw-`): both ways, if it is attached, for an interface with a public
  address of the family (the gateway translates it 1:1);
- an egress-only internet gateway (IPv6): out only;
- a NAT gateway: out only, and only while it is `available`, public (a private NAT gateway
  forwards to transit gateways and VPNs, never to the internet) and its OWN subnet's route
  table sends the destination on to the internet (its Elastic IP is the public address);
  a NAT whose subnet lost its internet gateway route, or whose gateway was detached, is a
  dead end (docs/cloud-semantics.md 1.3);
- an appliance (a `NetworkInterfaceId` / `InstanceId` target: a NAT instance, a firewall):
  out only, assumed, since its far side is not collected;
- a Gateway Load Balancer endpoint (a `vpce-` target that is not a gateway endpoint, the
  standard inspection design): the appliance hands the traffic back to the endpoint, which
  forwards it by its own subnet's route table, so the answer is that table's for the same
  sender (inbound too: the internet gateway's edge route sends arrivals through it). An
  endpoint the snapshot does not describe is assumed to lead out, like an appliance.

`Exits.follow` answers with the evidence ids of the onward routes (empty when the target
itself is the way out) or None when the route leads nowhere; loops end as nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_network

from providers.aws.observe.endpoints import GONE, Endpoint
from providers.aws.observe.resources import Json, Resources

NAT_UP = {"available"}
APPLIANCE = ("NetworkInterfaceId", "InstanceId")


@dataclass(frozen=True)
class DeadEnd:
    """A route whose target does not lead to the internet, and why (for a posture finding)."""

    table: str
    destination: str
    target: str
    why: str


class Exits:
    """Follows route targets through NAT gateways and Gateway Load Balancer endpoints."""

    def __init__(self, resources: Resources, attached_igws: set[str] | None, tables: dict[str, Json],
                 endpoints: list[Endpoint], public: Callable[[str, str], bool]):
        # attached_igws None: no InternetGateways.json, so every igw- counts as attached;
        # no NatGateways.json: every NAT route counts (an older snapshot cannot tell).
        self.igws, self.tables, self.public = attached_igws, tables, public
        self.nats = {n["NatGatewayId"]: n for n in resources["NatGateways"]} \
            if "NatGateways" in resources.has else None
        self.gwlb = {e.id: e for e in endpoints if e.kind == "GatewayLoadBalancer"}
        self.others = {e.id for e in endpoints if e.kind != "GatewayLoadBalancer"}
        self.known = {str(raw.get("VpcEndpointId")): raw for raw in resources["VpcEndpoints"]}
        self.dead: dict[tuple[str, str], DeadEnd] = {}

    def follow(self, table_id: str, route: Json, dest: str, fam: str, public: bool, inbound: bool,
               seen: frozenset[str] = frozenset()) -> tuple[str, ...] | None:
        gateway = str(route.get("GatewayId") or route.get("VpcEndpointId") or "")
        if gateway.startswith("igw-"):
            attached = self.igws is None or gateway in self.igws
            if not attached:
                self._dead(table_id, dest, gateway, "the internet gateway is not attached to the VPC")
            return () if attached and public else None
        if inbound:
            return self._endpoint(table_id, gateway, dest, fam, public, True, seen) \
                if gateway.startswith("vpce-") else None
        if route.get("EgressOnlyInternetGatewayId") or any(route.get(k) for k in APPLIANCE):
            return ()
        if route.get("NatGatewayId"):
            return self._nat(table_id, str(route["NatGatewayId"]), dest, fam, seen)
        if gateway.startswith("vpce-"):
            return self._endpoint(table_id, gateway, dest, fam, public, False, seen)
        return None

    def _nat(self, table_id: str, nat_id: str, dest: str, fam: str, seen: frozenset[str]) -> tuple[str, ...] | None:
        if self.nats is None:
            return ()
        nat = self.nats.get(nat_id)
        if nat is None or str(nat.get("State", "available")).lower() not in NAT_UP:
            state = "missing from the snapshot" if nat is None else f"{nat.get('State')}"
            self._dead(table_id, dest, nat_id, f"the NAT gateway is {state}")
            return None
        if str(nat.get("ConnectivityType", "public")).lower() != "public":
            self._dead(table_id, dest, nat_id, "the NAT gateway is private (it never reaches the internet)")
            return None
        onward = self._onward(str(nat.get("SubnetId", "")), dest, fam, True, False, seen | {nat_id})
        if onward is None:
            self._dead(table_id, dest, nat_id, f"the NAT gateway's subnet {nat.get('SubnetId')} has no route "
                       "to an attached internet gateway")
        return onward

    def _endpoint(self, table_id: str, vpce: str, dest: str, fam: str, public: bool, inbound: bool,
                  seen: frozenset[str]) -> tuple[str, ...] | None:
        if vpce in self.others:
            return None  # a gateway endpoint's route names its service, never the internet
        endpoint = self.gwlb.get(vpce)
        if endpoint is None:
            raw = self.known.get(vpce)
            if raw is not None and str(raw.get("State", "")).lower() in GONE:
                self._dead(table_id, dest, vpce, f"the endpoint is {raw.get('State')}")
                return None
            return None if inbound else ()  # not described: an appliance whose far side is unknown
        onward = None
        for subnet in endpoint.subnets:
            found = self._onward(subnet, dest, fam, public, inbound, seen | {vpce})
            if found is not None:
                onward = (*(onward or ()), f"aws:vpce/{vpce}", *found)
        if onward is None and not inbound:
            self._dead(table_id, dest, vpce, f"the Gateway Load Balancer endpoint's subnet "
                       f"{', '.join(endpoint.subnets) or '(none)'} has no route on to the internet")
        return onward

    def _onward(self, subnet: str, dest: str, fam: str, public: bool, inbound: bool,
                seen: frozenset[str]) -> tuple[str, ...] | None:
        """The routes of `subnet`'s table that take `dest` on to the internet (their ids, then theirs)."""
        table = self.tables.get(subnet)
        if table is None or table["RouteTableId"] in seen:
            return None
        table_id = str(table["RouteTableId"])
        found: list[str] = []
        for route in table.get("Routes", []):
            onward_dest = _destination(route, fam)
            if route.get("State", "active") != "active" or not onward_dest or not self.public(onward_dest, fam):
                continue
            if not _overlap(onward_dest, dest):
                continue
            after = self.follow(table_id, route, onward_dest, fam, public, inbound, seen | {table_id})
            if after is not None:
                found += [f"aws:rtb/{table_id}#{onward_dest}", *after]
        return tuple(dict.fromkeys(found)) if found else None

    def _dead(self, table: str, dest: str, target: str, why: str) -> None:
        self.dead.setdefault((table, dest), DeadEnd(table, dest, target, why))


def _destination(route: Json, fam: str) -> str | None:
    found = route.get("DestinationPrefixListId") or (
        route.get("DestinationCidrBlock") if fam == "v4" else route.get("DestinationIpv6CidrBlock"))
    return str(found) if found else None


def _overlap(a: str, b: str) -> bool:
    """Whether two destinations share addresses (a prefix list may hold anything: it may)."""
    if a.startswith("pl-") or b.startswith("pl-"):
        return True
    try:
        return ip_network(a, strict=False).overlaps(ip_network(b, strict=False))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False
