"""Azure NSGs -> ordered first-match filters, one per NSG, direction and local member.

An NSG rule matches a packet when its local side (destination for inbound, source for
outbound) names the member the NSG protects and its remote side names the peer. Rules run
by priority, first match wins; the six default rules are always there (from the snapshot's
`defaultSecurityRules`, else Azure's documented set). Protocol `*` with ports covers tcp and
udp on those ports, and (for an allow only, to stay on the open side) every ICMP type; Esp
and Ah carry none of tcp, udp or icmp. A rule limited to some source ports may still match
some connections, so an allow counts and a deny does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.ports import PortSet, Protocol
from infra.reach import Filter, Rule
from providers.azure.observe.selectors import Member, Universe, covers, overlaps, rule_items

Json = dict[str, Any]
# Azure's default rules (network-security-groups-overview), for snapshots that lack them.
DEFAULT_RULES: tuple[Json, ...] = tuple(
    {"name": name, "properties": {"priority": priority, "direction": direction, "access": access, "protocol": "*",
                                  "sourceAddressPrefix": src, "destinationAddressPrefix": dst,
                                  "sourcePortRange": "*", "destinationPortRange": "*"}}
    for name, priority, direction, access, src, dst in (
        ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
        ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
        ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
        ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
        ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
        ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*")))


def ordered_rules(nsg: Json, direction: str) -> list[tuple[str, Json]]:
    """(evidence id, rule) for one direction, custom then default, by priority (deny first on a tie)."""
    props = nsg.get("properties") or {}
    name = nsg.get("name", "?")
    defaults = props.get("defaultSecurityRules") or list(DEFAULT_RULES)
    found = [(f"azure:nsg/{name}#{r.get('name')}", r) for r in props.get("securityRules") or []]
    found += [(f"azure:default/{name}#{r.get('name')}", r) for r in defaults]
    mine = [(rid, r) for rid, r in found if str(r.get("properties", {}).get("direction", "")).lower()
            == direction.lower()]
    return sorted(mine, key=lambda x: (int(x[1]["properties"].get("priority", 65535)),
                                       str(x[1]["properties"].get("access", "")).lower() != "deny"))


def nsg_filter(nsg: Json, direction: str, member: Member, universe: Universe) -> Filter:
    """The NSG as seen by `member` in `direction` ("Inbound" or "Outbound")."""
    local, remote = ("destination", "source") if direction == "Inbound" else ("source", "destination")
    rules: list[Rule] = []
    for rule_id, rule in ordered_rules(nsg, direction):
        props = rule.get("properties") or {}
        allow = str(props.get("access", "")).lower() == "allow"
        local_items = rule_items(props, local)
        if not (overlaps(local_items, member) if allow else covers(local_items, member)):
            continue
        if not allow and not _all_ports(props, "source"):
            continue
        peers = universe.peers(rule_items(props, remote), allow)
        if peers is not None and not peers:
            continue
        rules += [Rule(rule_id, "allow" if allow else "deny", peers, protocol, ports)
                  for protocol, ports in _traffic(props, allow)]
        if peers is None and rules[-1:] and rules[-1].protocol is None and rules[-1].ports is None:
            break  # matches everything: later rules (Azure's defaults behind a deny-all) never run
    return Filter(f"azure:nsg/{nsg.get('name')}/{direction.lower()}", "ordered", tuple(rules))


def _all_ports(props: Mapping[str, Any], side: str) -> bool:
    ranges = _ranges(props, side)
    return ranges is None


def _ranges(props: Mapping[str, Any], side: str) -> PortSet | None:
    """The union of `<side>PortRange` and `<side>PortRanges`; None for every port."""
    raw = [props.get(f"{side}PortRange")] + list(props.get(f"{side}PortRanges") or [])
    values = [str(v).strip() for v in raw if v not in (None, "")]
    if not values or "*" in values:
        return None
    ranges = []
    for value in values:
        for piece in value.split(","):
            lo, _, hi = piece.strip().partition("-")
            ranges.append((int(lo), int(hi or lo)))
    found = PortSet.of(ranges)
    return None if found == PortSet.full("tcp") else found


def _traffic(props: Mapping[str, Any], allow: bool) -> list[tuple[Protocol | None, PortSet | None]]:
    protocol = str(props.get("protocol", "*")).lower()
    ports = _ranges(props, "destination")
    if protocol in ("*", "any"):
        if ports is None:
            return [(None, None)]
        both: list[tuple[Protocol | None, PortSet | None]] = [("tcp", ports), ("udp", ports)]
        return both + ([("icmp", None)] if allow else [])
    if protocol == "icmp":
        return [("icmp", None)]
    if protocol == "tcp":
        return [("tcp", ports)]
    if protocol == "udp":
        return [("udp", ports)]
    return []  # Esp, Ah: none of the protocols paths are made of
