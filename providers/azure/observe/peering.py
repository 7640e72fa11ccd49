"""VNet peering: the peer becomes an endpoint, `peer:<vnet>`, whose inside bulkhead does not see.

A connected peering with virtual network access (docs/cloud-semantics.md 3.1 and section 6:
"VNet peering extends `VirtualNetwork` to the peer's address space") delivers the peer's
address space locally (a system route) and puts it in the `VirtualNetwork` service tag. So
the peer is one more member of the universe: its address space, inside the VNet tag. It has
no filters of its own here (its NSGs are another network's, not collected): whatever the
model's NSGs let through to or from it is a path, always unintended, since a model has no
peers. Each peering is also a posture finding: the proof ends at the peer.

A peering that is not `Connected`, or that denies virtual network access, carries nothing.
"""

from __future__ import annotations

from ipaddress import IPv4Network

from infra.reach import INTERNET, Filter, Posture, Rule, Side
from providers.azure.observe import checks
from providers.azure.observe.selectors import Member
from providers.azure.observe.state import Json, props, ref

PEER_PREFIX = "peer:"
# A peer whose address space the snapshot lacks may hold any private range.
UNKNOWN_SPACE = tuple(IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))


def peerings(vnets: list[Json]) -> list[tuple[Json, Json]]:
    """(vnet, peering) for every connected peering that grants virtual network access."""
    found = []
    for vnet in vnets:
        for peering in props(vnet).get("virtualNetworkPeerings") or []:
            p = props(peering)
            if str(p.get("peeringState", "Connected")).lower() != "connected":
                continue
            if p.get("allowVirtualNetworkAccess") is False:
                continue
            found.append((vnet, peering))
    return found


def peer_name(peering: Json) -> str:
    remote = ref(props(peering).get("remoteVirtualNetwork"))
    return PEER_PREFIX + (remote.rsplit("/", 1)[-1] if remote else str(peering.get("name", "?")).lower())


def peer_members(vnets: list[Json]) -> dict[str, tuple[Member, ...]]:
    out: dict[str, tuple[Member, ...]] = {}
    for _, peering in peerings(vnets):
        p = props(peering)
        space = (p.get("remoteAddressSpace") or p.get("remoteVirtualNetworkAddressSpace") or {}).get(
            "addressPrefixes") or []
        addresses = []
        for prefix in space:
            try:
                addresses.append(IPv4Network(str(prefix), strict=False))
            except ValueError:
                continue  # IPv6: no bulkhead endpoint lives there
        name = peer_name(peering)
        out[name] = out.get(name, ()) + (Member(f"azure:peering/{peering.get('name')}",
                                                tuple(addresses) or UNKNOWN_SPACE, in_vnet=True),)
    return out


def peering_posture(vnets: list[Json]) -> list[Posture]:
    return [checks.VNET_PEERED.posture(
        str(peering.get("id") or f"azure:peering/{peering.get('name')}"),
        f"virtual network {vnet.get('name')} is peered with {peer_name(peering)[len(PEER_PREFIX):]} "
        f"(peering {peering.get('name')}): paths to it are reported as {peer_name(peering)}, but what the peer "
        "itself allows is not verified")
        for vnet, peering in peerings(vnets)]


def peer_side(name: str, peering_id: str, others: frozenset[str]) -> Side:
    """The peer's side: no NSG of its own is known, so it sends and receives anything, except to
    and from the internet or another peer (a peering is no transit: docs/cloud-semantics.md 1.3)."""
    beyond = Filter(peering_id, "ordered", (Rule(f"{peering_id}#no-transit", "deny", frozenset({INTERNET, *others})),
                                            Rule(peering_id, "allow", None)))
    return Side(peering_id, (beyond,), (beyond,))
