"""GCP semantics the normalizer must get right, on small hand-written snapshots and edits of a
deployed one (docs/cloud-semantics.md 2.1-2.2, gotchas 14-17)."""

from __future__ import annotations

import copy

import pytest

from infra.errors import CloudError
from infra.ports import PortSet
from infra.reach import evaluate
from infra.verify import verify
from providers.gcp.observe.normalize import normalize
from tests.gcp.conftest import Deployed

P = "ai-platform-prod"
SA = "ai-platform-{}@ai-platform-prod.iam.gserviceaccount.com"


@pytest.fixture
def snap(deployed: dict[str, Deployed]) -> dict:
    return copy.deepcopy(deployed["ai-platform"].snapshot)


def kinds(deployed: dict[str, Deployed], snapshot: dict) -> list[tuple[str, str | None, str | None]]:
    model = deployed["ai-platform"].model
    return [(f.kind, f.src, f.dst) for f in verify(model, normalize(snapshot, model)).findings]


def add_rule(snapshot: dict, **rule: object) -> None:
    network = snapshot[f"{P}/networks.json"]["items"][0]["selfLink"]
    base = {"network": network, "priority": 1000, "direction": "INGRESS", "logConfig": {"enable": True}}
    snapshot[f"{P}/firewalls.json"]["items"].append({**base, **rule})


def test_protocol_numbers_mean_the_same_as_names(deployed, snap) -> None:
    add_rule(snap, name="by-number", allowed=[{"IPProtocol": "17", "ports": ["53"]}], sourceRanges=["0.0.0.0/0"],
             targetServiceAccounts=[SA.format("vector-db")])
    model = deployed["ai-platform"].model
    paths = {(p.src, p.dst, p.protocol): p.ports for p in evaluate(normalize(snap, model))}
    assert paths[("internet", "vector-db", "udp")] == PortSet.single(53)


def test_an_ingress_rule_with_no_source_at_all_matches_everything(deployed, snap) -> None:
    add_rule(snap, name="no-source", allowed=[{"IPProtocol": "tcp", "ports": ["7"]}],
             targetServiceAccounts=[SA.format("vector-db")])
    assert ("unintended-path", "internet", "vector-db") in kinds(deployed, snap)


def test_a_tag_based_deny_is_not_trusted_to_close_a_path(deployed, snap) -> None:
    add_rule(snap, name="tagged-deny", priority=10, denied=[{"IPProtocol": "all"}], sourceRanges=["0.0.0.0/0"],
             targetTags=["locked"])
    assert kinds(deployed, snap) == []  # the intended paths are still observed: the deny may not apply


def test_source_tags_may_be_any_segment(deployed, snap) -> None:
    add_rule(snap, name="from-tag", allowed=[{"IPProtocol": "tcp", "ports": ["6379"]}], sourceTags=["redis-client"],
             targetServiceAccounts=[SA.format("feature-store")])
    add_rule(snap, name="edge-out", direction="EGRESS", allowed=[{"IPProtocol": "tcp"}],
             destinationRanges=["10.20.4.0/24"], targetServiceAccounts=[SA.format("edge")])
    assert ("unintended-path", "edge", "feature-store") in kinds(deployed, snap)


def test_a_basic_role_grants_every_google_api(deployed, snap) -> None:
    snap[f"{P}/iam-policy.json"]["bindings"].append(
        {"role": "roles/editor", "members": [f"serviceAccount:{SA.format('training')}"]})
    found = kinds(deployed, snap)
    assert ("unintended-path", "training", "service:key-management") in found
    assert ("unintended-path", "training", "service:logging") in found


def test_a_role_without_the_network_path_opens_nothing(deployed, snap) -> None:
    snap[f"{P}/iam-policy.json"]["bindings"].append(
        {"role": "roles/storage.admin", "members": [f"serviceAccount:{SA.format('edge')}"]})
    assert kinds(deployed, snap) == []  # edge has no Private Google Access and no egress to the VIP


def test_without_the_route_to_the_vip_no_service_is_reachable(deployed, snap) -> None:
    snap[f"{P}/routes.json"]["items"] = [r for r in snap[f"{P}/routes.json"]["items"]
                                         if r.get("nextHopNetwork")]
    found = kinds(deployed, snap)
    assert ("missing-path", "training", "service:object-storage") in found
    assert ("missing-path", "serving", "internet") in found


def test_a_firewall_policy_in_the_effective_firewalls_is_reported_not_ignored(deployed, snap) -> None:
    snap[f"{P}/effective-firewalls-ai-platform-vpc.json"]["firewallPolicys"] = [
        {"name": "org-baseline", "type": "HIERARCHY", "rules": [{"priority": 10, "action": "allow"}]}]
    found = verify(deployed["ai-platform"].model, normalize(snap, deployed["ai-platform"].model)).findings
    assert [(f.kind, f.evidence) for f in found] == [("posture", ("gcp:firewall-policy/org-baseline",))]
    assert "NOT evaluated" in found[0].message


def test_effective_firewalls_that_were_not_collected_are_reported(deployed, snap) -> None:
    del snap[f"{P}/effective-firewalls-ai-platform-vpc.json"]
    assert kinds(deployed, snap) == [("posture", None, None)]


def test_a_segment_missing_from_the_project_is_reported(deployed, snap) -> None:
    key = f"{P}/subnetworks-us-central1.json"
    snap[key]["items"] = [s for s in snap[key]["items"] if s["name"] != "ai-platform-vector-db"]
    found = kinds(deployed, snap)
    assert ("posture", "vector-db", None) in found
    assert ("missing-path", "serving", "vector-db") in found


def test_without_a_model_every_labelled_subnet_is_an_endpoint(deployed) -> None:
    network = normalize(deployed["ai-platform"].snapshot, None)
    assert {"edge", "serving", "training", "internet", "service:ml-api"} <= set(network.endpoints)
    assert any((p.src, p.dst) == ("edge", "serving") for p in evaluate(network))


def test_the_mock_refuses_a_resource_type_it_does_not_implement() -> None:
    import pulumi
    import pulumi_gcp as gcp

    from providers.gcp.mock.cloud import MockedCloud, _Mocks

    with MockedCloud() as cloud:
        pulumi.runtime.set_mocks(_Mocks(cloud.store), preview=False)
        with pytest.raises(Exception, match="gcp:compute/instance:Instance"):
            pulumi.runtime.test(lambda: gcp.compute.Instance(
                "vm", machine_type="e2-micro", zone="us-central1-a",
                boot_disk={"initialize_params": {"image": "debian-12"}},
                network_interfaces=[{"network": "default"}]).urn)()


def test_collecting_from_a_fake_that_is_gone_is_a_cloud_error() -> None:
    from providers.gcp.mock.cloud import MockedCloud
    from providers.gcp.observe.collect import collect

    with MockedCloud() as cloud:
        source = cloud.source()
    with pytest.raises(CloudError, match="gcp: list networks"):
        collect(source)
