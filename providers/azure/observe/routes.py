"""Azure routing as a union filter on the sending side: where a subnet's packets can go.

System routes are not in the snapshot (ARM does not list them), so they are rebuilt here:
the VNet's own prefixes are delivered locally, 0.0.0.0/0 goes to the Internet. A user route
(UDR) wins on an equal or longer prefix: next hop `None` drops the traffic; a virtual
appliance, gateway or VnetLocal takes the public addresses it carries away from NAT, public
IPs and default outbound access. The internet is reachable while some public address still
leaves by next hop Internet, decided by longest prefix (a /24 to Internet under a 0.0.0.0/0
to a firewall still leaves; two /1s to a firewall leave nothing). Leaving for the internet
also needs an outbound method: the subnet's NAT gateway, the NIC's public IP, or default
outbound access (on unless the subnet says `defaultOutboundAccess: false`).
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

from infra.ports import PortSet
from infra.reach import INTERNET, Filter, Rule
from providers.azure.observe.selectors import NOT_PUBLIC, Member

Json = dict[str, Any]
AWAY_FROM_INTERNET = {"none", "virtualappliance", "virtualnetworkgateway", "vnetlocal"}


def _span(prefixes: list[IPv4Network] | tuple[IPv4Network, ...]) -> PortSet:
    """Addresses as an integer interval set (PortSet is a generic interval set)."""
    return PortSet.of((int(p.network_address), int(p.broadcast_address)) for p in prefixes)


PUBLIC = _span([IPv4Network("0.0.0.0/0")]) - _span(NOT_PUBLIC)


def user_routes(table: Json | None) -> list[tuple[IPv4Network, str, str]]:
    """(prefix, next hop type lower-cased, route name) of a route table; non-IPv4 prefixes skipped."""
    found = []
    for route in ((table or {}).get("properties") or {}).get("routes") or []:
        props = route.get("properties") or {}
        try:
            prefix = IPv4Network(str(props.get("addressPrefix")), strict=False)
        except ValueError:
            continue  # a service-tag or IPv6 destination: no bulkhead endpoint lives there
        found.append((prefix, str(props.get("nextHopType", "")).lower(), str(route.get("name"))))
    return found


def routes_public_space(routes: list[tuple[IPv4Network, str, str]]) -> bool:
    """Whether a user route names public addresses: Azure then counts them in the VNet's
    `VirtualNetwork` tag ("address prefixes used on user-defined routes")."""
    return any(_span([prefix]) & PUBLIC for prefix, _, _ in routes)


def dropped(member: Member, routes: list[tuple[IPv4Network, str, str]], vnet_len: int) -> bool:
    """Every address of the member is sent to `None` by a UDR that beats the VNet's system route."""
    if not member.addresses:
        return False
    return all(any(a.subnet_of(prefix) and prefix.prefixlen >= vnet_len and hop == "none"
                   for prefix, hop, _ in routes) for a in member.addresses)


def leaves_for_internet(routes: list[tuple[IPv4Network, str, str]]) -> bool:
    """Whether some public address is routed to next hop Internet (longest prefix first;
    what no user route takes follows the system route 0.0.0.0/0 -> Internet)."""
    left = PUBLIC
    for prefix, hop, _ in sorted(routes, key=lambda r: -r[0].prefixlen):
        taken = left & _span([prefix])
        if taken and hop not in AWAY_FROM_INTERNET:
            return True  # Internet (or an unknown next hop: stay on the open side)
        left = left - taken
    return bool(left)


def internet_exit(subnet: Json, table: Json | None, public_ip: str | None) -> str | None:
    """The evidence id of the way out to the internet, or None when there is none."""
    props = subnet.get("properties") or {}
    if not leaves_for_internet(user_routes(table)):
        return None
    nat = (props.get("natGateway") or {}).get("id")
    if nat:
        return f"azure:nat/{nat.rsplit('/', 1)[-1]}"
    if public_ip:
        return f"azure:pip/{public_ip.rsplit('/', 1)[-1]}"
    if props.get("defaultOutboundAccess") is not False:
        return f"azure:default-outbound/{subnet.get('name')}"
    return None


def route_filter(subnet: Json, table: Json | None, vnet_len: int, public_ip: str | None,
                 local: dict[str, tuple[Member, ...]]) -> Filter:
    """Union filter: the VNet endpoints this member's subnet delivers to, and the internet if it can leave."""
    routes = user_routes(table)
    name = str(subnet.get("name"))
    reachable = frozenset(endpoint for endpoint, members in local.items()
                          if members and not all(dropped(m, routes, vnet_len) for m in members))
    rules = [Rule(f"azure:route/{name}#vnet-local", "allow", reachable)]
    exit_id = internet_exit(subnet, table, public_ip)
    if exit_id is not None:
        rules.append(Rule(exit_id, "allow", frozenset({INTERNET})))
    return Filter(f"azure:route/{name}", "union", tuple(rules))
