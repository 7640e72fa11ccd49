"""The policy plan: default-deny per segment, one policy per path and direction with one rule of
merged ports, names from the model (stable under reordering), the internet carved out of the
cluster's and the private ranges; the program and the stack wire exactly that."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest

from infra.load import parse_model
from infra.plan import make_plan
from providers.kubernetes.build.plan import rule_plan
from providers.kubernetes.mock.cloud import MockedCloud
from providers.kubernetes.services import PRIVATE_V4
from tests.test_stacks import Recording, _run

ROOT = Path(__file__).resolve().parents[2]
MODEL = """name: shop
clouds:
  kubernetes:
    cluster: prod
    pod_cidr: 10.244.0.0/16
    service_cidr: 10.96.0.0/12
    services: {object-storage: [10.40.5.0/24, 52.216.0.0/15]}
    {extra}
segments:
  web:
    internet: {ingress: [443], egress: [443, "udp/123"]}
  api: {services: [object-storage]}
  cache: {kubernetes: {namespace: data, pods: {tier: cache}}}
flows:
  - {from: web, to: api, ports: [8080, "8000-8100"]}
  - {from: web, to: api, ports: ["udp/53", 9000]}
  - {from: api, to: cache, ports: [6379]}
"""


def plan_of(text: str = MODEL, extra: str = ""):
    return rule_plan(make_plan(parse_model(text.replace("{extra}", extra)).model).cloud("kubernetes"))


def manifests(text: str = MODEL) -> dict[tuple[str, str], dict]:
    plan = plan_of(text)
    return {(p.namespace, p.name): p.manifest(plan.model) for p in plan.policies}


def test_every_segment_gets_a_default_deny_for_both_directions_on_exactly_its_pods():
    found = manifests()
    assert found[("web", "shop-web-default-deny")]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert found[("data", "shop-cache-default-deny")]["spec"] == {
        "podSelector": {"matchLabels": {"tier": "cache"}}, "policyTypes": ["Ingress", "Egress"]}


def test_a_flow_is_an_egress_policy_on_the_sender_and_its_mirror_on_the_receiver_each_one_rule():
    found = manifests()
    egress = found[("web", "shop-web-to-api-egress")]["spec"]
    ingress = found[("api", "shop-web-to-api-ingress")]["spec"]
    ports = [{"protocol": "TCP", "port": 8000, "endPort": 8100}, {"protocol": "TCP", "port": 9000},
             {"protocol": "UDP", "port": 53}]  # 8080 merged into 8000-8100, both flows in one rule
    assert egress == {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "api"}}, "podSelector": {}}],
        "ports": ports}]}
    assert ingress == {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "web"}}, "podSelector": {}}],
        "ports": ports}]}
    into_cache = found[("data", "shop-api-to-cache-ingress")]["spec"]
    assert into_cache["podSelector"] == {"matchLabels": {"tier": "cache"}}


def test_internet_egress_is_everything_but_private_cluster_and_service_ranges_on_the_declared_ports():
    spec = manifests()[("web", "shop-web-to-internet-egress")]["spec"]
    [rule] = spec["egress"]
    assert rule["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [
        "10.0.0.0/8", "52.216.0.0/15", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16"]}}]  # pod, service and 10.40.5.0/24 lie inside 10.0.0.0/8: listed once
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}, {"protocol": "UDP", "port": 123}]


def test_internet_ingress_comes_from_the_same_block_as_egress_goes_to_private_ranges_left_out():
    # docs/deploy-kubernetes.md says so: an address in a private range is never a client on the internet.
    [rule] = manifests()[("web", "shop-internet-to-web-ingress")]["spec"]["ingress"]
    [egress] = manifests()[("web", "shop-web-to-internet-egress")]["spec"]["egress"]
    assert rule["from"] == egress["to"]
    assert {str(n) for n in PRIVATE_V4} <= set(rule["from"][0]["ipBlock"]["except"])


def test_a_service_is_tcp_443_to_its_cidrs_and_every_segment_reaches_the_cluster_dns():
    found = manifests()
    [rule] = found[("api", "shop-api-to-object-storage-egress")]["spec"]["egress"]
    assert rule == {"to": [{"ipBlock": {"cidr": "10.40.5.0/24"}}, {"ipBlock": {"cidr": "52.216.0.0/15"}}],
                    "ports": [{"protocol": "TCP", "port": 443}]}
    for namespace, segment in (("web", "web"), ("api", "api"), ("data", "cache")):
        [dns] = found[(namespace, f"shop-{segment}-to-cluster-dns-egress")]["spec"]["egress"]
        assert dns == {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                               "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                       "ports": [{"protocol": "TCP", "port": 53}, {"protocol": "UDP", "port": 53}]}


def test_reordering_segments_and_flows_changes_no_policy_and_no_name():
    lines = MODEL.splitlines()
    reordered = "\n".join(lines[:9] + [lines[12], lines[11], lines[9], lines[10]] + lines[13:14]
                          + [lines[16], lines[14], lines[15]]) + "\n"
    assert reordered != MODEL
    assert manifests(reordered) == manifests()


def test_bulkhead_creates_and_labels_only_the_namespaces_it_owns():
    plan = plan_of()
    assert [(n.name, dict(n.labels)) for n in plan.namespaces] == [
        ("web", {"bulkhead.io/model": "shop", "bulkhead.io/segment": "web"}),
        ("api", {"bulkhead.io/model": "shop", "bulkhead.io/segment": "api"})]


def test_the_baseline_guardrail_exists_only_when_asked_and_covers_the_owned_namespaces():
    assert plan_of().guardrail is None
    guard = plan_of(extra="baseline_deny: true").guardrail
    assert guard is not None and guard["metadata"]["name"] == "default"
    assert guard["spec"]["subject"] == {"namespaces": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["api", "web"]}]}}
    assert [r["action"] for r in guard["spec"]["ingress"] + guard["spec"]["egress"]] == ["Deny", "Deny"]


def test_colliding_names_in_one_namespace_are_told_apart():
    text = """name: m
clouds: {kubernetes: {cluster: c}}
segments:
  a: {kubernetes: {namespace: shared, pods: {s: a}}}
  a-to-b: {kubernetes: {namespace: shared, pods: {s: a-to-b}}}
  b-to-c: {kubernetes: {namespace: other, pods: {s: b-to-c}}}
  c: {kubernetes: {namespace: other, pods: {s: c}}}
flows:
  - {from: a, to: b-to-c, ports: [1]}
  - {from: a-to-b, to: c, ports: [2]}
"""
    names = [(p.namespace, p.name) for p in plan_of(text).policies]
    assert len(names) == len(set(names))
    assert sum(1 for _, n in names if n.startswith("m-a-to-b-to-c-egress-")) == 2


def test_the_program_deploys_namespaces_policies_and_gives_each_segment_its_pod_selector():
    model = parse_model(MODEL.replace("{extra}", "baseline_deny: true")).model
    with MockedCloud() as cloud:
        counts = cloud.deploy(make_plan(model).cloud("kubernetes"))
        stored = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in cloud.cluster.items("networkpolicies")}
    plan = rule_plan(make_plan(model).cloud("kubernetes"))
    assert counts == {"bulkhead:kubernetes:SegmentedNetwork": 1, "kubernetes:core/v1:Namespace": 2,
                      "kubernetes:networking.k8s.io/v1:NetworkPolicy": len(plan.policies),
                      "kubernetes:policy.networking.k8s.io/v1alpha1:BaselineAdminNetworkPolicy": 1}
    assert stored == {(p.namespace, p.name) for p in plan.policies}
    from providers.kubernetes.build.component import segment_outputs

    outputs = segment_outputs(plan)
    assert (outputs["cache"].identity_kind, outputs["cache"].identity) == \
        ("podSelector", {"namespace": "data", "matchLabels": {"tier": "cache"}})
    assert outputs["web"].identity == {"namespace": "web", "matchLabels": {}}  # its own namespace: every pod
    assert (outputs["web"].subnet_ids, outputs["web"].cidrs, outputs["web"].route_table_id) == ([], [], None)


def test_the_stack_builds_the_cluster_policies_for_a_valid_model():
    mocks = Recording()
    _run("kubernetes", ROOT / "examples" / "ai-platform-kubernetes.yaml", mocks)
    assert "bulkhead:kubernetes:SegmentedNetwork" in mocks.registered
    assert "kubernetes:networking.k8s.io/v1:NetworkPolicy" in mocks.registered


def test_the_stack_refuses_a_malformed_model_or_one_without_a_cluster_and_registers_nothing():
    for model, message in ((ROOT / "tests" / "data" / "bad" / "kubernetes" / "icmp-flow.yaml", "icmp-flow.yaml:7:31"),
                           (ROOT / "examples" / "minimal.yaml", "kubernetes is not declared")):
        mocks = Recording()
        with pytest.raises(pulumi.RunError, match=message):
            _run("kubernetes", model, mocks)
        assert mocks.registered == []
