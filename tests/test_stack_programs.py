"""Every stack program under the Pulumi mocks: the stack's provider settings reach the resources,
contradictions with the model are refused before anything registers, every cloud exports the
one output shape (docs/stack-outputs.md), named children delete before they replace, and
child names do not depend on the order of the YAML."""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest
from ruamel.yaml import YAML

from infra.load import load_model
from infra.plan import make_plan
from infra.registry import part
from infra.stack_outputs import SEGMENT_KEYS, STACK_KEYS

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "ai-platform.yaml"
# The same platform on a cluster: ai-platform.yaml declares the three clouds only.
EXAMPLES = {"kubernetes": ROOT / "examples" / "ai-platform-kubernetes.yaml"}
CLOUDS = ["aws", "gcp", "azure", "kubernetes"]


def example(cloud: str) -> Path:
    return EXAMPLES.get(cloud, EXAMPLE)


MODELS = {cloud: load_model(example(cloud)).model for cloud in CLOUDS}
SUBSCRIPTION = "/subscriptions/6f1c0a4e-0b7d-4c1e-9d55-2a1f3e8b9c01/resourceGroups/shared/providers"
TARGETS = json.dumps({
    "object-storage": f"{SUBSCRIPTION}/Microsoft.Storage/storageAccounts/aiplatformdata",
    "container-registry": f"{SUBSCRIPTION}/Microsoft.ContainerRegistry/registries/aiplatformacr",
    "key-management": f"{SUBSCRIPTION}/Microsoft.KeyVault/vaults/ai-platform-kv",
    "logging": f"{SUBSCRIPTION}/Microsoft.Insights/privateLinkScopes/ai-platform-ampls",
    "ml-api": f"{SUBSCRIPTION}/Microsoft.MachineLearningServices/workspaces/ai-platform-ml"})
# What each stack needs besides the model (set in the project's own namespace).
NEEDED = {"aws": {"aws:region": "us-east-1"}, "gcp": {}, "azure": {"bulkhead-azure:serviceTargets": TARGETS},
          "kubernetes": {}}


@dataclass
class Registered:
    typ: str
    name: str
    provider: str
    id: str
    state: dict[str, Any]


@dataclass
class Recording(pulumi.runtime.Mocks):
    """Echo every resource with the outputs the components read (arn, selfLink, email)."""

    seen: list[Registered] = field(default_factory=list)

    def new_resource(self, args):
        state = {**args.inputs, "arn": f"arn:{args.name}", "selfLink": f"https://self/{args.name}",
                 "email": f"{args.name}@sa"}
        self.seen.append(Registered(args.typ, args.name, args.provider or "", f"{args.name}-id", state))
        return f"{args.name}-id", state

    def call(self, args):
        # the AWS program reads the account id for its endpoint policies
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/t", "id": "123456789012",
                    "userId": "AIDATEST"}, []
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":  # and the region's zones
            return {"names": ["us-east-1a", "us-east-1b", "us-east-1c"]}, []
        return {}, []

    def of_type(self, suffix: str) -> dict[str, Registered]:
        return {r.name: r for r in self.seen if r.typ.endswith(suffix)}


def run_stack(cloud: str, config: dict[str, str], monkeypatch, model: Path | None = None) -> tuple[Recording, dict]:
    """Run stacks/<cloud>/__main__.py as `pulumi up` would; return the mocks and what it exported."""
    model = model or example(cloud)
    mocks, exported, resolved = Recording(), {}, {}
    monkeypatch.setattr(pulumi, "export", lambda key, value: exported.__setitem__(key, value))
    pulumi.runtime.set_mocks(mocks, project=f"bulkhead-{cloud}", stack="dev", preview=False)
    pulumi.runtime.set_all_config({f"bulkhead-{cloud}:model": str(model), **config})

    @pulumi.runtime.test
    def program():
        runpy.run_path(str(ROOT / "stacks" / cloud / "__main__.py"), run_name="__main__")
        return pulumi.Output.from_input(exported).apply(resolved.update)

    program()
    return mocks, resolved


@pytest.fixture(autouse=True)
def no_region_in_the_environment(monkeypatch):
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def no_stack_config_left_behind():
    """The config set here is the Pulumi runtime's, global to the process: a mocked deploy of a
    later test (project `bulkhead`, as simulate's) would read it as its own settings."""
    yield
    pulumi.runtime.set_all_config({})


# --- the stack's provider settings -----------------------------------------------------------

AWS_SETTINGS = {"aws:region": "us-east-1", "aws:profile": "platform-prod",
                "aws:assumeRoles": json.dumps([{"roleArn": "arn:aws:iam::123456789012:role/deploy"}]),
                "aws:defaultTags": json.dumps({"tags": {"team": "platform"}})}
PROVIDER_SETTINGS = {"aws": AWS_SETTINGS,
                     "gcp": {"gcp:project": "ai-platform-prod", "gcp:region": "us-central1",
                             "gcp:impersonateServiceAccount": "deployer@ai-platform-prod.iam.gserviceaccount.com",
                             "gcp:defaultLabels": json.dumps({"team": "platform"})},
                     "azure": {"azure-native:location": "East US", "azure-native:subscriptionId":
                               "6f1c0a4e-0b7d-4c1e-9d55-2a1f3e8b9c01", "bulkhead-azure:serviceTargets": TARGETS},
                     "kubernetes": {"kubernetes:context": "prod-admin", "kubernetes:namespace": "elsewhere",
                                    "kubernetes:enableServerSideApply": "true"}}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_resource_goes_through_the_stacks_own_provider_and_its_settings(cloud, monkeypatch):
    # The engine builds the default provider from the stack's `<cloud>:` settings (profile,
    # assumed roles, default tags/labels, subscription, ...); a program-made provider would
    # ignore them. So: no provider registered by the program, none named by any resource.
    mocks, _ = run_stack(cloud, PROVIDER_SETTINGS[cloud], monkeypatch)
    assert len(mocks.seen) > 20
    assert [r.typ for r in mocks.seen if r.typ.startswith("pulumi:providers:")] == []
    assert {r.provider for r in mocks.seen} == {""}


def test_the_aws_stack_deploys_where_the_environment_says_when_the_config_does_not(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    mocks, _ = run_stack("aws", {}, monkeypatch)
    assert "bulkhead:aws:SegmentedNetwork" in {r.typ for r in mocks.seen}


@pytest.mark.parametrize("cloud, config, env, message", [
    ("aws", {"aws:region": "us-west-2"}, {}, "aws:region is us-west-2 but the model places the VPC in us-east-1"),
    ("aws", {}, {"AWS_DEFAULT_REGION": "eu-west-1"}, "AWS_DEFAULT_REGION is eu-west-1 but the model"),
    ("aws", {}, {}, "the stack names no AWS region; set `pulumi config set aws:region us-east-1`"),
    ("gcp", {"gcp:project": "someone-else"}, {}, "gcp:project is someone-else but the model deploys to project "
                                                 "ai-platform-prod"),
    ("gcp", {"gcp:region": "europe-west1"}, {}, "gcp:region is europe-west1 but the model deploys to region"),
    ("azure", {"azure-native:location": "westeurope", "bulkhead-azure:serviceTargets": TARGETS}, {},
     "azure-native:location is westeurope but the model deploys to eastus"),
])
def test_a_provider_setting_that_contradicts_the_model_is_refused_before_anything_registers(
        cloud, config, env, message, monkeypatch):
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    with pytest.raises(pulumi.RunError, match=message.replace("`", ".").replace("(", ".").replace(")", ".")) as exc:
        run_stack(cloud, config, monkeypatch)
    assert "Traceback" not in str(exc.value)


def test_a_stack_that_refuses_registers_nothing(monkeypatch):
    mocks = Recording()
    monkeypatch.setattr(pulumi.runtime, "set_mocks", _keep(pulumi.runtime.set_mocks, mocks))
    with pytest.raises(pulumi.RunError):
        run_stack("aws", {"aws:region": "us-west-2"}, monkeypatch)
    assert mocks.seen == []


def _keep(set_mocks, mocks):
    return lambda _ignored, **kwargs: set_mocks(mocks, **kwargs)


# --- the Azure private-link targets ----------------------------------------------------------

def _targets(**changes: str | None) -> str:
    targets = json.loads(TARGETS)
    for service, value in changes.items():
        if value is None:
            targets.pop(service.replace("_", "-"))
        else:
            targets[service.replace("_", "-")] = value
    return json.dumps(targets)


@pytest.mark.parametrize("targets, message", [
    (_targets(object_storage="my-storage-account"),
     r"serviceTargets.object-storage: 'my-storage-account' is not an Azure resource id; set `pulumi config set "
     r"--path serviceTargets.object-storage /subscriptions/<subscription-guid>/resourceGroups/<group>/providers/"
     r"Microsoft.Storage/storageAccounts/<name>`"),
    (_targets(key_management="/subscriptions/<sub>/resourceGroups/<g>/providers/Microsoft.KeyVault/vaults/<vault>"),
     "serviceTargets.key-management: .* is not an Azure resource id"),
    (_targets(logging=f"{SUBSCRIPTION}/Microsoft.KeyVault/vaults/ai-platform-kv"),
     "serviceTargets.logging: .* is a Microsoft.KeyVault/vaults; logging connects to a "
     "Microsoft.Insights/privateLinkScopes"),
    (_targets(key_management=None), "serviceTargets.key-management: no private-link target for key-management"),
    (json.dumps({**json.loads(TARGETS), "object-store": f"{SUBSCRIPTION}/Microsoft.Storage/storageAccounts/x"}),
     "serviceTargets.object-store: no such service"),
])
def test_an_azure_service_target_of_the_wrong_shape_is_refused_with_the_fix(targets, message, monkeypatch):
    with pytest.raises(pulumi.RunError, match=message.replace("`", ".") if "\\" in message else message):
        run_stack("azure", {"bulkhead-azure:serviceTargets": targets}, monkeypatch)


def test_every_problem_with_the_targets_is_reported_at_once(monkeypatch):
    bad = _targets(object_storage="x", key_management=None)
    with pytest.raises(pulumi.RunError) as exc:
        run_stack("azure", {"bulkhead-azure:serviceTargets": bad}, monkeypatch)
    lines = [line for line in str(exc.value).splitlines() if line.startswith("serviceTargets.")]
    assert [line.split(":")[0] for line in lines] == ["serviceTargets.key-management", "serviceTargets.object-storage"]


# --- one output shape ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def outputs() -> dict[str, tuple[Recording, dict]]:
    monkeypatch = pytest.MonkeyPatch()
    try:
        return {cloud: run_stack(cloud, NEEDED[cloud], monkeypatch) for cloud in CLOUDS}
    finally:
        monkeypatch.undo()


def _placed(cloud: str) -> set[str]:
    model = MODELS[cloud]
    return {s for s in model.segments if cloud in model.placement(s)}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_every_cloud_exports_the_same_keys_with_the_same_structure_per_segment(outputs, cloud):
    _, exported = outputs[cloud]
    assert list(exported) == list(STACK_KEYS)
    # a cluster has no region: null, never a missing key
    assert (exported["cloud"], exported["model"], exported["region"]) == \
        (cloud, "ai-platform", getattr(getattr(MODELS[cloud].clouds, cloud), "region", None))
    assert set(exported["segments"]) == _placed(cloud)
    subnets = 0 if cloud == "kubernetes" else 1  # a segment on a cluster is pods, not a subnet
    for name, segment in exported["segments"].items():
        assert list(segment) == list(SEGMENT_KEYS), name
        assert segment["networkId"] == exported["networkId"]
        assert isinstance(segment["subnetIds"], list) and len(segment["subnetIds"]) == len(segment["cidrs"]) >= subnets


def test_the_aws_outputs_are_the_ids_of_the_segments_vpc_subnets_group_and_route_table(outputs):
    mocks, exported = outputs["aws"]
    subnets = mocks.of_type(":Subnet")
    serving = exported["segments"]["serving"]
    assert exported["networkId"] == mocks.of_type(":Vpc")["ai-platform-vpc"].id
    assert serving["subnetIds"] == [subnets[n].id for n in sorted(subnets) if n.startswith("ai-platform-serving-")]
    assert serving["cidrs"] == [subnets[n].state["cidrBlock"] for n in sorted(subnets)
                                if n.startswith("ai-platform-serving-")]
    assert (serving["identityKind"], serving["identity"]) == \
        ("securityGroup", mocks.of_type(":SecurityGroup")["ai-platform-serving-sg"].id)
    assert serving["routeTableId"] == mocks.of_type(":RouteTable")["ai-platform-serving-rt"].id


def test_the_gcp_outputs_are_the_network_subnet_and_service_account_of_the_segment(outputs):
    mocks, exported = outputs["gcp"]
    serving = exported["segments"]["serving"]
    assert exported["networkId"] == "https://self/ai-platform-vpc"
    assert serving["subnetIds"] == ["https://self/ai-platform-serving"]
    assert serving["cidrs"] == [mocks.of_type(":Subnetwork")["ai-platform-serving"].state["ipCidrRange"]]
    assert (serving["identityKind"], serving["identity"]) == ("serviceAccount", "ai-platform-serving@sa")
    assert serving["routeTableId"] is None


def test_the_azure_outputs_are_the_vnet_subnet_and_application_security_group_of_the_segment(outputs):
    mocks, exported = outputs["azure"]
    notebooks = exported["segments"]["notebooks"]
    assert exported["networkId"] == mocks.of_type(":VirtualNetwork")["ai-platform-vnet"].id
    assert notebooks["subnetIds"] == [mocks.of_type(":Subnet")["ai-platform-notebooks"].id]
    assert notebooks["cidrs"] == [mocks.of_type(":Subnet")["ai-platform-notebooks"].state["addressPrefix"]]
    assert (notebooks["identityKind"], notebooks["identity"]) == \
        ("applicationSecurityGroup", mocks.of_type(":ApplicationSecurityGroup")["ai-platform-notebooks-asg"].id)
    assert notebooks["routeTableId"] is None


def test_the_kubernetes_outputs_are_the_cluster_and_the_pods_each_segments_policies_select(outputs):
    mocks, exported = outputs["kubernetes"]
    assert (exported["networkId"], exported["region"]) == ("ml-prod", None)
    policies = {name.split("/", 1)[1]: r.state for name, r in mocks.of_type(":NetworkPolicy").items()}
    for segment, out in exported["segments"].items():
        assert (out["identityKind"], out["subnetIds"], out["cidrs"], out["routeTableId"]) == \
            ("podSelector", [], [], None)
        deny = policies[f"ai-platform-{segment}-default-deny"]  # selects exactly the segment's pods
        assert deny["metadata"]["namespace"] == out["identity"]["namespace"]
        assert deny["spec"]["podSelector"].get("matchLabels", {}) == out["identity"]["matchLabels"]
    assert exported["segments"]["feature-store"]["identity"] == {
        "namespace": "data", "matchLabels": {"app.kubernetes.io/name": "feature-store"}}
    assert exported["segments"]["serving"]["identity"] == {"namespace": "serving", "matchLabels": {}}


def test_the_stacks_default_kubernetes_namespace_moves_no_object(monkeypatch):
    # `kubernetes:namespace` only places objects that name none: every one bulkhead makes names its own.
    mocks, _ = run_stack("kubernetes", PROVIDER_SETTINGS["kubernetes"], monkeypatch)
    placed = [r.state["metadata"]["namespace"] for r in mocks.seen if r.typ.endswith(":NetworkPolicy")]
    assert placed and "elsewhere" not in placed and all(placed)


# --- replacements and names ------------------------------------------------------------------

def _children_options(cloud: str) -> dict[str, bool | None]:
    """Logical name -> delete_before_replace of every resource the component creates."""
    seen: dict[str, bool | None] = {}

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        if not args.type_.startswith("bulkhead:"):  # the component itself is not a cloud resource
            seen[f"{args.type_}::{args.name}"] = args.opts.delete_before_replace

    opts = pulumi.ResourceOptions(transformations=[record])
    cloud_plan = make_plan(MODELS[cloud]).cloud(cloud)
    pulumi.runtime.set_mocks(Recording(), project="bulkhead", stack="dev", preview=False)
    pulumi.runtime.set_all_config({})
    build = part(cloud, "build")
    if cloud == "azure":
        targets = json.loads(TARGETS)
        pulumi.runtime.test(lambda: build.program(cloud_plan, service_targets=targets, opts=opts).urn)()
    else:
        pulumi.runtime.test(lambda: build.program(cloud_plan, opts=opts).urn)()
    return seen


@pytest.mark.parametrize("cloud", ["gcp", "azure", "kubernetes"])
def test_every_named_child_is_deleted_before_its_replacement_is_created(cloud, monkeypatch):
    # GCP, Azure and Kubernetes names are fixed and unique: a replacement created first would collide.
    monkeypatch.setattr(pulumi, "export", lambda key, value: None)
    options = _children_options(cloud)
    assert len(options) > 20
    assert {name for name, first in options.items() if first is not True} == set()


def _reordered(tmp_path: Path, cloud: str) -> Path:
    yaml = YAML()
    document = yaml.load(example(cloud).read_text())
    document["segments"] = dict(reversed(list(document["segments"].items())))
    document["flows"] = list(reversed(document["flows"]))
    target = tmp_path / "reordered.yaml"
    with target.open("w") as stream:
        yaml.dump(document, stream)
    return target


@pytest.mark.parametrize("cloud", CLOUDS)
def test_reordering_segments_and_flows_renames_no_resource(cloud, outputs, tmp_path, monkeypatch):
    mocks, _ = run_stack(cloud, NEEDED[cloud], monkeypatch, model=_reordered(tmp_path, cloud))
    before = {(r.typ, r.name) for r in outputs[cloud][0].seen}
    assert {(r.typ, r.name) for r in mocks.seen} == before


def test_a_stack_still_configured_in_the_old_bulkhead_namespace_is_refused_not_given_the_default_model(
        monkeypatch):
    # Pulumi.yaml's default model would otherwise quietly replace the one the stack named.
    with pytest.raises(pulumi.RunError, match=r"the stack sets bulkhead:model, bulkhead:flowLogs; this project "
                                              r"reads its settings as bulkhead-aws:<key> now"):
        run_stack("aws", {**NEEDED["aws"], "bulkhead:model": "mine.yaml", "bulkhead:flowLogs": "s3"}, monkeypatch)
