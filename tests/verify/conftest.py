"""Deployed models for the verify tests, and fresh mocked accounts for the tampering tests.

Every model of the end-to-end tests sits in ONE mocked account (the verifier selects a
model's VPC by its `bulkhead:model` tag), deployed and collected once per session and
shared with tests/aws (tests/deployments.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.load import load_model
from infra.model import Model
from infra.plan import make_plan
from infra.snapshot import Snapshot
from providers.aws.mock.cloud import MockedCloud
from providers.aws.observe.collect import collect
from tests.deployments import aws_account

ROOT = Path(__file__).resolve().parents[2]
MODELS = [ROOT / "examples" / "ai-platform.yaml", ROOT / "examples" / "minimal.yaml",
          *sorted((ROOT / "tests" / "data" / "models").glob("*.yaml"))]
TAMPER_MODEL = Path(__file__).parent / "tamper.yaml"
RED_TEAM_MODEL = Path(__file__).parent / "red_team.yaml"


def aws_models() -> list[Path]:
    return [p for p in MODELS if "aws" in load_model(p).model.clouds.declared()]


@pytest.fixture(scope="session")
def deployed_models() -> dict[str, tuple[Model, Snapshot]]:
    """Model file stem -> (model, snapshot of its region of the shared mocked account)."""
    account = aws_account()
    return {p.stem: (account[p.stem].model, account[p.stem].snapshot) for p in aws_models()}


def deploy_and_change(model: Model, change: Callable[[Any, dict[str, Any]], None] | None = None) -> Snapshot:
    """Deploy one model into a fresh mocked account, apply `change(ec2, ids)`, read it back."""
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("aws"))
        ec2 = cloud.source().client("ec2")
        if change is not None:
            change(ec2, segment_ids(ec2, model.name))
        return collect(cloud.source())


def deploy_together(models: list[Model]) -> Snapshot:
    """Deploy several models (one region) into one fresh mocked account and read it back."""
    regions = {m.clouds.aws.region for m in models}  # type: ignore[union-attr]
    assert len(regions) == 1, f"one snapshot holds one region, not {sorted(regions)}"
    with MockedCloud() as cloud:
        for model in models:
            cloud.deploy(make_plan(model).cloud("aws"))
        return collect(cloud.source())


def segment_ids(ec2: Any, model: str) -> dict[str, Any]:
    """segment -> {subnet, group, acl, table, cidr}, found by bulkhead's tags; plus vpc ids."""
    def tagged(kind: str, items: list[dict]) -> dict[str, dict]:
        out = {}
        for item in items:
            tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
            if tags.get("bulkhead:model") == model and "bulkhead:segment" in tags:
                out.setdefault(tags["bulkhead:segment"], item)
        return out

    subnets = tagged("subnet", ec2.describe_subnets()["Subnets"])
    groups = tagged("sg", ec2.describe_security_groups()["SecurityGroups"])
    vpc = next(iter(subnets.values()))["VpcId"]
    acls = {a["SubnetId"]: acl for acl in ec2.describe_network_acls()["NetworkAcls"] for a in acl["Associations"]}
    tables = {a["SubnetId"]: t for t in ec2.describe_route_tables()["RouteTables"]
              for a in t["Associations"] if a.get("SubnetId")}
    ids: dict[str, Any] = {"vpc": vpc}
    for segment, subnet in subnets.items():
        ids[segment] = {"subnet": subnet["SubnetId"], "cidr": subnet["CidrBlock"],
                        "group": groups.get(segment, {}).get("GroupId"),
                        "acl": acls[subnet["SubnetId"]]["NetworkAclId"],
                        "table": tables.get(subnet["SubnetId"], {}).get("RouteTableId")}
    return ids


@pytest.fixture(scope="session")
def base() -> tuple[Snapshot, dict[str, Any]]:
    """red_team.yaml deployed once (the red-team and proof-gap tests edit copies of its dump), with
    its segment ids."""
    ids: dict[str, Any] = {}
    return deploy_and_change(load_model(RED_TEAM_MODEL).model, lambda ec2, found: ids.update(found)), ids
