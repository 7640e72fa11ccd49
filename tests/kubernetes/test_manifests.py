"""A folder of manifests is a snapshot: lists opened, other files ignored, every problem located."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infra.errors import ModelError, SnapshotError, UsageError
from infra.reach import evaluate
from providers.kubernetes.observe import normalize, read_snapshot
from providers.kubernetes.observe.manifests import NOT_A_MANIFEST

POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: api}}}]
      ports: [{port: 8080}]
"""
WORKLOADS = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: api}}
        spec: {containers: [{name: c, image: i}]}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(ModelError) as caught:
        read_snapshot(root)
    return [str(d) for d in caught.value.diagnostics]


def test_a_nested_tree_of_multi_document_yaml_and_json_lists_is_read_whole(tmp_path):
    pods = {"apiVersion": "v1", "kind": "PodList", "items": [  # typed list items omit kind, as the API does
        {"metadata": {"name": "api-1", "namespace": "shop", "labels": {"app": "api"}},
         "spec": {"containers": [{"name": "c", "image": "i"}]}}]}
    listed = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}]}
    root = write(tmp_path, {"policies/web.yaml": POLICY, "apps/shop/workloads.yml": WORKLOADS,
                            "exported/pods.json": json.dumps(pods), "ns.json": json.dumps(listed),
                            "README.md": "# not read", "helm/values.yaml": "replicas: 3\nimage: {tag: x}\n",
                            ".git/config.yaml": "this: [is not read"})
    network = normalize(read_snapshot(root), None)
    endpoints = set(network.endpoints)
    assert {"shop/web[Deployment]", "shop/nightly[CronJob]", "shop/api-1[Pod]"} <= endpoints
    found = {(p.src, p.dst, p.protocol): p.ports for p in evaluate(network)}
    assert str(found[("shop/api-1[Pod]", "shop/web[Deployment]", "tcp")]) == "8080"
    assert str(found[("shop/nightly[CronJob]", "shop/web[Deployment]", "tcp")]) == "8080"
    assert ("internet", "shop/web[Deployment]", "tcp") not in found


def test_broken_yaml_is_located_at_its_line(tmp_path):
    root = write(tmp_path, {"ok.yaml": POLICY, "broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n"})
    [line] = problems(root)
    assert line.startswith(f"{root / 'broken.yaml'}:5:") and "invalid YAML" in line


def test_broken_json_is_located_at_its_line(tmp_path):
    root = write(tmp_path, {"pods.json": '{"kind": "PodList",\n "items": [}\n'})
    [line] = problems(root)
    assert line.startswith(f"{root / 'pods.json'}:2:") and "invalid JSON" in line


def test_a_malformed_policy_is_refused_with_the_line_of_each_problem(tmp_path):
    bad = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from:
        - ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}
          podSelector: {}
      ports:
        - {port: 70000}
        - {port: http, endPort: 90}
        - {protocol: ICMP}
  egress:
    - to: [{namespaceSelector: {matchExpressions: [{key: team, operator: In}]}}]
"""
    lines = problems(write(tmp_path, {"netpol.yaml": bad}))
    where = [line.split(": NetworkPolicy")[0].rsplit(":", 3)[1:] for line in lines]
    assert [w[0] for w in where] == ["8", "8", "11", "12", "13", "15"]
    assert "ipBlock cannot be combined with selectors" in lines[0]
    assert "except '192.168.0.0/16' is not a CIDR inside 10.0.0.0/8" in lines[1]
    assert "port 70000 is out of range" in lines[2]
    assert "endPort needs a numeric port" in lines[3]
    assert "protocol 'ICMP' is not TCP, UDP or SCTP" in lines[4]
    assert "In needs at least one value" in lines[5]


def test_a_missing_pod_selector_and_label_values_that_are_not_text_are_refused(tmp_path):
    bad = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
           "spec: {policyTypes: [Ingress]}\n---\napiVersion: v1\nkind: Pod\n"
           "metadata: {name: x, labels: {tier: 1}}\nspec: {containers: []}\n")
    lines = problems(write(tmp_path, {"two.yaml": bad}))
    assert len(lines) == 2
    assert ":4:" in lines[0] and "spec.podSelector is missing" in lines[0]
    assert ":8:" in lines[1] and "label tier is 1, not text" in lines[1]


def test_an_object_defined_twice_is_refused_naming_the_first_place(tmp_path):
    root = write(tmp_path, {"a.yaml": POLICY, "b/again.yaml": POLICY})
    [line] = problems(root)
    assert "b/again.yaml:3:" in line and "NetworkPolicy shop/web-in is also defined in a.yaml" in line


def test_a_policy_without_api_version_is_refused_not_skipped(tmp_path):
    [line] = problems(write(tmp_path, {"p.yaml": POLICY.replace("apiVersion: networking.k8s.io/v1\n", "")}))
    assert ":1:7: kind: a NetworkPolicy without apiVersion" in line


def test_a_folder_without_kubernetes_objects_is_refused(tmp_path):
    write(tmp_path, {"values.yaml": "replicas: 2\n", "notes.txt": "x"})
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(tmp_path)
    [line] = map(str, caught.value.problems)
    assert line.startswith(f"{tmp_path}: no file of a kubernetes snapshot found (expected cluster.json, ")
    assert "and no Kubernetes object (a YAML or JSON document with apiVersion and kind)" in line
    assert line.endswith("or a folder of Kubernetes manifests")


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        read_snapshot(tmp_path / "nowhere")


def test_the_normalizer_refuses_malformed_objects_it_is_handed_directly():
    snapshot = {"x.json": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                           "metadata": {"name": "p", "namespace": "a"}, "spec": {"podSelector": "web"}}}
    with pytest.raises(UsageError, match=r"x.json: NetworkPolicy a/p: spec.podSelector: a label selector must be"):
        normalize(snapshot, None)


def test_a_malformed_baseline_admin_network_policy_is_refused_not_evaluated(tmp_path):
    bad = "\n".join([
        "apiVersion: policy.networking.k8s.io/v1alpha1", "kind: BaselineAdminNetworkPolicy",
        "metadata: {name: default}", "spec:", "  subject: {namespaces: {}}", "  ingress:",
        "    - {name: x, action: Pass, from: [{namespaces: {}}]}",
        "    - {name: y, action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 0}}]}", ""])
    lines = problems(write(tmp_path, {"banp.yaml": bad}))
    assert [line.split(":")[1] for line in lines] == ["7", "8"]
    assert "action Allow or Deny" in lines[0] and "portNumber" in lines[1]


def test_a_fifo_a_folder_or_a_symlink_loop_named_like_a_manifest_is_refused_not_skipped(tmp_path):
    """Each would hide the policies of the manifest it stands for; the FIFO is never opened."""
    root = write(tmp_path, {"policies/web.yaml": POLICY})
    os.mkfifo(root / "policies" / "api.yaml")
    (root / "policies" / "db.json").symlink_to("db.json")
    (root / "apps.yml").mkdir()
    lines = problems(root)
    assert lines == [
        f"{root / 'apps.yml'}:1:1: is a directory, not a file; {NOT_A_MANIFEST}",
        f"{root / 'policies' / 'api.yaml'}:1:1: not a regular file (a FIFO); {NOT_A_MANIFEST}",
        f"{root / 'policies' / 'db.json'}:1:1: a symlink loop (the link leads back to itself); {NOT_A_MANIFEST}"]


def test_a_symlinked_folder_of_manifests_is_read_and_a_link_back_into_it_is_refused(tmp_path):
    write(tmp_path / "shared", {"web.yaml": POLICY, "workloads.yaml": WORKLOADS})
    root = tmp_path / "repo"
    root.mkdir()
    (root / "shop").symlink_to(tmp_path / "shared")
    assert "shop/web[Deployment]" in normalize(read_snapshot(root), None).endpoints
    (tmp_path / "shared" / "again").symlink_to(".")
    [line] = problems(root)
    assert line.startswith(f"{root / 'shop' / 'again'}:1:1: a symlink to ., a folder read already (a loop"), line


def test_a_file_given_for_the_folder_is_said_to_be_a_file(tmp_path):
    given = write(tmp_path, {"web.yaml": POLICY}) / "web.yaml"
    with pytest.raises(UsageError, match=r"web.yaml: is a file, not a folder; pass a folder of Kubernetes"):
        read_snapshot(given)


def test_a_key_written_twice_in_a_json_manifest_is_refused_as_in_yaml(tmp_path):
    policy = ('{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",\n'
              ' "metadata": {"name": "web-in", "namespace": "shop"},\n'
              ' "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80, "port": 443}]}]}}\n')
    root = write(tmp_path, {"web.json": policy, "values.json": '{"replicas": 1, "replicas": 2}'})
    [line] = problems(root)  # values.json holds no Kubernetes object: ignored, as a YAML one is
    assert line == (f"{root / 'web.json'}:3:66: spec.ingress[0].ports[0].port: duplicate key 'port' (first at line 3); "
                    "YAML tools disagree on which one wins; merge the two entries into one")


def test_a_json_manifest_with_a_number_of_too_many_digits_is_a_located_line(tmp_path):
    root = write(tmp_path, {"web.json": '{"apiVersion": "v1", "kind": "Namespace",\n "metadata": {"name": "a", '
                                        '"generation": ' + "9" * 4400 + "}}"})
    [line] = problems(root)
    assert line.startswith(f"{root / 'web.json'}:2:42: invalid JSON: number too large (4,400 digits, "), line


def test_an_unknown_key_in_a_peer_and_a_port_of_the_wrong_type_are_named_as_such(tmp_path):
    bad = POLICY.replace("- from: [{podSelector: {matchLabels: {app: api}}}]",
                         "- from: [{podSelector: {matchLabels: {app: api}}, xExtra: x}]").replace(
                         "ports: [{port: 8080}]", "ports: [{port: true}, {port: 80, endPort: 80.5}]")
    root = write(tmp_path, {"web.yaml": bad})
    assert [line.split(": ", 1)[1] for line in problems(root)] == [
        "spec.ingress[0].from[0].xExtra: NetworkPolicy shop/web-in: unknown key 'xExtra' in a peer; "
        "use podSelector, namespaceSelector, ipBlock",
        "spec.ingress[0].ports[0].port: NetworkPolicy shop/web-in: expected a whole number or a port name, "
        "found true; write a number 1-65535 or a container port's name",
        "spec.ingress[0].ports[1].endPort: NetworkPolicy shop/web-in: expected a whole number, found 80.5; "
        "write a number 1-65535"]


def test_a_peer_of_known_keys_only_still_reads(tmp_path):
    root = write(tmp_path, {"web.yaml": POLICY.replace("{podSelector: {matchLabels: {app: api}}}",
                                                       "{podSelector: {matchLabels: {app: api}}, "
                                                       "namespaceSelector: {}}"), "apps.yaml": WORKLOADS})
    assert "shop/web[Deployment]" in normalize(read_snapshot(root), None).endpoints
