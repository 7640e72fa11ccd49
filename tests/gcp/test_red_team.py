"""Red team: tamperings the tamper tests do not cover, each judged against GCP's documented
behaviour (docs/cloud-semantics.md section 2 and gotchas 14-17).

Every case changes the deployed ai-platform project through google-cloud-compute (the
`tamper` fixture undoes it) and asserts either the finding with the rule that causes it, or
that nothing new appears when GCP still blocks the traffic. ai-platform on GCP: edge
10.20.1.0/24, serving .2, training .3, feature-store .4, vector-db .5, model-registry .6,
monitoring .7; the build seals each direction with deny-alls at 65000.
"""

from __future__ import annotations

from google.cloud import compute_v1

from infra.ports import PortSet
from infra.verify import Finding
from tests.gcp.conftest import Live
from tests.gcp.test_tamper import NET, SA, findings, insert, tcp, unintended


def kinds(found: list[Finding], kind: str) -> set[tuple[str | None, str | None, str | None]]:
    return {(f.src, f.dst, f.protocol) for f in found if f.kind == kind}


def one(found: list[Finding], kind: str, src: str, dst: str, protocol: str = "tcp") -> Finding:
    [match] = [f for f in found if (f.kind, f.src, f.dst, f.protocol) == (kind, src, dst, protocol)]
    return match


def delete(live: Live, name: str) -> None:
    c = live.clients()
    c["firewalls"].delete(project=c["project"], firewall=name).result()


def egress(live: Live, name: str, segment: str, ranges: list[str], allowed: list[compute_v1.Allowed],
           priority: int = 1000) -> None:
    insert(live, name=name, network=NET, direction="EGRESS", priority=priority, allowed=allowed,
           destination_ranges=ranges, target_service_accounts=[SA.format(segment)])


# --- protocols ------------------------------------------------------------------------------


def test_protocol_all_opens_every_protocol_and_port(tamper: Live) -> None:
    insert(tamper, name="open-all", network=NET, direction="INGRESS", priority=100,
           allowed=[compute_v1.Allowed(I_p_protocol="all")], source_ranges=["0.0.0.0/0"],
           target_service_accounts=[SA.format("feature-store")])
    found = findings(tamper)
    assert kinds(found, "unintended-path") == {("internet", "feature-store", p) for p in ("tcp", "udp", "icmp")}
    for protocol in ("tcp", "udp"):
        assert one(found, "unintended-path", "internet", "feature-store", protocol).ports == PortSet.full(protocol)
    assert "gcp:firewall/open-all" in one(found, "unintended-path", "internet", "feature-store", "icmp").evidence


def test_protocol_number_6_is_tcp_and_only_tcp(tamper: Live) -> None:
    insert(tamper, name="by-number", network=NET, direction="INGRESS", priority=100,
           allowed=[compute_v1.Allowed(I_p_protocol="6", ports=["22", "2222-2223"])], source_ranges=["0.0.0.0/0"],
           target_service_accounts=[SA.format("feature-store")])
    found = findings(tamper)
    assert kinds(found, "unintended-path") == {("internet", "feature-store", "tcp")}
    leak = one(found, "unintended-path", "internet", "feature-store")
    assert leak.ports == PortSet.of([(22, 22), (2222, 2223)]) and leak.evidence == ("gcp:firewall/by-number",)


def test_protocols_without_ports_in_bulkheads_vocabulary_open_nothing(tamper: Live) -> None:
    insert(tamper, name="esp-sctp", network=NET, direction="INGRESS", priority=100,
           allowed=[compute_v1.Allowed(I_p_protocol="esp"), compute_v1.Allowed(I_p_protocol="132")],
           source_ranges=["0.0.0.0/0"], target_service_accounts=[SA.format("feature-store")])
    assert findings(tamper) == []


# --- sources: ranges, accounts, halves ------------------------------------------------------


def test_source_ranges_covering_half_a_segment_open_the_path_from_that_segment(tamper: Live) -> None:
    insert(tamper, name="half-training-in", network=NET, direction="INGRESS", priority=1000, allowed=tcp("22"),
           source_ranges=["10.20.3.0/25"], target_service_accounts=[SA.format("feature-store")])
    egress(tamper, "training-ssh-out", "training", ["10.20.4.128/25"], tcp("22"))
    leak = unintended(findings(tamper), "training", "feature-store")
    assert leak.ports == PortSet.single(22)
    assert {"gcp:firewall/half-training-in", "gcp:firewall/training-ssh-out"} <= set(leak.evidence)


def test_a_deny_covering_half_a_segment_does_not_close_the_intended_path(tamper: Live) -> None:
    """GCP drops only the covered half's packets: workloads in the other half still connect."""
    insert(tamper, name="half-deny", network=NET, direction="INGRESS", priority=500,
           denied=[compute_v1.Denied(I_p_protocol="tcp", ports=["6379"])], source_ranges=["10.20.2.0/25"],
           target_service_accounts=[SA.format("feature-store")])
    assert findings(tamper) == []


def test_source_ranges_and_source_accounts_are_ored(tamper: Live) -> None:
    """GCP: 'The connection does not need to match both' (sourceRanges OR sourceServiceAccounts)."""
    insert(tamper, name="either-source", network=NET, direction="INGRESS", priority=1000, allowed=tcp("2222"),
           source_ranges=["203.0.113.0/24"], source_service_accounts=[SA.format("training")],
           target_service_accounts=[SA.format("feature-store")])
    egress(tamper, "training-2222-out", "training", ["10.20.4.0/24"], tcp("2222"))
    found = findings(tamper)
    assert kinds(found, "unintended-path") == {(src, "feature-store", "tcp") for src in ("internet", "training")}
    for src in ("internet", "training"):
        leak = one(found, "unintended-path", src, "feature-store")
        assert leak.ports == PortSet.single(2222) and "gcp:firewall/either-source" in leak.evidence


def test_a_rule_targeting_an_account_no_segment_runs_as_opens_nothing(tamper: Live) -> None:
    insert(tamper, name="stranger-in", network=NET, direction="INGRESS", priority=0,
           allowed=[compute_v1.Allowed(I_p_protocol="all")], source_ranges=["0.0.0.0/0"],
           target_service_accounts=["stranger@ai-platform-prod.iam.gserviceaccount.com"])
    egress(tamper, "stranger-out", "stranger", ["0.0.0.0/0"], [compute_v1.Allowed(I_p_protocol="all")], priority=0)
    assert findings(tamper) == []


def test_a_source_account_no_segment_runs_as_opens_nothing(tamper: Live) -> None:
    insert(tamper, name="from-stranger", network=NET, direction="INGRESS", priority=0,
           allowed=[compute_v1.Allowed(I_p_protocol="all")],
           source_service_accounts=["stranger@ai-platform-prod.iam.gserviceaccount.com"])
    assert findings(tamper) == []


# --- priorities -----------------------------------------------------------------------------


def test_a_deny_at_the_flow_allows_priority_wins_and_is_a_missing_path(tamper: Live) -> None:
    insert(tamper, name="tie-deny-redis", network=NET, direction="INGRESS", priority=1000,
           denied=[compute_v1.Denied(I_p_protocol="tcp", ports=["6379"])],
           source_service_accounts=[SA.format("serving")], target_service_accounts=[SA.format("feature-store")])
    found = findings(tamper)
    assert kinds(found, "unintended-path") == set()
    missing = one(found, "missing-path", "serving", "feature-store")
    assert missing.ports == PortSet.single(6379) and missing.evidence == ("gcp:firewall/tie-deny-redis",)
    assert kinds(found, "missing-path") == {("serving", "feature-store", "tcp")}


def test_a_deny_one_priority_below_the_flow_allow_changes_nothing(tamper: Live) -> None:
    insert(tamper, name="late-deny-redis", network=NET, direction="INGRESS", priority=1001,
           denied=[compute_v1.Denied(I_p_protocol="tcp", ports=["6379"])],
           source_service_accounts=[SA.format("serving")], target_service_accounts=[SA.format("feature-store")])
    assert findings(tamper) == []


def test_an_egress_allow_at_999_opens_only_what_the_receiver_also_accepts(tamper: Live) -> None:
    egress(tamper, "training-to-vector-db", "training", ["10.20.5.0/24"], [compute_v1.Allowed(I_p_protocol="all")],
           priority=999)
    assert findings(tamper) == []  # vector-db's ingress still admits serving only
    insert(tamper, name="vector-db-ssh", network=NET, direction="INGRESS", priority=999, allowed=tcp("22"),
           source_ranges=["10.20.0.0/16"], target_service_accounts=[SA.format("vector-db")])
    found = findings(tamper)
    assert kinds(found, "unintended-path") == {("training", "vector-db", "tcp")}
    leak = one(found, "unintended-path", "training", "vector-db")
    assert leak.ports == PortSet.single(22)
    assert {"gcp:firewall/training-to-vector-db", "gcp:firewall/vector-db-ssh"} <= set(leak.evidence)


def test_a_user_allow_at_65535_beats_the_implied_deny_ingress(tamper: Live) -> None:
    """VPC firewall rules are evaluated before the implied actions (evaluation order step 3 vs 6)."""
    delete(tamper, "ai-platform-deny-all-in")
    insert(tamper, name="lowest-allow", network=NET, direction="INGRESS", priority=65535, allowed=tcp("22"),
           source_ranges=["0.0.0.0/0"], target_service_accounts=[SA.format("feature-store")])
    leak = unintended(findings(tamper), "internet", "feature-store")
    assert leak.ports == PortSet.single(22) and leak.evidence == ("gcp:firewall/lowest-allow",)


def test_a_user_deny_at_65535_still_seals_egress_against_the_implied_allow(tamper: Live) -> None:
    delete(tamper, "ai-platform-deny-all-out")
    insert(tamper, name="lowest-deny-out", network=NET, direction="EGRESS", priority=65535,
           denied=[compute_v1.Denied(I_p_protocol="all")], destination_ranges=["0.0.0.0/0"])
    assert findings(tamper) == []


# --- routes and the Google APIs -------------------------------------------------------------


def _routes(live: Live) -> compute_v1.RoutesClient:
    from google.auth.credentials import AnonymousCredentials

    return compute_v1.RoutesClient(credentials=AnonymousCredentials(), transport="rest",
                                   client_options={"api_endpoint": live.cloud.source().endpoint})


def _default_route(live: Live) -> str:
    c = live.clients()
    [name] = [r.name for r in _routes(live).list(project=c["project"]) if r.dest_range == "0.0.0.0/0"]
    return name


def test_deleting_the_default_route_is_a_missing_internet_path(tamper: Live) -> None:
    c = tamper.clients()
    _routes(tamper).delete(project=c["project"], route=_default_route(tamper)).result()
    found = findings(tamper)
    assert kinds(found, "unintended-path") == set()
    missing = one(found, "missing-path", "serving", "internet")
    assert missing.ports == PortSet.single(443)
    assert all(e.startswith("gcp:routes/") for e in missing.evidence) and missing.evidence
    assert kinds(found, "missing-path") == {("serving", "internet", "tcp")}  # the APIs keep their own route


def test_two_halves_routed_to_an_instance_ip_take_the_internet_from_serving(tamper: Live) -> None:
    """0.0.0.0/1 and 128.0.0.0/1 to an address in monitoring's subnet are more specific than the
    default route: serving's internet traffic goes to that VM, not to the internet gateway."""
    c = tamper.clients()
    for name, dest in (("lpm0", "0.0.0.0/1"), ("lpm1", "128.0.0.0/1")):
        _routes(tamper).insert(project=c["project"], route_resource=compute_v1.Route(
            name=name, network=NET, dest_range=dest, next_hop_ip="10.20.7.5", priority=1000)).result()
    found = findings(tamper, posture=True)
    missing = one(found, "missing-path", "serving", "internet")
    assert missing.ports == PortSet.single(443) and missing.evidence[0] in ("gcp:route/lpm0", "gcp:route/lpm1")
    assert kinds(found, "missing-path") == {("serving", "internet", "tcp")}
    assert kinds(found, "unintended-path") == set()
    assert {(f.check, f.evidence) for f in found if f.kind == "posture"} == {
        ("BH-GCP-INTERNET-ROUTE-DIVERTED", ("gcp:route/lpm0",)),
        ("BH-GCP-INTERNET-ROUTE-DIVERTED", ("gcp:route/lpm1",))}


def test_a_public_24_to_the_gateway_under_those_halves_still_leaves(tamper: Live) -> None:
    c = tamper.clients()
    gateway = "global/gateways/default-internet-gateway"
    for name, dest, hop in (("lpm0", "0.0.0.0/1", {"next_hop_ip": "10.20.7.5"}),
                            ("lpm1", "128.0.0.0/1", {"next_hop_ip": "10.20.7.5"}),
                            ("mirror-out", "203.0.113.0/24", {"next_hop_gateway": gateway})):
        _routes(tamper).insert(project=c["project"], route_resource=compute_v1.Route(
            name=name, network=NET, dest_range=dest, priority=1000, **hop)).result()
    found = findings(tamper)
    assert found == []


def test_the_private_googleapis_vip_reaches_google_apis_like_the_restricted_one(tamper: Live) -> None:
    """private.googleapis.com (199.36.153.8/30) serves the Google APIs to subnets with Private
    Google Access just as restricted.googleapis.com does; training has it on and IAM grants."""
    egress(tamper, "training-private-apis", "training", ["199.36.153.8/30"], tcp("8443"), priority=500)
    found = findings(tamper)
    leaks = [f for f in found if f.kind == "unintended-path"]
    assert {(f.src, f.dst) for f in leaks} == {("training", "service:object-storage"),
                                               ("training", "service:container-registry"),
                                               ("training", "service:ml-api")}
    assert all(f.ports == PortSet.single(8443) and "gcp:firewall/training-private-apis" in f.evidence
               for f in leaks)


def test_a_widened_internet_allow_reaches_no_google_api_through_either_vip(tamper: Live) -> None:
    """The build denies both API VIPs below the internet allow, so widening that allow to tcp/80
    is an internet finding only (a build that denied only the restricted VIP leaked the APIs)."""
    from tests.gcp.test_tamper import patch

    patch(tamper, "ai-platform-serving-to-internet", allowed=tcp("80", "443"))
    found = findings(tamper)
    assert kinds(found, "unintended-path") == {("serving", "internet", "tcp")}
    leak = one(found, "unintended-path", "serving", "internet")
    assert leak.ports == PortSet.single(80) and "gcp:firewall/ai-platform-serving-to-internet" in leak.evidence


# --- the rule's own-side ranges -------------------------------------------------------------


def test_an_ingress_allow_to_an_external_ip_may_reach_any_targeted_segment(tamper: Live) -> None:
    """destinationRanges of an ingress rule may name a VM's external IP; instances are not
    collected, so which segment holds 34.1.2.3 is unknown: the targeted segment may."""
    insert(tamper, name="ssh-to-external-ip", network=NET, direction="INGRESS", priority=100, allowed=tcp("22"),
           source_ranges=["0.0.0.0/0"], destination_ranges=["34.1.2.3/32"],
           target_service_accounts=[SA.format("feature-store")])
    found = findings(tamper)
    assert kinds(found, "unintended-path") == {("internet", "feature-store", "tcp")}
    leak = one(found, "unintended-path", "internet", "feature-store")
    assert leak.ports == PortSet.single(22) and leak.evidence == ("gcp:firewall/ssh-to-external-ip",)


def test_an_ingress_allow_to_another_segments_subnet_does_not_apply_to_the_target(tamper: Live) -> None:
    """destinationRanges 10.20.5.0/24 (vector-db) on a rule targeting every instance: only
    vector-db's addresses match, so only vector-db opens."""
    insert(tamper, name="ssh-to-vector-db", network=NET, direction="INGRESS", priority=100, allowed=tcp("22"),
           source_ranges=["0.0.0.0/0"], destination_ranges=["10.20.5.0/24"])
    found = findings(tamper)
    assert kinds(found, "unintended-path") == {("internet", "vector-db", "tcp")}
    assert one(found, "unintended-path", "internet", "vector-db").evidence == ("gcp:firewall/ssh-to-vector-db",)


def test_a_deny_to_an_external_ip_protects_nothing_for_sure(tamper: Live) -> None:
    insert(tamper, name="deny-external", network=NET, direction="INGRESS", priority=100,
           denied=[compute_v1.Denied(I_p_protocol="all")], source_ranges=["0.0.0.0/0"],
           destination_ranges=["34.1.2.3/32"])
    assert findings(tamper) == []  # edge's internet ingress (its internal address) still passes
