"""verify.py (intent vs observed), report.py (JSON, SARIF, audit) and the verify/audit CLI."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import CloudError
from infra.load import parse_model
from infra.ports import PortSet
from infra.reach import Filter, Network, Posture, Rule, Side
from infra.report import audit_json, report_json, sarif
from infra.snapshot import read_snapshot
from infra.verify import intended_paths, verify
from providers.aws.observe.normalize import normalize

GOTCHAS = Path(__file__).parent.parent / "data" / "snapshots" / "aws"
MODEL_TEXT = """name: shop
clouds:
  aws: {region: us-east-1, cidr: 10.0.0.0/16}
  gcp: {region: us-central1, cidr: 10.1.0.0/16, project: shop-project}
segments:
  web:
    internet: {ingress: [443]}
  api:
    services: [logging]
  db: {}
  batch: {clouds: [gcp]}
flows:
  - {from: web, to: api, ports: [8080, 8081, "udp/53"]}
  - {from: api, to: [db, api], ports: [5432, icmp]}
  - {from: api, to: batch, ports: [22]}
"""


def _allow(rule_id: str, peers: set[str], protocol: str, lo: int, hi: int) -> Rule:
    return Rule(rule_id, "allow", frozenset(peers), protocol, PortSet.single(lo, hi))  # type: ignore[arg-type]


def _network(extra: tuple[Rule, ...] = (), posture: tuple[Posture, ...] = ()) -> Network:
    """web, api, db as sides whose single union filters encode what is open."""
    rules = (_allow("r-web-api", {"api"}, "tcp", 8080, 8081), _allow("r-web-api-dns", {"api"}, "udp", 53, 53),
             *extra)
    web = Filter("f-web", "union", rules)
    nothing = Filter("f-none", "union", ())
    open_in = Filter("f-in", "union", (Rule("in-all", "allow", None),))
    sides = {"web": (Side("web", (web,), (open_in,)),), "api": (Side("api", (nothing,), (open_in,)),),
             "db": (Side("db", (nothing,), (open_in,)),)}
    return Network("aws", ("web", "api", "db"), sides=sides, posture=posture)


def test_intended_paths_expand_lists_merge_ports_and_keep_only_the_clouds_segments() -> None:
    model = parse_model(MODEL_TEXT).model
    paths = intended_paths(model, "aws")
    assert paths[("web", "api", "tcp")] == PortSet.single(8080, 8081)
    assert paths[("api", "api", "icmp")] == PortSet.full("icmp")
    assert paths[("internet", "web", "tcp")] == PortSet.single(443)
    assert paths[("api", "service:logging", "tcp")] == PortSet.single(443)
    assert not any("batch" in key[:2] for key in paths)
    assert ("db", "db", "tcp") not in paths


def test_an_observed_port_beyond_intent_is_reported_alone_with_the_rule_that_opened_it() -> None:
    model = parse_model(MODEL_TEXT).model
    report = verify(model, _network((_allow("r-wide", {"api"}, "tcp", 8080, 8090),)))
    unintended = [f for f in report.findings if f.kind == "unintended-path"]
    assert [(f.src, f.dst, f.protocol, f.ports) for f in unintended] == [
        ("web", "api", "tcp", PortSet.single(8082, 8090))]
    assert unintended[0].evidence == ("in-all", "r-wide")
    assert unintended[0].message == "web reaches api on tcp/8082-8090 via in-all, r-wide"
    assert unintended[0].loc == ("flows", 0)


def test_intended_ports_that_do_not_pass_are_missing_paths_with_where_they_stop() -> None:
    report = verify(parse_model(MODEL_TEXT).model, _network())
    missing = {(f.src, f.dst, f.protocol): f for f in report.findings if f.kind == "missing-path"}
    assert missing[("api", "db", "tcp")].evidence == ("f-none",)
    assert missing[("internet", "web", "tcp")].evidence == ()
    assert not report.matches_intent


def test_the_json_report_has_exactly_the_documented_shape() -> None:
    posture = (Posture("aws:vpc/vpc-1", "flow logs are off", ("aws:flowlog/x",)),)
    report = verify(parse_model(MODEL_TEXT).model, _network((_allow("r-db", {"db"}, "icmp", 0, 255),), posture))
    doc = json.loads(json.dumps(report_json(report)))
    assert list(doc) == ["model", "cloud", "matches_intent", "paths", "findings", "waived"]
    assert (doc["model"], doc["cloud"], doc["matches_intent"]) == ("shop", "aws", False)
    row = next(p for p in doc["paths"] if (p["src"], p["dst"], p["protocol"]) == ("web", "api", "tcp"))
    assert row == {"src": "web", "dst": "api", "protocol": "tcp", "ports": [[8080, 8081]], "intended": True,
                   "observed": True, "evidence": ["in-all", "r-web-api"]}
    icmp = next(f for f in doc["findings"] if f["protocol"] == "icmp" and f["dst"] == "db" and f["src"] == "web")
    assert (icmp["kind"], icmp["ports"]) == ("unintended-path", None)
    common = ["kind", "src", "dst", "protocol", "ports", "evidence", "message"]
    assert all(list(f) == common for f in doc["findings"] if f["kind"] != "posture")
    assert {"kind": "posture", "src": None, "dst": None, "protocol": None, "ports": None,
            "evidence": ["aws:vpc/vpc-1", "aws:flowlog/x"], "message": "flow logs are off",
            "check": None, "severity": "medium", "waiver": None} in doc["findings"]
    assert doc["waived"] == []
    assert all(p["intended"] or p["observed"] for p in doc["paths"])


def test_sarif_points_each_finding_at_its_flow_or_segment_line() -> None:
    loaded = parse_model(MODEL_TEXT, "models/shop.yaml")
    posture = (Posture("aws:subnet/s-1", "db is on the default NACL", (), "db"),)
    report = verify(loaded.model, _network((_allow("r-wide", {"api"}, "tcp", 9000, 9000),), posture))
    doc = sarif(report, loaded.source)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    run = doc["runs"][0]
    assert {"unintended-path", "missing-path", "posture"} <= {r["id"] for r in run["tool"]["driver"]["rules"]}
    lines = {(r["ruleId"], r["message"]["text"].split(" ")[0]): r["locations"][0]["physicalLocation"]
             for r in run["results"]}
    flow = lines[("unintended-path", "web")]
    assert flow["artifactLocation"]["uri"] == "models/shop.yaml"
    assert flow["region"]["startLine"] == 13  # the first flow
    assert lines[("posture", "db")]["region"]["startLine"] == 10  # the db segment
    assert lines[("missing-path", "The")]["region"]["startLine"] == 7  # web's internet ingress


def test_audit_mode_lists_interfaces_the_internet_reaches_with_their_ports() -> None:
    snapshot = copy.deepcopy(read_snapshot(GOTCHAS / "10-implicit-route-table-and-public-address"))
    snapshot["us-east-1/NetworkInterfaces.json"] = {"NetworkInterfaces": [{
        "NetworkInterfaceId": "eni-pub", "SubnetId": "subnet-db", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.2.9",
        "Groups": [{"GroupId": "sg-db"}], "Association": {"PublicIp": "203.0.113.9"},
        "Attachment": {"InstanceId": "i-pub"}}]}
    network = normalize(snapshot, None)
    doc = audit_json(network, ())
    evidence = ["aws:nacl/acl-db#110-in", "aws:nacl/acl-db#110-out", "aws:rtb/rtb-main#0.0.0.0/0",
                "aws:sg/sg-db#in-tcp-5432-5432-0.0.0.0/0"]
    # the real interface, and the notional one of the subnet, which auto-assigns public addresses:
    # whatever bulkhead's db group is launched there next is exposed the same way
    assert doc["exposures"] == [
        {"resource": "i-pub", "interface": "eni-pub", "address": "203.0.113.9", "protocol": "tcp",
         "ports": [[5432, 5432]], "evidence": evidence},
        {"resource": "sg-db", "interface": "notional:subnet-db", "address": "on launch", "protocol": "tcp",
         "ports": [[5432, 5432]], "evidence": evidence}]
    assert "gotcha-db" in network.endpoints and "gotcha-web" in network.endpoints


def test_verify_of_a_snapshot_exits_1_and_prints_json_when_the_cloud_differs() -> None:
    case = GOTCHAS / "01-egress-default-kept"
    result = CliRunner().invoke(app, ["verify", str(case / "model.yaml"), "--cloud", "aws", "--snapshot", str(case),
                                      "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["matches_intent"] is False


def test_verify_exits_0_on_a_matching_snapshot_and_2_on_a_missing_folder_or_both_sources() -> None:
    case = GOTCHAS / "13-unfilterable-traffic-is-not-a-path"
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(case / "model.yaml"), "--cloud", "aws", "--snapshot", str(case)])
    assert ok.exit_code == 0 and "matches the model" in ok.stdout
    missing = runner.invoke(app, ["verify", str(case / "model.yaml"), "--cloud", "aws", "--snapshot", "/nonexistent"])
    both = runner.invoke(app, ["verify", str(case / "model.yaml"), "--cloud", "aws", "--snapshot", str(case),
                               "--region", "us-east-1"])
    assert (missing.exit_code, both.exit_code) == (2, 2)
    assert "Traceback" not in missing.output + both.output


def test_a_cloud_api_refusal_during_collect_is_a_cloud_error_naming_the_operation() -> None:
    import boto3

    from providers.aws.observe.collect import collect

    ec2 = boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(ec2) as stub:
        stub.add_client_error("describe_vpcs", "UnauthorizedOperation", "You are not authorized")
        with pytest.raises(CloudError) as caught:
            collect(ec2)
    assert (caught.value.cloud, caught.value.operation, caught.value.resource) == (
        "aws", "describe_vpcs", "region eu-west-1")
    assert caught.value.exit_code == 3 and "UnauthorizedOperation" in str(caught.value)


def test_the_verify_pipeline_never_imports_the_build_pipeline() -> None:
    code = ("import sys, infra.reach, infra.verify, infra.report;"
            "import providers.aws.observe.collect, providers.aws.observe.normalize;"
            "bad = [m for m in sys.modules if m in ('infra.plan', 'pulumi') or m.startswith('pulumi_') or "
            "(m.startswith('providers.') and (set(m.split('.')) & {'build', 'mock'} or m.endswith('.services')))];"
            "print(bad)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
