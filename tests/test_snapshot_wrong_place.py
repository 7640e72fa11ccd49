"""Reading where the model is not (another account, region, project or subscription, or a snapshot
of another network) is said in one line with exit 2, naming the model, the cloud, the place read
and what was expected; a partial deployment is still reported as findings (exit 1).

The live reads go through `verify --region` with each provider's `live_source` pointed at a
mocked cloud holding the deployed model, so the same deployment is read in the right place
(exit 0) and in the wrong one.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.plan import make_plan
from infra.registry import part
from infra.snapshot import Snapshot, write_snapshot
from tests.snapshot_baselines import MODEL_FILE, baseline, running


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def one_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.rstrip("\n").split("\n")
    assert line.startswith("error: snapcheck: nothing of the model was found on "), line
    return line


def read_live(monkeypatch, cloud: str, source: Any, region: str = "r1") -> Any:
    monkeypatch.setattr(part(cloud, "observe"), "live_source", lambda **options: source)
    return run("verify", str(MODEL_FILE), "--cloud", cloud, "--region", region)


@pytest.fixture(scope="module")
def deployed() -> Iterator[dict[str, Any]]:
    """The baseline model deployed into each mocked cloud, kept running for live reads."""
    with running("aws") as aws, running("gcp") as gcp, running("azure") as azure:
        yield {"aws": aws, "gcp": gcp, "azure": azure}


def renamed_model(tmp_path: Path, name: str) -> Path:
    target = tmp_path / f"{name}.yaml"
    target.write_text(MODEL_FILE.read_text().replace("name: snapcheck", f"name: {name}"))
    return target


def verify_saved(cloud: str, snapshot: Snapshot, tmp_path: Path, model: Path = MODEL_FILE, *extra: str):
    folder = tmp_path / "snap"
    write_snapshot(snapshot, folder)
    return run("verify", str(model), "--cloud", cloud, "--snapshot", str(folder), *extra)


# ---- AWS ----

def test_aws_read_in_the_deployed_region_matches_and_in_another_region_says_where_it_looked(deployed, monkeypatch):
    from providers.aws.mock.cloud import mocked_session

    assert read_live(monkeypatch, "aws", mocked_session("us-east-1"), "us-east-1").exit_code == 0
    line = one_line(read_live(monkeypatch, "aws", mocked_session("us-west-2"), "us-west-2"))
    assert "on aws in account 123456789012, region us-west-2:" in line
    assert "none tagged bulkhead:model=snapcheck" in line
    assert "expected a VPC and subnets tagged bulkhead:model=snapcheck and bulkhead:segment=<segment>" in line
    assert "(the model declares region us-east-1)" in line


def test_aws_snapshot_of_another_network_names_the_account_and_region_it_holds(tmp_path):
    line = one_line(verify_saved("aws", _without_model_tags(baseline("aws").snapshot), tmp_path))
    assert "on aws in account 123456789012, region us-east-1:" in line
    assert "declares" not in line  # the region is right; the network is not the model's


def _without_model_tags(snapshot: Snapshot) -> Snapshot:
    out = copy.deepcopy(snapshot)
    for document in out.values():
        for items in document.values():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and "Tags" in item:
                    item["Tags"] = [t for t in item["Tags"] if not t["Key"].startswith("bulkhead:")]
    return out


def test_aws_partial_deployment_is_findings_not_a_wrong_place(tmp_path):
    snapshot = copy.deepcopy(baseline("aws").snapshot)
    for subnet in snapshot["us-east-1/Subnets.json"]["Subnets"]:
        if {"Key": "bulkhead:segment", "Value": "web"} in subnet.get("Tags", []):
            subnet["Tags"] = []
    result = verify_saved("aws", snapshot, tmp_path, MODEL_FILE, "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert any(f["kind"] == "missing-path" and f["src"] == "web" for f in findings)


# ---- GCP ----

def test_gcp_read_in_another_region_names_the_project_and_region(deployed, monkeypatch):
    right = deployed["gcp"].source()
    assert read_live(monkeypatch, "gcp", right).exit_code == 0
    line = one_line(read_live(monkeypatch, "gcp", dataclasses.replace(right, region="europe-west1")))
    assert "on gcp in project snapcheck-project, region europe-west1:" in line
    assert "0 subnet(s) in 0 network(s) read, none labelled bulkhead:model=snapcheck" in line
    assert "expected subnets whose description holds bulkhead:model=snapcheck and bulkhead:segment=<segment>" in line
    assert "(the model declares region us-central1)" in line


def test_gcp_read_in_another_project_names_that_project(monkeypatch):
    with part("gcp", "mock").MockedCloud(project="other-project") as other:
        other.deploy(make_plan(_other_model()).cloud("gcp"))
        line = one_line(read_live(monkeypatch, "gcp", other.source()))
    assert "on gcp in project other-project, region us-central1:" in line
    assert "1 subnet(s) in 1 network(s) read, none labelled bulkhead:model=snapcheck" in line
    assert "(the model declares project snapcheck-project)" in line


def _other_model():
    from infra.load import load_model

    path = Path(__file__).parents[1] / "tests" / "data" / "models" / "gcp-mesh.yaml"
    model = load_model(path).model
    data = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    data["clouds"] = {"gcp": {**data["clouds"]["gcp"], "project": "other-project", "region": "us-central1"}}
    data["segments"] = {name: segment for name, segment in list(data["segments"].items())[:1]}
    data["flows"] = []
    return type(model).model_validate(data)


def test_gcp_partial_deployment_is_findings_not_a_wrong_place(tmp_path):
    snapshot = copy.deepcopy(baseline("gcp").snapshot)
    [name] = [n for n in snapshot if "subnetworks-" in n]
    web = next(s for s in snapshot[name]["items"] if '"bulkhead:segment":"web"' in s.get("description", ""))
    web["description"] = ""
    result = verify_saved("gcp", snapshot, tmp_path, MODEL_FILE, "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert any(f["kind"] == "posture" and "segment web is placed on gcp but no subnet" in f["message"]
               for f in findings)


# ---- Azure ----

OTHER_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"


def test_azure_read_in_another_subscription_names_that_subscription(deployed, monkeypatch):
    assert read_live(monkeypatch, "azure", deployed["azure"].source()).exit_code == 0
    other = part("azure", "mock").MockedCloud()
    other.arm.subscription = OTHER_SUBSCRIPTION
    with other:
        line = one_line(read_live(monkeypatch, "azure", dataclasses.replace(
            other.source(), subscription_id=OTHER_SUBSCRIPTION)))
    assert f"on azure in subscription {OTHER_SUBSCRIPTION} (every region read):" in line
    assert "0 virtual network(s) read, none tagged bulkhead:model=snapcheck" in line
    assert "expected a virtual network tagged bulkhead:model=snapcheck with subnets named after the segments" in line
    assert "(the model declares region eastus)" in line


def test_azure_snapshot_of_another_network_names_the_subscription_and_regions_it_holds(tmp_path):
    line = one_line(verify_saved("azure", _untagged_vnets(baseline("azure").snapshot), tmp_path))
    assert "on azure in subscription 00000000-0000-0000-0000-00000000b01d (every region read; virtual networks " \
           "in eastus):" in line
    assert "1 virtual network(s) read, none tagged bulkhead:model=snapcheck" in line


def _untagged_vnets(snapshot: Snapshot) -> Snapshot:
    out = copy.deepcopy(snapshot)
    for name, document in out.items():
        if name.endswith("/virtualNetworks.json"):
            for vnet in document["value"]:
                vnet["tags"] = {}
    return out


def test_azure_partial_deployment_is_findings_not_a_wrong_place(tmp_path):
    snapshot = copy.deepcopy(baseline("azure").snapshot)
    [name] = [n for n in snapshot if n.endswith("/virtualNetworks.json")]
    for vnet in snapshot[name]["value"]:
        for subnet in vnet["properties"]["subnets"]:
            if subnet["name"] == "web":
                subnet["name"] = "web-renamed"
    result = verify_saved("azure", snapshot, tmp_path, MODEL_FILE, "--format", "json")
    assert result.exit_code == 1, result.output
    assert any(f["kind"] == "missing-path" for f in json.loads(result.stdout)["findings"])


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_a_model_of_another_name_reads_a_deployed_snapshot_as_another_network(cloud, tmp_path):
    line = verify_saved(cloud, baseline(cloud).snapshot, tmp_path, renamed_model(tmp_path, "elsewhere"))
    assert line.exit_code == 2
    [text] = line.stderr.rstrip("\n").split("\n")
    assert text.startswith(f"error: elsewhere: nothing of the model was found on {cloud} in ")
    assert "=elsewhere" in text


# ---- Kubernetes ----
# A segment is a namespace (and pod labels): the model is in a cluster when one of its
# segments' namespaces is, whatever the policies are called (they are proven by what they do).

def read_cluster(monkeypatch, source: Any, context: str = "prod-admin") -> Any:
    monkeypatch.setattr(part("kubernetes", "observe"), "live_source", lambda **options: source)
    return run("verify", str(MODEL_FILE), "--cloud", "kubernetes", "--context", context)


def _named(source: Any, context: str) -> Any:
    """The mocked cluster's API server, read as the kubeconfig context `context` would be."""
    return dataclasses.replace(source, name=context)


def test_kubernetes_read_of_another_cluster_names_the_context_and_the_namespaces_expected(monkeypatch):
    with running("kubernetes") as right:
        assert read_cluster(monkeypatch, _named(right.source(), "prod-admin")).exit_code == 0
    with part("kubernetes", "mock").MockedCloud() as other:
        for name in ("default", "kube-system", "shop"):
            other.cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        line = one_line(read_cluster(monkeypatch, _named(other.source(), "staging")))
    assert "on kubernetes in context staging (http://127.0.0.1:" in line  # the context, and its API server
    assert "3 namespace(s) read (default, kube-system, shop), none of the model's" in line
    assert ("expected the namespace(s) api, web (bulkhead's stack labels those it creates "
            "bulkhead.io/model=snapcheck)") in line
    assert "(the model declares cluster snapcheck-cluster)" in line


def test_kubernetes_manifest_folder_of_other_namespaces_is_a_wrong_place(tmp_path):
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "shop.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n"
        "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n")
    line = one_line(run("verify", str(MODEL_FILE), "--cloud", "kubernetes", "--snapshot", str(folder)))
    assert "on kubernetes in the manifests read (1 file(s)): 1 namespace(s) read (shop), none of the model's" in line
    assert "declares" not in line  # no context was read: nothing to compare the cluster's name with


def test_kubernetes_partial_deployment_is_findings_not_a_wrong_place(tmp_path):
    snapshot = copy.deepcopy(baseline("kubernetes").snapshot)
    snapshot["namespaces.json"]["items"] = [n for n in snapshot["namespaces.json"]["items"]
                                            if n["metadata"]["name"] != "web"]
    for plural in ("pods", "networkpolicies", "deployments"):
        document = snapshot[f"{plural}.json"]
        document["items"] = [i for i in document["items"] if i["metadata"].get("namespace") != "web"]
    result = verify_saved("kubernetes", snapshot, tmp_path, MODEL_FILE, "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert any(f["kind"] == "unintended-path" and f["src"] == "web" for f in findings)  # nothing isolates web now
