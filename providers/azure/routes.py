"""Azure routing as a union filter on the sending side: where a subnet's packets can go.

System routes are not in the snapshot (ARM does not list them), so they are rebuilt here:
the VNet's own prefixes are delivered locally, 0.0.0.0/0 goes to the Internet. A user route
(UDR) wins on an equal or longer prefix: next hop `None` drops the traffic; a virtual
appliance or gateway for 0.0.0.0/0 takes internet traffic away from NAT, public IPs and
default outbound access. Leaving for the internet also needs an outbound method: the
subnet's NAT gateway, the NIC's public IP, or default outbound access (on unless the
subnet says `defaultOutboundAccess: false`).
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

from infra.reach import INTERNET, Filter, Rule
from providers.azure.selectors import Member

Json = dict[str, Any]
AWAY_FROM_INTERNET = {"none", "virtualappliance", "virtualnetworkgateway"}


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


def dropped(member: Member, routes: list[tuple[IPv4Network, str, str]], vnet_len: int) -> bool:
    """Every address of the member is sent to `None` by a UDR that beats the VNet's system route."""
    if not member.addresses:
        return False
    return all(any(a.subnet_of(prefix) and prefix.prefixlen >= vnet_len and hop == "none"
                   for prefix, hop, _ in routes) for a in member.addresses)


def internet_exit(subnet: Json, table: Json | None, public_ip: str | None) -> str | None:
    """The evidence id of the way out to the internet, or None when there is none."""
    props = subnet.get("properties") or {}
    default = [r for r in user_routes(table) if r[0].prefixlen == 0]
    if default and default[0][1] in AWAY_FROM_INTERNET:
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
