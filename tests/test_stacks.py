"""Every stacks/<cloud>/__main__.py: the configured model is checked before anything registers."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pulumi
import pytest

ROOT = Path(__file__).parent.parent


class Recording(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[str] = []

    def new_resource(self, args):
        self.registered.append(args.typ)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args):
        return {}, None


def _run(cloud: str, model: Path, mocks: Recording, config: dict[str, str] | None = None) -> None:
    pulumi.runtime.set_mocks(mocks, project=f"bulkhead-{cloud}", stack="dev", preview=False)
    pulumi.runtime.set_all_config({"bulkhead:model": str(model), **(config or {})})
    stack = ROOT / "stacks" / cloud / "__main__.py"
    pulumi.runtime.test(lambda: runpy.run_path(str(stack), run_name="__main__") and None)()


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_a_stack_refuses_a_malformed_model_with_its_located_line_and_registers_nothing(cloud):
    mocks = Recording()
    with pytest.raises(pulumi.RunError, match=r"port-too-high\.yaml:\d+:\d+: .*out of range"):
        _run(cloud, ROOT / "tests" / "data" / "bad" / "port-too-high.yaml", mocks)
    assert mocks.registered == []


@pytest.mark.parametrize("cloud", ["gcp", "azure"])
def test_a_stack_refuses_a_model_that_does_not_declare_its_cloud(cloud, tmp_path):
    aws_only = tmp_path / "aws.yaml"
    aws_only.write_text("name: a\nclouds:\n  aws: {region: us-east-1, cidr: 10.0.0.0/16}\nsegments:\n  web: {}\n")
    mocks = Recording()
    with pytest.raises(pulumi.RunError, match=f"{cloud} is not declared"):
        _run(cloud, aws_only, mocks)
    assert mocks.registered == []


TARGETS = {"bulkhead:serviceTargets": json.dumps({
    service: f"/subscriptions/s/resourceGroups/shared/providers/Example/{service}"
    for service in ("object-storage", "container-registry", "key-management", "logging", "ml-api")})}


@pytest.mark.parametrize("cloud", ["gcp", "azure"])
def test_a_stack_builds_its_cloud_network_for_a_valid_model(cloud):
    mocks = Recording()
    _run(cloud, ROOT / "examples" / "ai-platform.yaml", mocks, TARGETS if cloud == "azure" else None)
    assert f"bulkhead:{cloud}:SegmentedNetwork" in mocks.registered


def test_the_azure_stack_without_private_link_targets_says_which_config_to_set():
    mocks = Recording()
    with pytest.raises(pulumi.RunError, match="bulkhead:serviceTargets"):
        _run("azure", ROOT / "examples" / "ai-platform.yaml", mocks)
    assert mocks.registered == []
