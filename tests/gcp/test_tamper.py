"""Drift made with google-cloud-compute calls against the deployed ai-platform is caught.

Each test changes the fake project the way an operator with gcloud would, reads it back,
verifies, and asserts the finding and the rule that causes it. `tamper` undoes the change.
"""

from __future__ import annotations

from google.cloud import compute_v1

from infra.ports import PortSet
from infra.verify import Finding, verify
from providers.gcp.observe.normalize import normalize
from tests.gcp.conftest import Live

NET = "global/networks/ai-platform-vpc"
SA = "ai-platform-{}@ai-platform-prod.iam.gserviceaccount.com"


def findings(live: Live, posture: bool = False) -> list[Finding]:
    """Path findings (and posture findings too when asked: every hand-made rule lacks logging)."""
    found = verify(live.model, normalize(live.snapshot(), live.model)).findings
    return [f for f in found if posture or f.kind != "posture"]


def insert(live: Live, **fields: object) -> None:
    c = live.clients()
    c["firewalls"].insert(project=c["project"], firewall_resource=compute_v1.Firewall(**fields)).result()


def patch(live: Live, name: str, **fields: object) -> None:
    c = live.clients()
    c["firewalls"].patch(project=c["project"], firewall=name, firewall_resource=compute_v1.Firewall(**fields)).result()


def tcp(*ports: str) -> list[compute_v1.Allowed]:
    return [compute_v1.Allowed(I_p_protocol="tcp", ports=list(ports))]


def unintended(found: list[Finding], src: str, dst: str) -> Finding:
    matches = [f for f in found if f.kind == "unintended-path" and (f.src, f.dst) == (src, dst)]
    assert matches, f"no unintended {src} -> {dst} in {[f.message for f in found]}"
    return matches[0]


def test_an_untouched_project_has_no_findings(tamper: Live) -> None:
    assert findings(tamper, posture=True) == []


def test_a_hand_made_rule_without_logging_is_a_posture_finding(tamper: Live) -> None:
    insert(tamper, name="quiet-rule", network=NET, direction="INGRESS", priority=1000, allowed=tcp("1"),
           source_ranges=["10.99.0.0/16"])
    assert [(f.kind, f.evidence) for f in findings(tamper, posture=True)] == [
        ("posture", ("gcp:firewall/quiet-rule",))]


def test_an_internet_allow_at_priority_100_opens_the_segment_to_the_internet(tamper: Live) -> None:
    insert(tamper, name="ssh-from-anywhere", network=NET, direction="INGRESS", priority=100, allowed=tcp("22"),
           source_ranges=["0.0.0.0/0"], target_service_accounts=[SA.format("feature-store")])
    found = unintended(findings(tamper), "internet", "feature-store")
    assert found.ports == PortSet.single(22) and found.protocol == "tcp"
    assert "gcp:firewall/ssh-from-anywhere" in found.evidence


def test_disabling_the_deny_all_egress_lets_gcps_implied_allow_reach_the_internet(tamper: Live) -> None:
    patch(tamper, "ai-platform-deny-all-out", disabled=True)
    found = findings(tamper)
    leak = unintended(found, "training", "internet")
    assert leak.ports == PortSet.single(0, 65535)
    assert "gcp:implied/allow-egress" in leak.evidence
    assert "gcp:firewall/ai-platform-deny-all-out" not in leak.evidence


def test_an_allow_with_no_target_applies_to_every_segment(tamper: Live) -> None:
    insert(tamper, name="metrics-everywhere", network=NET, direction="INGRESS", priority=1000, allowed=tcp("9100"),
           source_service_accounts=[SA.format("monitoring")])
    patch(tamper, "ai-platform-monitoring-to-feature-store-out", destination_ranges=["10.20.0.0/16"])
    found = findings(tamper)
    for dst in ("edge", "vector-db", "model-registry", "monitoring"):
        leak = unintended(found, "monitoring", dst)
        assert leak.ports == PortSet.single(9100)
        assert "gcp:firewall/metrics-everywhere" in leak.evidence


def test_a_source_account_of_another_segment_needs_that_segments_egress_too(tamper: Live) -> None:
    insert(tamper, name="edge-to-redis", network=NET, direction="INGRESS", priority=1000, allowed=tcp("6379"),
           source_service_accounts=[SA.format("edge")], target_service_accounts=[SA.format("feature-store")])
    assert findings(tamper) == []  # edge's egress is still sealed: GCP checks both ends
    insert(tamper, name="edge-out-redis", network=NET, direction="EGRESS", priority=1000, allowed=tcp("6379"),
           destination_ranges=["10.20.4.0/24"], target_service_accounts=[SA.format("edge")])
    leak = unintended(findings(tamper), "edge", "feature-store")
    assert leak.ports == PortSet.single(6379)
    assert {"gcp:firewall/edge-to-redis", "gcp:firewall/edge-out-redis"} <= set(leak.evidence)


def test_an_egress_allow_to_anywhere_opens_the_internet(tamper: Live) -> None:
    insert(tamper, name="training-out", network=NET, direction="EGRESS", priority=500,
           allowed=[compute_v1.Allowed(I_p_protocol="tcp")], destination_ranges=["0.0.0.0/0"],
           target_service_accounts=[SA.format("training")])
    leak = unintended(findings(tamper), "training", "internet")
    assert leak.ports == PortSet.single(0, 65535)
    assert "gcp:firewall/training-out" in leak.evidence


def test_a_deny_wins_over_an_allow_at_equal_priority(tamper: Live) -> None:
    insert(tamper, name="tie-allow", network=NET, direction="INGRESS", priority=900, allowed=tcp("22"),
           source_ranges=["0.0.0.0/0"])
    insert(tamper, name="tie-deny", network=NET, direction="INGRESS", priority=900,
           denied=[compute_v1.Denied(I_p_protocol="tcp", ports=["22"])], source_ranges=["0.0.0.0/0"])
    assert findings(tamper) == []


def test_an_allow_alone_at_that_priority_does_open_the_port(tamper: Live) -> None:
    """The counterpart of the tie test: without the deny the same allow is a finding."""
    insert(tamper, name="tie-allow", network=NET, direction="INGRESS", priority=900, allowed=tcp("22"),
           source_ranges=["0.0.0.0/0"])
    assert "gcp:firewall/tie-allow" in unintended(findings(tamper), "internet", "edge").evidence


def test_rules_on_another_network_do_not_count(tamper: Live) -> None:
    c = tamper.clients()
    from google.auth.credentials import AnonymousCredentials

    networks = compute_v1.NetworksClient(credentials=AnonymousCredentials(), transport="rest",
                                         client_options={"api_endpoint": tamper.cloud.source().endpoint})
    networks.insert(project=c["project"], network_resource=compute_v1.Network(
        name="other-vpc", auto_create_subnetworks=False)).result()
    for direction, ranges in (("INGRESS", {"source_ranges": ["0.0.0.0/0"]}),
                              ("EGRESS", {"destination_ranges": ["0.0.0.0/0"]})):
        insert(tamper, name=f"other-open-{direction.lower()}", network="global/networks/other-vpc",
               direction=direction, priority=0, allowed=[compute_v1.Allowed(I_p_protocol="all")], **ranges)
    assert findings(tamper) == []


def test_a_deleted_flow_rule_is_a_missing_path_blocked_by_the_deny_all(tamper: Live) -> None:
    c = tamper.clients()
    c["firewalls"].delete(project=c["project"], firewall="ai-platform-serving-to-feature-store-in").result()
    missing = [f for f in findings(tamper) if f.kind == "missing-path"]
    assert [(f.src, f.dst, f.protocol, f.ports) for f in missing] == [
        ("serving", "feature-store", "tcp", PortSet.single(6379))]
    assert "gcp:firewall/ai-platform-deny-all-in" in missing[0].evidence


def test_a_higher_priority_deny_removes_an_intended_path_and_is_named(tamper: Live) -> None:
    insert(tamper, name="block-redis", network=NET, direction="INGRESS", priority=500,
           denied=[compute_v1.Denied(I_p_protocol="tcp", ports=["6379"])],
           source_service_accounts=[SA.format("training")], target_service_accounts=[SA.format("feature-store")])
    missing = [f for f in findings(tamper) if f.kind == "missing-path"]
    assert [(f.src, f.dst) for f in missing] == [("training", "feature-store")]
    assert missing[0].evidence == ("gcp:firewall/block-redis",)


def test_deleting_the_deny_all_ingress_still_leaves_gcps_implied_deny(tamper: Live) -> None:
    c = tamper.clients()
    c["firewalls"].delete(project=c["project"], firewall="ai-platform-deny-all-in").result()
    assert findings(tamper) == []


def test_a_disabled_allow_does_not_exist(tamper: Live) -> None:
    insert(tamper, name="disabled-open", network=NET, direction="INGRESS", priority=0, disabled=True,
           allowed=[compute_v1.Allowed(I_p_protocol="all")], source_ranges=["0.0.0.0/0"])
    assert findings(tamper) == []


def test_a_tag_targeted_allow_is_assumed_to_reach_every_segment(tamper: Live) -> None:
    insert(tamper, name="rdp-tagged", network=NET, direction="INGRESS", priority=1000, allowed=tcp("3389"),
           source_ranges=["0.0.0.0/0"], target_tags=["windows"])
    found = findings(tamper)
    for dst in ("edge", "training", "monitoring"):
        assert "gcp:firewall/rdp-tagged" in unintended(found, "internet", dst).evidence


def _subnet_patch(live: Live, name: str, **fields: object) -> None:
    c = live.clients()
    current = c["subnetworks"].get(project=c["project"], region=c["region"], subnetwork=name)
    body = compute_v1.Subnetwork(fingerprint=current.fingerprint, **fields)
    c["subnetworks"].patch(project=c["project"], region=c["region"], subnetwork=name, subnetwork_resource=body).result()


def test_private_google_access_on_a_segment_without_services_is_a_posture_finding(tamper: Live) -> None:
    _subnet_patch(tamper, "ai-platform-edge", private_ip_google_access=True)
    found = findings(tamper, posture=True)
    assert [(f.kind, f.src) for f in found] == [("posture", "edge")]
    assert "gcp:subnet/ai-platform-edge#privateIpGoogleAccess" in found[0].evidence


def test_flow_logs_turned_off_on_a_segment_subnet_is_a_posture_finding(tamper: Live) -> None:
    _subnet_patch(tamper, "ai-platform-vector-db", log_config=compute_v1.SubnetworkLogConfig(enable=False))
    found = findings(tamper, posture=True)
    assert [(f.kind, f.src) for f in found] == [("posture", "vector-db")]
    assert "gcp:subnet/ai-platform-vector-db#logConfig" in found[0].evidence
