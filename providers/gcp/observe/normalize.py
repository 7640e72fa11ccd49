"""Raw GCP snapshot -> infra.reach.Network (pure; all of GCP's semantics live here and in
firewalls.py / posture.py).

Segments are found by the JSON bulkhead writes into each subnet's description
(`bulkhead:model`, `bulkhead:segment`, `bulkhead:service-account`): GCP firewall rules have
no labels, so a segment is "the instances in its subnet running as its service account".
Each segment gets one side per subnet (egress and ingress firewall filters); the internet
and the Google APIs are reached through spelled-out chains:

  segment -> segment    egress(src) + ingress(dst)            (subnet routes always exist)
  internet -> segment   ingress(dst)
  segment -> internet   egress(src) + the routes selected for public addresses, when some
                        of them goes to the default internet gateway (routes.py)
  segment -> service:x  one chain per APIs VIP (restricted and private.googleapis.com):
                        egress(src) toward that VIP + the route selected for it going to the
                        default internet gateway + Private Google Access
                        on the subnet + an IAM role for x on the segment's service account

A peered network is an endpoint `peer:<network>` with no filters of its own (peering.py).

Internet paths need no Cloud NAT or external IP here: any workload can be given an external
IP, so bulkhead proves the firewall and routes (missing NAT is a posture finding instead).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from infra.model import SERVICES, Model
from infra.reach import INTERNET, SERVICE_PREFIX, Filter, Network, Rule, Side, Step
from infra.snapshot import Snapshot
from providers.gcp.observe import labels, posture
from providers.gcp.observe.exposures import exposures
from providers.gcp.observe.firewalls import Place, Surroundings, evaluation_order, segment_filter
from providers.gcp.observe.peering import peer_ranges, peer_side, peering_posture
from providers.gcp.observe.ranges import addresses
from providers.gcp.observe.routes import Routing
from providers.gcp.services import API_VIPS, services_of_role

Json = dict[str, Any]
SERVICE_ENDPOINTS = tuple(SERVICE_PREFIX + s for s in SERVICES)
# What firewall rules and routes toward each Google APIs VIP name (a Step's peer, not an endpoint):
# the APIs are reached through either, so each VIP is its own alternative chain.
VIPS = {f"gcp:vip/{vip}": addresses([vip]) for vip in API_VIPS}


def items(snapshot: Snapshot, pattern: str) -> list[Json]:
    """Every item of every file matching `<project>/<pattern>` (pages were merged by collect)."""
    out: list[Json] = []
    for name in sorted(snapshot):
        if fnmatch.fnmatch(name.rsplit("/", 1)[-1], pattern):
            out.extend(snapshot[name].get("items", []))
    return out


def find_places(subnets: list[Json], model: Model | None) -> tuple[Place, ...]:
    places = []
    for sub in subnets:
        found = labels.read_description(sub.get("description"))
        if model is not None:
            segment = found.get(labels.SEGMENT_KEY)
            if found.get(labels.MODEL_KEY) != model.name or segment not in model.segments:
                continue
        else:
            segment = found.get(labels.SEGMENT_KEY) or sub["name"]
        ranges = [sub["ipCidrRange"]] + [r["ipCidrRange"] for r in sub.get("secondaryIpRanges") or []]
        places.append(Place(segment, sub["name"], addresses(ranges), found.get(labels.ACCOUNT_KEY),
                            sub.get("network", "")))
    return tuple(sorted(places, key=lambda p: (p.segment, p.subnet)))


def normalize(snapshot: Snapshot, model: Model | None) -> Network:
    subnets = items(snapshot, "subnetworks-*.json")
    places = find_places(subnets, model)
    networks = items(snapshot, "networks.json")
    peers = peer_ranges(networks, subnets, places)
    around = Surroundings(places, SERVICE_ENDPOINTS, VIPS, peers)
    firewalls = evaluation_order(items(snapshot, "firewalls.json"))
    cache: dict[str, tuple[Rule, ...]] = {}
    routes = items(snapshot, "routes.json")
    routing = {net: Routing(net, routes, VIPS) for net in sorted({p.network for p in places})}
    route_filters = {net: r.filter() for net, r in routing.items()}
    iam = _iam_bindings(snapshot)
    # A peer has no filters here: its firewall is another network's (peering.py).
    sides: dict[str, tuple[Side, ...]] = {peer: (peer_side(peer, frozenset(peers) - {peer}),) for peer in peers}
    chains: dict[tuple[str, str], tuple[tuple[Step, ...], ...]] = {}
    by_subnet = {s["name"]: s for s in subnets}
    for place in places:
        egress = segment_filter(place, "EGRESS", firewalls, around, cache)
        ingress = segment_filter(place, "INGRESS", firewalls, around, cache)
        sides[place.segment] = sides.get(place.segment, ()) + (
            Side(f"gcp:subnet/{place.subnet}", egress=(egress,), ingress=(ingress,), multiple=True),)
        route_filter = route_filters[place.network]
        _add(chains, (INTERNET, place.segment), (Step(ingress, INTERNET),))
        _add(chains, (place.segment, INTERNET), (Step(egress, INTERNET), Step(route_filter, INTERNET)))
        google = (_access_filter(by_subnet[place.subnet]), _iam_filter(place, iam))
        for service in SERVICE_ENDPOINTS:
            for vip in VIPS:
                _add(chains, (place.segment, service), (Step(egress, vip), Step(route_filter, vip))
                     + tuple(Step(f, service) for f in google))
    found = exposures(items(snapshot, "instances.json"), places, firewalls, around) if model is None else ()
    return Network(cloud="gcp", endpoints=(*_endpoints(places, model), *sorted(peers)), chains=chains, sides=sides,
                   posture=(*posture.findings(snapshot, places, model), *peering_posture(networks, places),
                            *(p for r in routing.values() for p in r.posture())),
                   exposures=found)


def _add(chains: dict, pair: tuple[str, str], chain: tuple[Step, ...]) -> None:
    chains[pair] = chains.get(pair, ()) + (chain,)


def _endpoints(places: tuple[Place, ...], model: Model | None) -> tuple[str, ...]:
    if model is not None:
        segments = [s for s in model.segments if "gcp" in model.placement(s)]
    else:
        segments = sorted({p.segment for p in places})
    return (*segments, INTERNET, *SERVICE_ENDPOINTS)


def _access_filter(subnet: Json) -> Filter:
    rid = f"gcp:subnet/{subnet['name']}#privateIpGoogleAccess"
    rules = (Rule(rid, "allow", frozenset(SERVICE_ENDPOINTS)),) if subnet.get("privateIpGoogleAccess") else ()
    return Filter(rid, "union", rules)


def _iam_bindings(snapshot: Snapshot) -> list[Json] | None:
    policies = [doc for name, doc in sorted(snapshot.items()) if name.endswith("/iam-policy.json")]
    if not policies:
        return None
    return [b for doc in policies for b in doc.get("bindings", [])]


def _iam_filter(place: Place, bindings: list[Json] | None) -> Filter:
    """Which APIs the segment's identity may use. Without a collected policy: all of them."""
    fid = f"gcp:iam/{place.account}"
    if bindings is None:
        return Filter(fid, "union", (Rule("gcp:iam/not-collected", "allow", frozenset(SERVICE_ENDPOINTS)),))
    member = f"serviceAccount:{place.account}"
    rules = []
    for binding in bindings:
        granted = services_of_role(binding.get("role", ""))
        if member in binding.get("members", []) and granted:  # conditional grants may apply: count them
            rules.append(Rule(f"gcp:iam/{binding['role']}", "allow",
                              frozenset(SERVICE_PREFIX + s for s in granted)))
    return Filter(fid, "union", tuple(rules))
