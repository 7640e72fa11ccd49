"""GCP route selection (docs/cloud-semantics.md 2.3, docs/verifier.md): each destination takes its
most specific route, then the lowest priority value; only a route to the default internet gateway
reaches the internet or a Google APIs VIP. Each rule is checked with its negation, on edits of the
deployed ai-platform snapshot (serving is the one segment with intended internet egress)."""

from __future__ import annotations

import copy

import pytest

from infra.ports import PortSet
from infra.reach import INTERNET
from infra.verify import Finding, verify
from providers.gcp.observe.normalize import VIPS, normalize
from providers.gcp.observe.routes import Routing
from tests.gcp.conftest import Deployed

P = "ai-platform-prod"
GATEWAY = "https://www.googleapis.com/compute/v1/projects/ai-platform-prod/global/gateways/default-internet-gateway"
DIVERTED = "BH-GCP-INTERNET-ROUTE-DIVERTED"
NOT_FOLLOWED = "BH-GCP-ROUTE-NOT-FOLLOWED"
# Every next hop GCP offers besides the default internet gateway and the network's own subnets.
ELSEWHERE = {
    "nextHopIp": "10.20.7.5",
    "nextHopInstance": f"https://www.googleapis.com/compute/v1/projects/{P}/zones/us-central1-a/instances/fw",
    "nextHopIlb": f"https://www.googleapis.com/compute/v1/projects/{P}/regions/us-central1/forwardingRules/fw-ilb",
    "nextHopVpnTunnel": f"https://www.googleapis.com/compute/v1/projects/{P}/regions/us-central1/vpnTunnels/t1",
    "nextHopPeering": "peer-to-hub",
    "nextHopHub": "https://networkconnectivity.googleapis.com/v1/projects/p/locations/global/hubs/h",
}


@pytest.fixture
def snap(deployed: dict[str, Deployed]) -> dict:
    return copy.deepcopy(deployed["ai-platform"].snapshot)


def findings(deployed: dict[str, Deployed], snapshot: dict) -> list[Finding]:
    model = deployed["ai-platform"].model
    return list(verify(model, normalize(snapshot, model)).findings)


def paths(found: list[Finding]) -> set[tuple[str, str | None, str | None]]:
    return {(f.kind, f.src, f.dst) for f in found if f.kind != "posture"}


def checks(found: list[Finding]) -> set[tuple[str | None, tuple[str, ...]]]:
    return {(f.check, f.evidence) for f in found if f.kind == "posture"}


def routes(snapshot: dict) -> list[dict]:
    return snapshot[f"{P}/routes.json"]["items"]


def default_route(snapshot: dict) -> dict:
    [route] = [r for r in routes(snapshot) if r["destRange"] == "0.0.0.0/0"]
    return route


def add_route(snapshot: dict, name: str, dest: str, priority: int = 1000, tags: tuple[str, ...] = (),
              **hop: str) -> None:
    network = snapshot[f"{P}/networks.json"]["items"][0]["selfLink"]
    routes(snapshot).append({"name": name, "network": network, "destRange": dest, "priority": priority,
                             "tags": list(tags), **(hop or {"nextHopGateway": GATEWAY})})


def test_the_deployed_network_reaches_the_internet_by_the_default_route(deployed, snap) -> None:
    assert findings(deployed, snap) == []


@pytest.mark.parametrize("hop", sorted(ELSEWHERE))
def test_a_default_route_to_any_other_next_hop_does_not_reach_the_internet(deployed, snap, hop) -> None:
    route = default_route(snap)
    del route["nextHopGateway"]
    route[hop] = ELSEWHERE[hop]
    found = findings(deployed, snap)
    assert paths(found) == {("missing-path", "serving", "internet")}  # the APIs keep their own /30 route
    [missing] = [f for f in found if f.kind == "missing-path"]
    assert missing.ports == PortSet.single(443) and missing.evidence == (f"gcp:route/{route['name']}",)
    assert checks(found) == {(DIVERTED, (f"gcp:route/{route['name']}",))}


def test_two_halves_to_an_appliance_beat_the_default_route(deployed, snap) -> None:
    """The red-team hijack: 0.0.0.0/1 and 128.0.0.0/1 are more specific than 0.0.0.0/0."""
    add_route(snap, "lpm0", "0.0.0.0/1", nextHopIp="10.20.7.5")
    add_route(snap, "lpm1", "128.0.0.0/1", nextHopIp="10.20.7.5")
    found = findings(deployed, snap)
    assert paths(found) == {("missing-path", "serving", "internet")}
    [missing] = [f for f in found if f.kind == "missing-path"]
    assert set(missing.evidence) <= {"gcp:route/lpm0", "gcp:route/lpm1"} and missing.evidence
    assert checks(found) == {(DIVERTED, ("gcp:route/lpm0",)), (DIVERTED, ("gcp:route/lpm1",))}
    default = default_route(snap)["name"]
    assert all(f"gcp:route/{default}" not in f.evidence for f in found)  # it carries nothing left


@pytest.mark.parametrize("specific", ["0.0.0.0/1", "8.8.8.0/24", "34.1.2.3/32"])
def test_a_more_specific_route_to_the_gateway_still_reaches_the_internet(deployed, snap, specific) -> None:
    """Under a default route to an appliance, any public address still routed to the gateway leaves."""
    route = default_route(snap)
    del route["nextHopGateway"]
    route["nextHopIp"] = "10.20.7.5"
    add_route(snap, "to-gateway", specific)
    found = findings(deployed, snap)
    assert paths(found) == set()
    assert checks(found) == {(DIVERTED, (f"gcp:route/{route['name']}",))}


def test_a_more_specific_route_to_an_appliance_for_part_of_the_internet_leaves_the_rest_open(deployed, snap) -> None:
    add_route(snap, "part-to-fw", "0.0.0.0/1", nextHopIp="10.20.7.5")
    found = findings(deployed, snap)
    assert paths(found) == set()  # 128.0.0.0/1 still leaves by the default route
    assert checks(found) == {(DIVERTED, ("gcp:route/part-to-fw",))}


@pytest.mark.parametrize("hop", sorted(set(ELSEWHERE) - {"nextHopPeering"}))
def test_a_private_range_to_another_next_hop_leaves_the_internet_paths_alone(deployed, snap, hop) -> None:
    add_route(snap, "to-onprem", "10.99.0.0/16", **{hop: ELSEWHERE[hop]})
    found = findings(deployed, snap)
    assert paths(found) == set()
    assert checks(found) == {(NOT_FOLLOWED, ("gcp:route/to-onprem",))}


def test_a_peering_route_to_a_private_range_is_left_to_the_peering_finding(deployed, snap) -> None:
    add_route(snap, "peering-route-1", "10.99.0.0/16", nextHopPeering="peer-to-hub")
    assert findings(deployed, snap) == []


@pytest.mark.parametrize(("priority", "diverted"), [(999, True), (1001, False)])
def test_between_equal_ranges_the_lower_priority_value_wins(deployed, snap, priority, diverted) -> None:
    add_route(snap, "fw-default", "0.0.0.0/0", priority=priority, nextHopIlb=ELSEWHERE["nextHopIlb"])
    found = findings(deployed, snap)
    assert paths(found) == ({("missing-path", "serving", "internet")} if diverted else set())
    assert checks(found) == {(DIVERTED if diverted else NOT_FOLLOWED, ("gcp:route/fw-default",))}


def test_equal_range_and_priority_share_the_traffic_so_the_internet_stays_reachable(deployed, snap) -> None:
    add_route(snap, "fw-default", "0.0.0.0/0", nextHopIp="10.20.7.5")
    found = findings(deployed, snap)
    assert paths(found) == set()
    assert checks(found) == {(DIVERTED, ("gcp:route/fw-default",))}


def test_a_tagged_route_to_an_appliance_diverts_only_tagged_instances(deployed, snap) -> None:
    """Untagged workloads keep the default route: the internet stays reachable, the route is reported."""
    add_route(snap, "tagged-fw", "0.0.0.0/1", tags=("inspect",), nextHopIp="10.20.7.5")
    add_route(snap, "tagged-fw2", "128.0.0.0/1", tags=("inspect",), nextHopIp="10.20.7.5")
    found = findings(deployed, snap)
    assert paths(found) == set()
    assert checks(found) == {(DIVERTED, ("gcp:route/tagged-fw",)), (DIVERTED, ("gcp:route/tagged-fw2",))}
    assert all("instances tagged inspect" in f.message for f in found)


def test_a_tagged_route_to_the_gateway_may_give_any_segment_the_internet(deployed, snap) -> None:
    """Tags are on instances, which may sit in any segment: a tagged gateway route counts (open side)."""
    route = default_route(snap)
    del route["nextHopGateway"]
    route["nextHopIp"] = "10.20.7.5"
    add_route(snap, "tagged-out", "0.0.0.0/0", priority=10, tags=("web",))
    filt = Routing(route["network"], routes(snap), VIPS).filter()
    assert [r.id for r in filt.rules if INTERNET in (r.peers or ())] == ["gcp:route/tagged-out"]
    assert paths(findings(deployed, snap)) == set()


def test_a_tagged_route_applies_only_with_its_tag(deployed, snap) -> None:
    """Negation: the tagged gateway route does not count for the untagged table, whose /1s win."""
    add_route(snap, "lpm0", "0.0.0.0/1", nextHopIp="10.20.7.5")
    add_route(snap, "lpm1", "128.0.0.0/1", nextHopIp="10.20.7.5")
    add_route(snap, "tagged-out", "0.0.0.0/0", priority=10, tags=("web",))  # less specific than the /1s
    assert paths(findings(deployed, snap)) == {("missing-path", "serving", "internet")}


def test_an_appliance_route_for_the_restricted_vip_closes_the_apis_through_it(deployed, snap) -> None:
    """The /30 is more specific than 0.0.0.0/0: the restricted VIP's traffic goes to the appliance, and
    the build allows no other VIP, so every declared service is missing (the internet is not)."""
    [vip] = [r for r in routes(snap) if r["destRange"] == "199.36.153.4/30"]
    del vip["nextHopGateway"]
    vip["nextHopIp"] = "10.20.7.5"
    model = deployed["ai-platform"].model
    declared = {(row.src, row.dst) for row in verify(model, normalize(deployed["ai-platform"].snapshot, model)).paths
                if row.intended and row.dst.startswith("service:")}
    found = findings(deployed, snap)
    assert declared and paths(found) == {("missing-path", src, dst) for src, dst in declared}
    assert checks(found) == {(DIVERTED, (f"gcp:route/{vip['name']}",))}
    assert "the Google APIs VIP 199.36.153.4/30" in next(f.message for f in found if f.kind == "posture")


def test_the_default_route_reaches_the_apis_vips_without_their_own_route(deployed, snap) -> None:
    """Negation: without the /30, 0.0.0.0/0 to the gateway is the most specific route for both VIPs."""
    snap[f"{P}/routes.json"]["items"] = [r for r in routes(snap) if r["destRange"] != "199.36.153.4/30"]
    assert findings(deployed, snap) == []


@pytest.mark.parametrize(("vip", "priority", "hop", "open_"), [
    ("199.36.153.8/30", 1000, {}, True),
    ("199.36.153.8/30", 1000, {"nextHopIp": "10.20.7.5"}, False),
    ("199.36.153.4/30", 999, {"nextHopIp": "10.20.7.5"}, False),  # beats the build's /30 at 1000
    ("199.36.153.4/30", 1000, {"nextHopIp": "10.20.7.5"}, True),  # tied with it: they share the traffic
])
def test_each_vip_is_reached_by_its_own_most_specific_route(snap, vip, priority, hop, open_) -> None:
    add_route(snap, "vip-route", vip, priority=priority, **hop)
    network = default_route(snap)["network"]
    filt = Routing(network, routes(snap), VIPS).filter()
    allowed = {p for r in filt.rules if r.action == "allow" for p in r.peers or ()}
    assert (f"gcp:vip/{vip}" in allowed) is open_
    assert INTERNET in allowed  # no VIP route touches the internet's addresses


def test_a_subnet_route_is_never_beaten_by_a_static_route(snap) -> None:
    """Subnet routes are evaluated first: a public range used privately by a subnet stays local even
    when a more specific static route names it (the static route then carries nothing)."""
    network = default_route(snap)["network"]
    add_route(snap, "pupi-subnet", "34.0.0.0/16", nextHopNetwork=network)
    add_route(snap, "pupi-more-specific", "34.0.1.0/24")
    routing = Routing(network, routes(snap), VIPS)
    assert "pupi-more-specific" not in {s.route["name"] for s in routing.selected}
    assert "pupi-subnet" in {s.route["name"] for s in routing.selected}
