"""Proof gaps closed on GCP (issue 13): the Google API VIPs decided one at a time, VPC peering,
and audit's exposures from instances. Each case changes the deployed ai-platform project (the
`tamper` fixture undoes it) and has its healthy negation.
"""

from __future__ import annotations

from google.cloud import compute_v1

from infra.ports import PortSet
from infra.verify import Finding, verify
from providers.gcp.observe.normalize import normalize
from tests.gcp.conftest import Live
from tests.gcp.test_red_team import egress
from tests.gcp.test_tamper import NET, SA, insert, tcp

RESTRICTED, PRIVATE = "199.36.153.4/30", "199.36.153.8/30"
TRAINING_SERVICES = {"service:object-storage", "service:container-registry", "service:ml-api"}
LOGGED = compute_v1.FirewallLogConfig(enable=True)


def all_findings(live: Live) -> list[Finding]:
    return list(verify(live.model, normalize(live.snapshot(), live.model)).findings)


def deny_out(live: Live, name: str, segment: str, ranges: list[str]) -> None:
    insert(live, name=name, network=NET, direction="EGRESS", priority=100, log_config=LOGGED,
           denied=[compute_v1.Denied(I_p_protocol="tcp", ports=["443"])], destination_ranges=ranges,
           target_service_accounts=[SA.format(segment)])


# --- the Google API VIPs, one at a time -----------------------------------------------------


def test_a_deny_covering_the_restricted_vip_only_closes_the_apis_through_it(tamper: Live) -> None:
    """training reaches the APIs through the restricted VIP only (the build denies the private
    one), so denying that one VIP leaves no way to them: a deny need not cover both."""
    deny_out(tamper, "no-restricted-vip", "training", [RESTRICTED])
    found = all_findings(tamper)
    assert {(f.kind, f.src, f.dst) for f in found} == {("missing-path", "training", s) for s in TRAINING_SERVICES}
    assert all(f.ports == PortSet.single(443) and "gcp:firewall/no-restricted-vip" in f.evidence for f in found)


def test_a_deny_on_one_vip_leaves_the_apis_open_through_the_other_vip_it_does_not_cover(tamper: Live) -> None:
    deny_out(tamper, "no-restricted-vip", "training", [RESTRICTED])
    egress(tamper, "training-private-vip", "training", [PRIVATE], tcp("443"), priority=500)
    patch_logging(tamper, "training-private-vip")
    assert all_findings(tamper) == []


def patch_logging(live: Live, name: str) -> None:
    from tests.gcp.test_tamper import patch

    patch(live, name, log_config=LOGGED)


# --- VPC peering ----------------------------------------------------------------------------


def _peer(live: Live, state: str = "ACTIVE") -> None:
    network = live.cloud.store.get("global/networks", "ai-platform-vpc")
    with live.cloud.store.lock:
        network["peerings"] = [{"name": "to-partner", "state": state, "exchangeSubnetRoutes": True,
                                "network": "https://www.googleapis.com/compute/v1/projects/partner/global/networks/"
                                           "partner-vpc"}]


def _serving_to_partner(live: Live) -> None:
    egress(live, "serving-to-partner", "serving", ["10.99.0.0/16"], tcp("5432"), priority=500)
    patch_logging(live, "serving-to-partner")


def test_a_peered_network_is_an_endpoint_the_firewall_lets_segments_reach(tamper: Live) -> None:
    _peer(tamper)
    _serving_to_partner(tamper)
    found = all_findings(tamper)
    [leak] = [f for f in found if f.kind == "unintended-path"]
    assert (leak.src, leak.dst, leak.ports) == ("serving", "peer:partner-vpc", PortSet.single(5432))
    assert "gcp:firewall/serving-to-partner" in leak.evidence
    [posture] = [f for f in found if f.kind == "posture"]
    assert posture.check == "BH-GCP-VPC-PEERED" and "partner-vpc" in posture.message
    assert len(found) == 2


def test_a_peering_alone_is_posture_while_the_firewall_still_denies_it(tamper: Live) -> None:
    _peer(tamper)
    assert [(f.kind, f.check) for f in all_findings(tamper)] == [("posture", "BH-GCP-VPC-PEERED")]


def test_an_inactive_peering_carries_nothing(tamper: Live) -> None:
    _peer(tamper, state="INACTIVE")
    _serving_to_partner(tamper)
    assert all_findings(tamper) == []


# --- audit: instances reachable through their external IP -----------------------------------


def _instance(live: Live, name: str, segment: str, external: str | None, tags: list[str] = ()) -> None:
    store = live.cloud.store
    subnet = store.get(f"regions/{store.region}/subnetworks", f"ai-platform-{segment}")
    access = [compute_v1.AccessConfig(nat_i_p=external)] if external else []
    store.put(f"zones/{store.region}-a/instances", compute_v1.Instance(
        name=name, tags=compute_v1.Tags(items=list(tags)),
        service_accounts=[compute_v1.ServiceAccount(email=SA.format(segment))],
        network_interfaces=[compute_v1.NetworkInterface(name="nic0", network=subnet["network"],
                                                        subnetwork=subnet["selfLink"], access_configs=access)]))


def exposures(live: Live) -> dict[str, list[tuple[str, object, object]]]:
    out: dict[str, list[tuple[str, object, object]]] = {}
    for e in normalize(live.snapshot(), None).exposures:
        out.setdefault(str(e["resource"]), []).append((str(e["address"]), e["protocol"], e["ports"]))
    return out


def test_audit_lists_an_instance_reached_through_its_external_ip_with_the_rule(tamper: Live) -> None:
    _instance(tamper, "web-1", "edge", "34.1.2.3")
    _instance(tamper, "redis-1", "feature-store", "34.1.2.4")  # the build admits no internet there
    _instance(tamper, "lb-backend", "edge", None)  # no external IP: nothing to reach
    [entry] = [e for e in normalize(tamper.snapshot(), None).exposures]
    assert {k: entry[k] for k in ("resource", "interface", "address", "protocol", "ports")} == {
        "resource": "web-1", "interface": "web-1/nic0", "address": "34.1.2.3", "protocol": "tcp",
        "ports": [[443, 443]]}
    assert entry["evidence"] == ["gcp:firewall/ai-platform-edge-from-internet"]


def test_audit_matches_a_tag_targeted_allow_to_the_instances_that_carry_the_tag(tamper: Live) -> None:
    insert(tamper, name="ssh-to-bastions", network=NET, direction="INGRESS", priority=100, allowed=tcp("22"),
           source_ranges=["0.0.0.0/0"], target_tags=["bastion"])
    _instance(tamper, "bastion-1", "feature-store", "34.1.2.5", tags=["bastion"])
    _instance(tamper, "redis-1", "feature-store", "34.1.2.6", tags=["redis"])
    assert exposures(tamper) == {"bastion-1": [("34.1.2.5", "tcp", [[22, 22]])]}
