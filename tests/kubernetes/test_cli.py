"""The CLI on a cluster: simulate, verify and audit a snapshot or a manifest folder, collect, and
every wrong input (options, folders, contexts) as one line with exit 2, a dead API server as exit 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from infra.cli import app
from infra.registry import part
from infra.snapshot import write_snapshot
from providers.kubernetes.observe import collect
from providers.kubernetes.observe.collect import loopback_source
from tests.kubernetes.conftest import EXAMPLE, Live

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_simulate_deploys_the_example_into_a_mocked_cluster_and_proves_it(tmp_path):
    result = invoke("simulate", str(EXAMPLE), "--cloud", "kubernetes", "--format", "json",
                    "--snapshot-out", str(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cloud"] == "kubernetes" and report["matches_intent"] and report["findings"] == []
    wanted = ("serving", "service:cluster-dns", "udp")
    dns = [p for p in report["paths"] if (p["src"], p["dst"], p["protocol"]) == wanted]
    assert [(p["ports"], p["intended"], p["observed"]) for p in dns] == [([[53, 53]], True, True)]
    assert (tmp_path / "networkpolicies.json").exists()


def test_verify_reads_a_collected_snapshot_and_a_manifest_folder_alike(tamper: Live, tmp_path):
    write_snapshot(collect(tamper.cloud.source()), tmp_path / "json")
    assert invoke("verify", str(EXAMPLE), "--cloud", "kubernetes", "--snapshot", str(tmp_path / "json")).exit_code == 0
    folder = tmp_path / "git"
    for plural in ("namespaces", "pods", "networkpolicies"):
        items = tamper.cloud.cluster.items(plural)
        kind = {"namespaces": "Namespace", "pods": "Pod", "networkpolicies": "NetworkPolicy"}[plural]
        version = "networking.k8s.io/v1" if kind == "NetworkPolicy" else "v1"
        for item in items:
            target = folder / item["metadata"].get("namespace", "cluster") / f"{plural}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as out:
                out.write(yaml.safe_dump({"apiVersion": version, "kind": kind, **item}) + "---\n")
    assert invoke("verify", str(EXAMPLE), "--cloud", "kubernetes", "--snapshot", str(folder)).exit_code == 0
    (folder / "serving" / "networkpolicies.yaml").unlink()  # every policy selecting serving's pods
    result = invoke("verify", str(EXAMPLE), "--cloud", "kubernetes", "--snapshot", str(folder), "--format", "sarif")
    assert result.exit_code == 1
    run = json.loads(result.stdout)["runs"][0]
    rules = {r["ruleId"] for r in run["results"]}
    # serving is wide open: nothing missing, much too much, and its pods isolated by no policy
    assert rules == {"unintended-path", "BH-KUBERNETES-NOT-ISOLATED"}
    assert rules <= {rule["id"] for rule in run["tool"]["driver"]["rules"]}  # one rule per kind and check id


def test_audit_lists_workload_paths_and_what_outside_the_cluster_reaches(tamper: Live, tmp_path):
    write_snapshot(collect(tamper.cloud.source()), tmp_path)
    result = invoke("audit", "--cloud", "kubernetes", "--snapshot", str(tmp_path), "--format", "json")
    assert result.exit_code == 1, result.output  # edge is exposed to the internet (on purpose): audit says so
    audit = json.loads(result.stdout)
    exposed = {(e["resource"], e["protocol"]) for e in audit["exposures"]}
    assert ("edge/edge-0[Pod]", "tcp") in exposed
    edge = next(e for e in audit["exposures"] if e["resource"] == "edge/edge-0[Pod]")
    assert edge["ports"] == [[443, 443]]
    assert edge["evidence"] == ["k8s:netpol/edge/ai-platform-internet-to-edge-ingress#ingress[0]"]
    pair = next(p for p in audit["paths"] if (p["src"], p["dst"]) == ("edge/edge-0[Pod]", "serving/serving-0[Pod]"))
    assert pair["ports"] == [[8080, 8080]]


def test_collect_reads_a_cluster_by_context_into_the_apis_own_lists(tamper: Live, tmp_path, monkeypatch):
    calls = []

    def live_source(**options):
        calls.append(options)
        return loopback_source(tamper.cloud.server.host)  # type: ignore[union-attr]

    monkeypatch.setattr(part("kubernetes", "observe"), "live_source", live_source)
    result = invoke("collect", "--cloud", "kubernetes", "--context", "prod-admin", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert calls == [{"region": None, "context": "prod-admin"}]
    pods = json.loads((tmp_path / "pods.json").read_text())
    assert pods["kind"] == "PodList" and "continue" not in pods["metadata"]
    assert {p["metadata"]["name"] for p in pods["items"]} >= {"serving-0", "coredns-0"}


@pytest.mark.parametrize(("args", "message"), [
    (["verify", str(EXAMPLE), "--cloud", "kubernetes"], "pass exactly one of --region"),
    (["audit", "--cloud", "kubernetes", "--context", "c", "--snapshot", "."], "pass exactly one of --region"),
    (["collect", "--cloud", "kubernetes", "--region", "us-east-1", "--out", "x"], "a cluster has no region"),
    (["collect", "--cloud", "kubernetes", "--out", "x"], "pass --region (a cloud) or --context"),
    (["verify", str(EXAMPLE), "--cloud", "kubernetes", "--snapshot", "/no/such/folder"], "does not exist"),
    (["verify", str(EXAMPLE), "--cloud", "aws", "--snapshot", "."], "cloud 'aws' is not declared"),
])
def test_wrong_options_are_one_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_an_unknown_kubeconfig_context_is_exit_2_naming_it(tmp_path, monkeypatch):
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    monkeypatch.setenv("KUBECONFIG", str(config))
    result = invoke("audit", "--cloud", "kubernetes", "--context", "nope")
    assert result.exit_code == 2, result.output
    assert "cannot load context 'nope'" in result.stderr


def test_an_api_server_that_does_not_answer_is_exit_3_naming_the_list(monkeypatch):
    monkeypatch.setattr(part("kubernetes", "observe"), "live_source",
                        lambda **options: loopback_source("http://127.0.0.1:9"))
    result = invoke("audit", "--cloud", "kubernetes", "--context", "dead")
    assert result.exit_code == 3, result.output
    assert "kubernetes: list namespaces (http://127.0.0.1:9)" in result.stderr


def test_a_malformed_manifest_folder_is_exit_2_with_located_lines(tmp_path: Path):
    (tmp_path / "p.yaml").write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                                     "metadata: {name: p, namespace: a}\nspec: {podSelector: {}, policyTypes: [In]}\n")
    result = invoke("audit", "--cloud", "kubernetes", "--snapshot", str(tmp_path))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'p.yaml'}:4:") and "policyTypes" in first


def test_plan_shows_the_cluster_dns_as_implied_infrastructure_and_no_addresses():
    result = invoke("plan", str(EXAMPLE), "--format", "json")
    assert result.exit_code == 0, result.output
    [cluster] = json.loads(result.stdout)["clouds"]
    assert (cluster["cloud"], cluster["region"], cluster["cidr"]) == ("kubernetes", "ml-prod", None)
    implied = {(p["src"], p["protocol"]) for p in cluster["paths"] if p.get("implied")}
    assert implied == {(s, proto) for s in ("edge", "serving", "training", "feature-store", "vector-db",
                                            "model-registry", "notebooks", "monitoring") for proto in ("tcp", "udp")}
    assert all(p["dst"] == "service:cluster-dns" for p in cluster["paths"] if p.get("implied"))
    table = invoke("plan", str(EXAMPLE))
    assert "paths marked * are implied infrastructure" in table.stdout
    assert table.stdout.count("udp/53 *") == 8 and "tcp/8080 *" not in table.stdout
    store = next(s for s in cluster["segments"] if s["segment"] == "feature-store")
    assert store["settings"] == {"namespace": "data", "pods": {"app.kubernetes.io/name": "feature-store"}}


@pytest.mark.parametrize("args", [
    ["observe", str(EXAMPLE), "--cloud", "kubernetes"],
    ["observe", str(EXAMPLE), "--cloud", "kubernetes", "--snapshot", "snap", "--logs", "flows"],
    ["simulate", str(EXAMPLE), "--cloud", "kubernetes", "--traffic-out", "flows"],
], ids=["observe", "observe-saved", "simulate-traffic"])
def test_flow_logs_are_refused_for_a_cluster_in_one_line_with_what_to_do_instead(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: flow logs are not read for kubernetes; a cluster has no standard flow log")
    assert "bulkhead verify --cloud kubernetes" in line
    assert not (tmp_path / "flows").exists()
