"""A manifest folder is read by bulkhead's YAML layer: the model's limits and located errors, the
scalars kubectl reads, and what is not a Kubernetes object left alone whatever YAML it uses."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.errors import BulkheadError, ModelError
from providers.kubernetes.observe import manifest_yaml, normalize, read_snapshot

POLICY = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n"
          "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n")
THOROUGH = bool(os.environ.get("BULKHEAD_THOROUGH"))


def lines(root: Path) -> list[str]:
    with pytest.raises(ModelError) as caught:
        read_snapshot(root)
    return [str(d) for d in caught.value.diagnostics]


def folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_labels_mean_what_kubectl_reads_so_an_unquoted_on_is_a_boolean_and_refused(tmp_path):
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop, labels: {enabled: on, tier: '1'}}\n"
    [line] = lines(folder(tmp_path, **{"p.yaml": pod}))
    assert line.startswith(f"{tmp_path / 'p.yaml'}:3:") and "label enabled is True, not text" in line


def test_a_quoted_on_and_an_octal_looking_text_are_read_as_written(tmp_path):
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop, labels: {enabled: 'on', v: '010'}}\n"
           "spec: {containers: [{name: c, image: i, ports: [{containerPort: 0x50, name: web}]}]}\n")
    snapshot = read_snapshot(folder(tmp_path, **{"p.yaml": pod}))
    [document] = snapshot["p.yaml"]
    assert document["metadata"]["labels"] == {"enabled": "on", "v": "010"}
    assert document["spec"]["containers"][0]["ports"][0]["containerPort"] == 80  # YAML 1.1 hex, as kubectl


def test_a_key_written_twice_in_a_policy_is_refused_at_the_second_one(tmp_path):
    twice = POLICY.replace("spec:", "metadata: {name: other}\nspec:")
    [line] = lines(folder(tmp_path, **{"np.yaml": twice}))
    assert line.startswith(f"{tmp_path / 'np.yaml'}:4:1:") and "duplicate key 'metadata' (first at line 3)" in line


def test_yaml_that_is_no_kubernetes_object_may_repeat_keys_and_use_tags_of_its_own(tmp_path):
    root = folder(tmp_path, **{"np.yaml": POLICY, "values.yaml": "replicas: 2\nreplicas: 3\n",
                               "template.yaml": "Resources:\n  Bucket: !Ref MyBucket\n  Name: !Sub '${AWS::Region}'\n",
                               "ci.yml": "test:\n  script: !reference [.setup, script]\n"})
    assert sorted(read_snapshot(root)) == ["ci.yml", "np.yaml", "template.yaml", "values.yaml"]


def test_an_unknown_tag_inside_a_policy_is_refused_at_its_line(tmp_path):
    [line] = lines(folder(tmp_path, **{"np.yaml": POLICY.replace("name: deny", "name: !Ref deny")}))
    assert line.startswith(f"{tmp_path / 'np.yaml'}:3:") and "unknown tag '!Ref'" in line


def test_anchors_aliases_and_merge_keys_within_the_limits_keep_working(tmp_path):
    text = ("apiVersion: v1\nkind: List\nitems:\n"
            "- {apiVersion: v1, kind: Pod, metadata: &meta {name: a, namespace: shop, labels: {app: web}}}\n"
            "- {apiVersion: v1, kind: Pod, metadata: {<<: *meta, name: b}}\n")
    [listed] = read_snapshot(folder(tmp_path, **{"pods.yaml": text}))["pods.yaml"]
    assert [item["metadata"] for item in listed["items"]] == [
        {"name": "a", "namespace": "shop", "labels": {"app": "web"}},
        {"name": "b", "namespace": "shop", "labels": {"app": "web"}}]


def test_an_alias_in_another_document_is_refused_as_yaml_does(tmp_path):
    text = "a: &x [1]\n---\nb: *x\n"
    [line] = lines(folder(tmp_path, **{"two.yaml": text}))
    assert line.startswith(f"{tmp_path / 'two.yaml'}:3:4:") and "alias *x has no anchor &x before it" in line


def test_an_alias_bomb_is_refused_at_the_alias_that_passes_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_yaml, "LIMITS", dataclasses.replace(manifest_yaml.LIMITS, values=10_000))
    levels = "abcdefg"
    text = "a: &a [" + ", ".join(["lol"] * 9) + "]\n" + "".join(
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, c in zip(levels, levels[1:], strict=False))
    [line] = lines(folder(tmp_path, **{"bomb.yaml": text}))
    assert line.startswith(f"{tmp_path / 'bomb.yaml'}:5:")
    assert "the file holds more than 10,000 values once aliases are expanded (*d alone repeats" in line


def test_nesting_past_the_limit_is_refused_in_yaml_and_in_json_without_a_crash(tmp_path):
    deep = manifest_yaml.LIMITS.depth + 1
    root = folder(tmp_path, **{"deep.yaml": "[" * deep + "]" * deep, "deep.json": "[" * 200_000 + "]" * 200_000,
                               "np.yaml": POLICY})
    found = lines(root)
    assert len(found) == 2
    assert found[0].startswith(f"{tmp_path / 'deep.json'}:1:1: values are nested more than 100 levels deep")
    assert found[1].startswith(f"{tmp_path / 'deep.yaml'}:1:{deep}: values are nested more than 100 levels deep")


def test_a_nul_byte_and_a_file_over_the_size_limit_are_located(tmp_path, monkeypatch):
    root = folder(tmp_path, **{"nul.yaml": POLICY.replace("deny", "de\x00ny"), "np.yaml": POLICY,
                               "big.yaml": POLICY + "#" * 500})
    monkeypatch.setattr(manifest_yaml, "MAX_BYTES", len(POLICY) + 100)
    big, nul = lines(root)
    assert big.startswith(f"{tmp_path / 'big.yaml'}:1:1: the file is {len(POLICY) + 500:,} bytes, over the limit")
    assert nul.startswith(f"{tmp_path / 'nul.yaml'}:3:") and "a NUL byte (U+0000) is not allowed" in nul
    assert nul.endswith("remove it; a manifest is plain UTF-8 text")


def test_a_problem_inside_a_json_manifest_is_located_at_its_line(tmp_path):
    listed = {"apiVersion": "v1", "kind": "List", "items": [json.loads(json.dumps(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop", "labels": {"tier": 1}}}))]}
    [line] = lines(folder(tmp_path, **{"pods.json": json.dumps(listed, indent=1)}))
    assert line.startswith(f"{tmp_path / 'pods.json'}:12:") and "label tier is 1, not text" in line


# Random text in a manifest file: refused cleanly (exit 2) or read and normalized to the end.
FRAGMENTS = ["apiVersion: v1\n", "apiVersion: networking.k8s.io/v1\n", "kind: Pod\n", "kind: NetworkPolicy\n",
             "kind: PodList\n", "metadata: {name: p, namespace: shop}\n", "spec:\n", "  podSelector: {}\n",
             "  ingress:\n", "  - from: [{podSelector: {}}]\n", "    ports: [{port: 80}]\n", "items:\n", "- ",
             "---\n", "&a ", "*a\n", "<<: *a\n", "!!str ", "{", "}", "[", "]", ": ", "on\n", "\t", "'", '"']


@settings(max_examples=300 if THOROUGH else 30, deadline=None, derandomize=not THOROUGH,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=25))
def test_random_text_in_a_manifest_is_refused_cleanly_or_read_to_the_end(tmp_path, parts):
    (tmp_path / "m.yaml").write_text("".join(parts), encoding="utf-8")
    try:
        normalize(read_snapshot(tmp_path), None)
    except BulkheadError as refused:
        assert refused.exit_code == 2


def test_both_parsers_read_a_multi_document_file_alike_and_locate_broken_yaml(parser, tmp_path):
    text = POLICY + "---\n" + POLICY.replace("name: deny", "name: other") + "---\n"
    documents = read_snapshot(folder(tmp_path, **{"np.yaml": text}))["np.yaml"]
    assert [d["metadata"]["name"] for d in documents if d] == ["deny", "other"]
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n")
    [line] = lines(tmp_path)
    assert line.startswith(f"{tmp_path / 'broken.yaml'}:5:") and "invalid YAML" in line
