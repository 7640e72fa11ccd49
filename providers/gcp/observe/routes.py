"""GCP routing: which route each destination takes, and whether that reaches the internet or the APIs.

GCP sends a packet by the single best route of the sending VM's routing table (docs/cloud-semantics.md
2.3): subnet routes first, then the most specific destination range, then the lowest priority value;
routes still tied share the traffic (ECMP). A route with `tags` is in the table of the instances that
carry one of them only.

Traffic reaches the internet, or a Google APIs VIP, only where the route selected for some of its
addresses has next hop `default-internet-gateway`. A route selected for public or VIP addresses that
goes anywhere else (`nextHopIp`, `nextHopInstance`, `nextHopIlb`, `nextHopVpnTunnel`,
`nextHopPeering`, `nextHopHub`, ...) takes that traffic away: bulkhead does not follow it, so the
path through it is not proven (an intended one is missing) and the route is a posture finding.

Tags are on instances, which bulkhead does not collect, so every tag is taken as possibly carried
by any segment's workloads, the way firewall tags are (docs/verifier.md): the internet stays
reachable while some routing table, the untagged routes alone or with one tag's routes, selects the
gateway for some public address. (A VM with several tags adds nothing: the gateway route that wins
in its table also wins in the table of the tag that brought it.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any

from infra.reach import INTERNET, Filter, Posture, Rule
from providers.gcp.observe import checks, labels
from providers.gcp.observe.ranges import INTERNET as INTERNET_RANGE
from providers.gcp.observe.ranges import Addresses, addresses
from providers.gcp.services import DEFAULT_INTERNET_GATEWAY

Json = dict[str, Any]
# Next hops bulkhead does not follow (anything but the gateway and the network's own subnets).
NEXT_HOPS = ("nextHopIp", "nextHopInstance", "nextHopIlb", "nextHopVpnTunnel", "nextHopPeering", "nextHopHub",
             "nextHopInterconnectAttachment")


@dataclass(frozen=True)
class Selected:
    """A route and the addresses it carries in one routing table (`tag` None: the untagged routes)."""

    route: Json
    tag: str | None
    taken: Addresses


def is_gateway(route: Json) -> bool:
    return str(route.get("nextHopGateway") or "").endswith(f"/{DEFAULT_INTERNET_GATEWAY}")


def next_hop(route: Json) -> str:
    """The route's next hop in words, for messages: `nextHopIp 10.20.7.5`, `nextHopInstance fw`."""
    for key in ("nextHopGateway", *NEXT_HOPS):
        if route.get(key):
            return f"{key} {str(route[key]).rsplit('/', 1)[-1]}"
    return "no next hop bulkhead knows"


class Routing:
    """The routes of one network, selected destination by destination."""

    def __init__(self, network: str, routes: list[Json], vips: dict[str, Addresses]):
        self.network = network
        self.routes = sorted((r for r in routes if r.get("network") == network), key=lambda r: r["name"])
        self.targets = {INTERNET: INTERNET_RANGE, **vips}
        space = _union([INTERNET_RANGE, *vips.values()])
        untagged = [r for r in self.routes if not r.get("tags")]
        tags = sorted({t for r in self.routes for t in r.get("tags") or ()})
        self.selected = [*_select(untagged, space, None),
                         *(s for tag in tags
                           for s in _select(untagged + [r for r in self.routes if tag in (r.get("tags") or ())],
                                            space, tag))]

    def filter(self) -> Filter:
        """Ordered filter over the internet and each VIP: the gateway routes selected for some of its
        addresses allow it; where none is, the routes that took its traffic elsewhere deny it (so a
        missing path names them)."""
        allows: dict[str, set[str]] = {}
        denies: dict[str, set[str]] = {}
        for peer, space in self.targets.items():
            carrying = [s for s in self.selected if s.taken & space]
            through_gateway = [s for s in carrying if is_gateway(s.route)]
            for s in through_gateway or carrying:
                (allows if through_gateway else denies).setdefault(s.route["name"], set()).add(peer)
        rules = [Rule(f"gcp:route/{name}", "allow", frozenset(peers)) for name, peers in sorted(allows.items())]
        rules += [Rule(f"gcp:route/{name}", "deny", frozenset(peers)) for name, peers in sorted(denies.items())]
        return Filter(f"gcp:routes/{labels.short_id(self.network)}", "ordered", tuple(rules))

    def posture(self) -> list[Posture]:
        """Routes to next hops bulkhead does not follow: those selected for public or VIP addresses
        (`BH-GCP-INTERNET-ROUTE-DIVERTED`), and any other (`BH-GCP-ROUTE-NOT-FOLLOWED`) except
        peering routes, which the peering's own finding covers."""
        out = []
        net = self.network.rsplit("/", 1)[-1]
        diverted = {s.route["name"] for s in self.selected if not is_gateway(s.route) and s.taken}
        for route in self.routes:
            if is_gateway(route) or _is_subnet_route(route):
                continue
            rid = f"gcp:route/{route['name']}"
            scope = f"instances tagged {', '.join(route['tags'])}" if route.get("tags") else "every instance"
            what = f"route {route['name']} of network {net} sends {route.get('destRange')} ({scope}) to " \
                   f"{next_hop(route)}"
            if route["name"] in diverted:
                taken = _union(s.taken for s in self.selected if s.route is route)
                reached = [_target(p) for p, space in self.targets.items() if taken & space]
                out.append(checks.INTERNET_ROUTE_DIVERTED.posture(
                    rid, f"{what}: it is the most specific route for {' and '.join(reached)}, so that traffic "
                    "goes there instead of the default internet gateway; bulkhead does not follow it, so no path "
                    "through it is proven and what the next hop does with the traffic is unverified", (rid,)))
            elif not route.get("nextHopPeering"):
                out.append(checks.ROUTE_NOT_FOLLOWED.posture(
                    rid, f"{what}; bulkhead does not follow traffic beyond it, so whatever it reaches there is "
                    "unverified", (rid,)))
        return out


def _is_subnet_route(route: Json) -> bool:
    return bool(route.get("nextHopNetwork")) or route.get("routeType") == "SUBNET"


def _select(routes: list[Json], space: Addresses, tag: str | None) -> list[Selected]:
    """What each route of one routing table carries of `space`: subnet routes first, then the
    longest prefix, then the lowest priority; routes still tied share what they cover."""
    keyed = []
    for route in routes:
        try:
            net = IPv4Network(str(route.get("destRange", "")), strict=False)
        except ValueError:
            continue  # an IPv6 route carries none of bulkhead's IPv4 traffic
        rank = (0 if _is_subnet_route(route) else 1, -net.prefixlen, int(route.get("priority", 1000)))
        keyed.append((rank, route, addresses([net])))
    out: list[Selected] = []
    left = space
    for rank in sorted({k[0] for k in keyed}):
        group = [(route, dest) for k, route, dest in keyed if k == rank]
        claimed = addresses([])
        for route, dest in group:
            taken = left & dest
            if taken:
                out.append(Selected(route, tag, taken))
                claimed = claimed | taken
        left = left - claimed
    return out


def _union(parts: Iterable[Addresses]) -> Addresses:
    found = addresses([])
    for part in parts:
        found = found | part
    return found


def _target(peer: str) -> str:
    """`internet` or `gcp:vip/<range>` in words."""
    return "public addresses (the internet)" if peer == INTERNET else \
        f"the Google APIs VIP {peer.removeprefix('gcp:vip/')}"
