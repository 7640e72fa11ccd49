"""VPC Network Peering: the peer network becomes an endpoint, `peer:<network>`.

An ACTIVE peering exchanges subnet routes (docs/cloud-semantics.md section 6: "the peer's
ranges are reachable wherever firewall rules allow them"), so a firewall rule naming the
peer's ranges opens a path to or from it. Network tags and service accounts never match
across a peering (2.1), so only ranges name a peer. The peer's own firewall belongs to
another network and is not evaluated: whatever the model's rules let through is a path,
always unintended (a model has no peers), and each peering is a posture finding too.

The peer's ranges are its subnets when the snapshot holds them (same project), else any
private range outside the local network's own subnets (the peer may use any of them).
"""

from __future__ import annotations

from typing import Any

from infra.reach import INTERNET, Filter, Posture, Rule, Side
from providers.gcp.observe import checks
from providers.gcp.observe.firewalls import Place
from providers.gcp.observe.ranges import Addresses, addresses

Json = dict[str, Any]
PEER_PREFIX = "peer:"
PRIVATE = addresses(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"])


def active_peerings(networks: list[Json], places: tuple[Place, ...]) -> list[tuple[Json, Json]]:
    """(network, peering) for the ACTIVE peerings of the networks the places sit in."""
    mine = {p.network for p in places}
    return [(net, peering) for net in networks if net.get("selfLink") in mine
            for peering in net.get("peerings") or [] if str(peering.get("state", "ACTIVE")).upper() == "ACTIVE"]


def peer_name(peering: Json) -> str:
    return PEER_PREFIX + str(peering.get("network") or peering.get("name") or "?").rstrip("/").rsplit("/", 1)[-1]


def peer_ranges(networks: list[Json], subnets: list[Json], places: tuple[Place, ...]) -> dict[str, Addresses]:
    own = addresses([])
    for place in places:
        own = own | place.block
    out: dict[str, Addresses] = {}
    for _, peering in active_peerings(networks, places):
        link = str(peering.get("network", ""))
        known = [s["ipCidrRange"] for s in subnets if s.get("network") == link and s.get("ipCidrRange")]
        name = peer_name(peering)
        out[name] = out.get(name, addresses([])) | (addresses(known) if known else PRIVATE - own)
    return out


def peering_posture(networks: list[Json], places: tuple[Place, ...]) -> list[Posture]:
    return [checks.VPC_PEERED.posture(
        f"gcp:network/{net.get('name')}#peering/{peering.get('name')}",
        f"network {net.get('name')} is peered with {peer_name(peering)[len(PEER_PREFIX):]} (peering "
        f"{peering.get('name')}): paths to it are reported as {peer_name(peering)}, but what the peer's own "
        "firewall allows is not verified")
        for net, peering in active_peerings(networks, places)]


def peer_side(name: str, others: frozenset[str]) -> Side:
    """The peer's side: its firewall is another network's, so it sends and receives anything,
    except to another peer (peering is not transitive); the internet is no side on GCP."""
    fid = f"gcp:peering/{name[len(PEER_PREFIX):]}"
    beyond = Filter(fid, "ordered", (Rule(f"{fid}#no-transit", "deny", frozenset({INTERNET, *others})),
                                     Rule(fid, "allow", None)))
    return Side(fid, (beyond,), (beyond,))
