"""The model's Kubernetes keys: every malformed model in tests/data/bad/kubernetes is reported at its
line with what is wrong and the fix (lines and columns read off the files by hand), and the
keys' meaning (namespaces, ownership, the implied DNS path) is what the plan and intent use."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.errors import ModelError
from infra.load import parse_model
from infra.model_kubernetes import selections
from infra.plan import make_plan
from infra.verify import intended_paths
from tests.test_load_bad_models import problems_of

BAD = Path(__file__).resolve().parents[1] / "data" / "bad" / "kubernetes"

CASES: dict[str, list[tuple[int, int, str, str, str]]] = {
    "unknown-key.yaml": [
        (4, 15, "clouds.kubernetes", "missing required key 'cluster'", "add cluster:"),
        (4, 16, "clouds.kubernetes.clustr", "unknown key 'clustr'", "did you mean 'cluster'?")],
    "missing-cluster.yaml": [(4, 3, "clouds.kubernetes", "missing required key 'cluster'", "add cluster:")],
    "cidr-host-bits.yaml": [
        (4, 41, "clouds.kubernetes.pod_cidr", "'10.244.1.0/16' has host bits set", "did you mean 10.244.0.0/16?"),
        (4, 70, "clouds.kubernetes.service_cidr", "'10.96.0.0' is not a CIDR", "write it as")],
    "service-without-cidrs.yaml": [
        (9, 25, "segments.web.services[1]", "service 'object-storage' has no addresses on kubernetes",
         "clouds.kubernetes.services.object-storage")],
    "unknown-service.yaml": [
        (6, 30, "clouds.kubernetes.services.object-store", "unknown service 'object-store'",
         "did you mean 'object-storage'?")],
    "overlapping-pods.yaml": [
        (7, 5, "segments.cache.kubernetes", "'cache' can select the same pods as segment 'db'", "different values"),
        (9, 5, "segments.db.kubernetes", "'db' can select the same pods as segment 'cache'", "different values")],
    "icmp-flow.yaml": [
        (7, 31, "segments.web.internet.ingress[1]", "icmp cannot be allowed on kubernetes", "remove icmp"),
        (10, 40, "flows[0].ports[1]", "icmp cannot be allowed on kubernetes", "remove icmp")],
    "bad-labels.yaml": [
        (8, 18, "segments.web.kubernetes.namespace", "'Web' is not a namespace name", "lowercase"),
        (9, 20, "segments.web.kubernetes.pods.tier", "label value 1 is not text", "quote it"),
        (9, 23, "segments.web.kubernetes.pods.app name", "label key 'app name' is not a Kubernetes label name",
         "up to 63")],
    "reserved-namespace.yaml": [
        (7, 29, "segments.web.kubernetes.namespace", "'kube-system' belongs to the cluster itself", "own namespace")],
    "service-cidrs-overlap.yaml": [  # identical, and contained; a service's own ranges may overlap
        (8, 31, "clouds.kubernetes.services.logging[1]", "10.40.5.0/24 of service logging overlaps 10.40.5.0/24 "
         "of service object-storage: allowing either would also open the other's endpoints (at {file}:7:24)",
         "its own endpoints only"),
        (10, 24, "clouds.kubernetes.services.key-management[0]", "10.41.7.0/24 of service key-management overlaps "
         "10.41.0.0/16 of service ml-api: allowing either would also open the other's endpoints (at {file}:9:16)",
         "its own endpoints only")],
    "dns-namespace-of-a-segment.yaml": [
        (8, 3, "segments.infra", "segment 'infra' can select the cluster DNS pods (k8s-app=kube-dns in namespace "
         "'infra'): its default deny would cut every segment off from DNS (at {file}:6:5)",
         "or correct clouds.kubernetes.dns")],
    "dns-pods-selected.yaml": [  # tools, with another k8s-app, is not the DNS
        (9, 5, "segments.resolver.kubernetes", "segment 'resolver' can select the cluster DNS pods",
         "pod labels that the DNS pods do not carry")],
    "not-on-the-cluster.yaml": [
        (7, 5, "segments.web.kubernetes", "sets kubernetes: but is not placed on kubernetes",
         "declare clouds.kubernetes")],
}


def test_every_bad_kubernetes_model_has_an_expectation():
    assert {p.name for p in BAD.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_kubernetes_model_is_reported_at_its_line_with_what_is_wrong_and_the_fix(name):
    found = problems_of(BAD / name)
    expected = CASES[name]
    assert [(d.line, d.column, d.path) for d in found] == [(line, col, path) for line, col, path, _, _ in expected]
    for diagnostic, (_, _, _, what, fix) in zip(found, expected, strict=True):
        assert what.replace("{file}", str(BAD / name)) in diagnostic.message and fix in diagnostic.fix


MODEL = """name: shop
clouds:
  kubernetes: {cluster: prod, dns: {namespace: openshift-dns, pods: {dns.operator.openshift.io/daemonset-dns: default}}}
segments:
  web: {}
  cache: {kubernetes: {namespace: data, pods: {tier: cache}}}
  db: {kubernetes: {namespace: data, pods: {tier: db}}}
  jobs: {kubernetes: {namespace: batch}}
flows:
  - {from: web, to: cache, ports: [6379]}
"""


def test_a_segment_lives_in_its_own_namespace_unless_it_names_one_and_owns_it_only_alone_and_whole():
    picks = selections(parse_model(MODEL).model)
    assert {s: (p.namespace, p.pods, p.owned) for s, p in picks.items()} == {
        "web": ("web", {}, True), "cache": ("data", {"tier": "cache"}, False),
        "db": ("data", {"tier": "db"}, False), "jobs": ("batch", {}, True)}


def test_two_segments_whose_labels_differ_in_one_key_may_share_a_namespace():
    assert parse_model(MODEL).model.segments["db"].kubernetes is not None  # no problem raised


def test_every_segment_on_a_cluster_intends_the_cluster_dns_and_the_plan_shows_it_as_implied():
    model = parse_model(MODEL).model
    intent = intended_paths(model, "kubernetes")
    for segment in ("web", "cache", "db", "jobs"):
        assert str(intent[(segment, "service:cluster-dns", "udp")]) == "53"
        assert str(intent[(segment, "service:cluster-dns", "tcp")]) == "53"
    plan = make_plan(model).cloud("kubernetes")
    assert plan.implied == ("service:cluster-dns",) and not plan.addressed
    assert {(p.src, p.dst) for p in plan.paths if p.dst == "service:cluster-dns"} == {
        (s, "service:cluster-dns") for s in ("web", "cache", "db", "jobs")}


def test_clouds_with_addresses_imply_nothing():
    model = parse_model("name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\n"
                        "segments: {web: {}}\n").model
    assert intended_paths(model, "aws") == {} and make_plan(model).cloud("aws").implied == ()


@pytest.mark.parametrize("key, ok", [("tier", True), ("example.com/tier", True), ("/tier", False),
                                     ("Example.com/tier", False), ("a/b/c", False)])
def test_a_label_key_prefix_is_a_dns_subdomain_and_never_empty(key, ok):
    text = (f"name: shop\nclouds: {{kubernetes: {{cluster: c}}}}\n"
            f"segments:\n  web: {{kubernetes: {{pods: {{'{key}': x}}}}}}\n")
    if ok:
        assert parse_model(text).model.segments["web"].kubernetes.pods == {key: "x"}
    else:
        with pytest.raises(ModelError, match="label key"):
            parse_model(text)
