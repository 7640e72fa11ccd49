"""The mocked Azure drops azure-native's per-API-version aliases (90% of a mocked deploy's
time); what reaches the fake subscription must be exactly what the full program sends."""

from __future__ import annotations

from pathlib import Path

import pulumi

from infra.load import load_model
from infra.plan import make_plan
from providers.azure.mock.cloud import MockedCloud, without_aliases

# Private endpoints, DNS zones, links and a storage account: every kind of resource but NAT.
MODELS = [Path(__file__).parent / "models" / "az-services.yaml", Path(__file__).parent / "models" / "az-egress.yaml"]


def test_a_deploy_without_aliases_leaves_the_same_subscription_as_one_with_them() -> None:
    for path in MODELS:
        plan = make_plan(load_model(path).model).cloud("azure")
        with MockedCloud() as fast:
            fast_counts = fast.deploy(plan)
        with MockedCloud() as full:
            full_counts = full.deploy(plan, keep_aliases=True)
        assert fast_counts == full_counts, path.stem
        assert fast.state() == full.state(), path.stem
        assert fast.recorded == full.recorded, path.stem


def test_the_transformation_removes_the_aliases_and_keeps_everything_else() -> None:
    props = {"addressPrefix": "10.0.1.0/24"}
    opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="azure-native:network/v20230201:Subnet")],
                                  protect=True, ignore_changes=["tags"])
    args = pulumi.ResourceTransformationArgs(resource=None, type_="azure-native:network:Subnet",  # type: ignore[arg-type]
                                             name="s", props=props, opts=opts)
    result = without_aliases(args)
    assert result.opts.aliases is None
    assert (result.props, result.opts.protect, result.opts.ignore_changes) == (props, True, ["tags"])
    assert opts.aliases is not None and len(opts.aliases) == 1  # the caller's options are not changed
