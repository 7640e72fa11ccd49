"""The program around the component: stable names, input checks before any resource, the stack
entry point, the flow-log setting, and a mocked AWS that refuses what it cannot apply."""

from __future__ import annotations

import runpy
from pathlib import Path

import boto3
import pulumi
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import UsageError
from infra.load import load_model
from infra.plan import make_plan
from providers.aws.mock import cloud as mock
from providers.aws.mock.cloud import (
    FAKE_CREDENTIALS,
    HANDLERS,
    MockedCloud,
    MotoMocks,
    UnsupportedResource,
    run_program,
)
from tests.aws.conftest import ROOT, RecordingMocks

MODELS = ROOT / "tests" / "data" / "models"
STACK = ROOT / "stacks" / "aws" / "__main__.py"


def _aws_plan(path: Path):
    return make_plan(load_model(path).model).cloud("aws")


def _recorded(path: Path) -> dict[tuple[str, str], dict]:
    mocks = RecordingMocks()
    run_program(mocks, _aws_plan(path))
    return {(r.typ, r.name): r.inputs for r in mocks.registered}


def _reordered(source: Path, target: Path) -> Path:
    """The same model with segments, flows and every flow's target list in reverse order."""
    yaml = YAML()
    data = yaml.load(source.read_text())
    data["segments"] = dict(reversed(list(data["segments"].items())))
    data["flows"] = list(reversed(data["flows"]))
    for flow in data["flows"]:
        if isinstance(flow["to"], list):
            flow["to"] = list(reversed(flow["to"]))
    with target.open("w") as out:
        yaml.dump(data, out)
    return target


@pytest.mark.parametrize("source", [ROOT / "examples" / "ai-platform.yaml", MODELS / "multi-protocol.yaml"])
def test_reordering_segments_and_flows_keeps_every_logical_name_and_input(source, tmp_path):
    shuffled = _reordered(source, tmp_path / "shuffled.yaml")
    assert list(load_model(shuffled).model.segments) != list(load_model(source).model.segments)
    before, after = _recorded(source), _recorded(shuffled)
    assert sorted(before) == sorted(after)
    assert before == after


def test_logical_names_come_from_model_names_not_positions():
    names = {name for _, name in _recorded(MODELS / "multi-protocol.yaml")}
    assert "multiproto-app-to-db-udp-5000-5001-egress" in names
    assert "multiproto-app-to-db-udp-5000-5001-ingress" in names
    assert "multiproto-probe-to-dns-icmp-egress" in names
    assert not any(part.isdigit() and len(part) == 1 for name in names for part in name.split("-"))


def _count_registrations(monkeypatch) -> list[str]:
    seen: list[str] = []
    original = MotoMocks.new_resource

    def spy(self, args):
        seen.append(args.typ)
        return original(self, args)

    monkeypatch.setattr(MotoMocks, "new_resource", spy)
    return seen


def test_a_model_over_a_quota_exits_2_before_any_resource_is_registered(monkeypatch):
    seen = _count_registrations(monkeypatch)
    result = CliRunner().invoke(app, ["simulate", str(ROOT / "tests/data/bad/quota-aws-sg-ingress.yaml"),
                                      "--cloud", "aws"])
    assert result.exit_code == 2
    assert "over the limit of 60" in result.output
    assert seen == []


def test_a_valid_model_simulates_and_registers_resources_through_the_same_path(monkeypatch):
    seen = _count_registrations(monkeypatch)
    result = CliRunner().invoke(app, ["simulate", str(MODELS / "intra-segment.yaml"), "--cloud", "aws",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert seen.count("aws:ec2/securityGroup:SecurityGroup") == 2


def test_an_unsupported_type_token_raises_an_error_naming_it():
    handlers = {k: v for k, v in HANDLERS.items() if k != "aws:ec2/eip:Eip"}
    with MockedCloud(), pytest.raises(UnsupportedResource, match="'aws:ec2/eip:Eip'"):
        run_program(MotoMocks(region="us-east-1", handlers=handlers), _aws_plan(MODELS / "internet-only.yaml"))


def test_an_unknown_data_source_raises_an_error_naming_it():
    with MockedCloud():
        mocks = MotoMocks(region="us-east-1")
        with pytest.raises(UnsupportedResource, match="aws:index/getAmi:getAmi"):
            mocks.call(pulumi.runtime.MockCallArgs("aws:index/getAmi:getAmi", {}, ""))


def test_deploy_outside_a_with_block_is_refused():
    with pytest.raises(UsageError):
        MockedCloud().deploy(_aws_plan(MODELS / "intra-segment.yaml"))


def test_flow_logs_go_to_a_private_s3_bucket_when_configured():
    with MockedCloud(config={"bulkhead:flowLogs": "s3"}) as cloud:
        counts = cloud.deploy(_aws_plan(MODELS / "intra-segment.yaml"))
        session = boto3.Session(region_name="us-west-2", **FAKE_CREDENTIALS)
        logs = session.client("ec2").describe_flow_logs()["FlowLogs"]
        bucket = logs[0]["LogDestination"].split(":::")[1]
        block = session.client("s3").get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert "aws:cloudwatch/logGroup:LogGroup" not in counts
    assert [(f["LogDestinationType"], f["TrafficType"]) for f in logs] == [("s3", "ALL")]
    assert all(block.values())


def test_an_unknown_flow_log_destination_fails_before_any_resource():
    mocks = RecordingMocks()
    with pytest.raises(UsageError, match="config flowLogs is 'kinesis'; set it to cloudwatch or s3"):
        run_program(mocks, _aws_plan(MODELS / "intra-segment.yaml"), {"bulkhead:flowLogs": "kinesis"})
    assert [r for r in mocks.registered if r.typ.startswith("aws:ec2")] == []


def _run_stack(mocks: pulumi.runtime.Mocks, model: Path) -> None:
    pulumi.runtime.set_mocks(mocks, project="bulkhead-aws", stack="dev", preview=False)
    pulumi.runtime.set_all_config({"bulkhead-aws:model": str(model), "aws:region": "us-west-2"})  # the models' region
    pulumi.runtime.test(lambda: runpy.run_path(str(STACK), run_name="__main__") and None)()


def test_the_stack_program_deploys_the_configured_model():
    mocks = RecordingMocks()
    _run_stack(mocks, MODELS / "intra-segment.yaml")
    assert ("bulkhead:aws:SegmentedNetwork", "intra") in {(r.typ, r.name) for r in mocks.registered}


@pytest.mark.parametrize("model, message", [
    ("tests/data/bad/quota-aws-nacl.yaml", "over the limit of 20"),
    ("tests/data/bad/port-too-high.yaml", "out of range"),
])
def test_the_stack_program_refuses_a_bad_model_before_any_resource(model, message):
    mocks = RecordingMocks()
    with pytest.raises(pulumi.RunError, match=message):
        _run_stack(mocks, ROOT / model)
    assert mocks.registered == []


def test_the_stack_program_refuses_a_model_without_aws(tmp_path):
    gcp_only = tmp_path / "gcp.yaml"
    gcp_only.write_text("name: g\nclouds:\n  gcp: {region: us-central1, cidr: 10.0.0.0/16, project: shop-project}\n"
                        "segments:\n  a: {}\n")
    mocks = RecordingMocks()
    with pytest.raises(pulumi.RunError, match="aws is not declared"):
        _run_stack(mocks, gcp_only)
    assert mocks.registered == []


def test_the_mock_module_applies_every_type_the_component_can_register():
    # Every aws resource class build.py uses must have a handler; a full-featured model
    # (NAT, IGW, all services, both flow-log kinds) is what exercises them.
    registered = {t for t, _ in _recorded(ROOT / "examples" / "ai-platform.yaml")}
    assert registered - set(HANDLERS) - set(mock.PASS_THROUGH) == set()
