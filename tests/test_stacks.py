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


# What a stack needs besides the model: the AWS provider's region (the model's).
PROVIDER_CONFIG = {"aws": {"aws:region": "us-east-1"}}


def _run(cloud: str, model: Path, mocks: Recording, config: dict[str, str] | None = None) -> None:
    # The settings live in the project's own namespace, as Pulumi.yaml declares them.
    pulumi.runtime.set_mocks(mocks, project=f"bulkhead-{cloud}", stack="dev", preview=False)
    pulumi.runtime.set_all_config({f"bulkhead-{cloud}:model": str(model), **PROVIDER_CONFIG.get(cloud, {}),
                                   **(config or {})})
    stack = ROOT / "stacks" / cloud / "__main__.py"
    pulumi.runtime.test(lambda: runpy.run_path(str(stack), run_name="__main__") and None)()


@pytest.fixture(autouse=True)
def no_stack_config_left_behind():
    """The config set here is the Pulumi runtime's, global to the process: a mocked deploy of a
    later test (project `bulkhead`, as simulate's) would read it as its own settings."""
    yield
    pulumi.runtime.set_all_config({})


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure", "kubernetes"])
def test_a_stack_refuses_a_malformed_model_with_its_located_line_and_registers_nothing(cloud):
    mocks = Recording()
    with pytest.raises(pulumi.RunError, match=r"port-too-high\.yaml:\d+:\d+: .*out of range"):
        _run(cloud, ROOT / "tests" / "data" / "bad" / "port-too-high.yaml", mocks)
    assert mocks.registered == []


@pytest.mark.parametrize("cloud", ["gcp", "azure", "kubernetes"])
def test_a_stack_refuses_a_model_that_does_not_declare_its_cloud(cloud, tmp_path):
    aws_only = tmp_path / "aws.yaml"
    aws_only.write_text("name: a\nclouds:\n  aws: {region: us-east-1, cidr: 10.0.0.0/16}\nsegments:\n  web: {}\n")
    mocks = Recording()
    with pytest.raises(pulumi.RunError, match=f"{cloud} is not declared"):
        _run(cloud, aws_only, mocks)
    assert mocks.registered == []


SUBSCRIPTION = "/subscriptions/6f1c0a4e-0b7d-4c1e-9d55-2a1f3e8b9c01/resourceGroups/shared/providers"
TARGETS = {"bulkhead-azure:serviceTargets": json.dumps({
    "object-storage": f"{SUBSCRIPTION}/Microsoft.Storage/storageAccounts/aiplatformdata",
    "container-registry": f"{SUBSCRIPTION}/Microsoft.ContainerRegistry/registries/aiplatformacr",
    "key-management": f"{SUBSCRIPTION}/Microsoft.KeyVault/vaults/ai-platform-kv",
    "logging": f"{SUBSCRIPTION}/Microsoft.Insights/privateLinkScopes/ai-platform-ampls",
    "ml-api": f"{SUBSCRIPTION}/Microsoft.MachineLearningServices/workspaces/ai-platform-ml"})}


@pytest.mark.parametrize("cloud", ["gcp", "azure"])
def test_a_stack_builds_its_cloud_network_for_a_valid_model(cloud):
    mocks = Recording()
    _run(cloud, ROOT / "examples" / "ai-platform.yaml", mocks, TARGETS if cloud == "azure" else None)
    assert f"bulkhead:{cloud}:SegmentedNetwork" in mocks.registered


def test_the_azure_stack_without_private_link_targets_says_which_config_to_set():
    mocks = Recording()
    with pytest.raises(pulumi.RunError, match="serviceTargets.object-storage"):
        _run("azure", ROOT / "examples" / "ai-platform.yaml", mocks)
    assert mocks.registered == []
