"""Mocked-cloud deployments that several test folders read, made once per test session.

The AWS build read-back (tests/aws), the AWS verifier (tests/verify) and both cross-cloud
comparisons used to deploy the same models separately; a deploy of ai-platform into moto
costs seconds. Here every AWS test model goes into ONE mocked account (each model's VPC is
found by its `bulkhead:model` tag, as a real shared account would need) and is read back,
both ways, before moto stops: so the tests assert on plain data that nothing started later
can disturb. GCP and Azure snapshots for the cross-cloud tests are cached per model file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from infra.load import load_model
from infra.model import Model
from infra.plan import make_plan
from infra.registry import part
from infra.snapshot import Snapshot
from providers.aws.mock.cloud import MockedCloud, Registration, mocked_session
from providers.aws.observe.collect import collect
from tests.aws.awsexpect import Account, read_account

ROOT = Path(__file__).resolve().parents[1]
AWS_FILES = [ROOT / "examples" / "ai-platform.yaml", ROOT / "examples" / "minimal.yaml",
             *sorted((ROOT / "tests" / "data" / "models").glob("*.yaml")),
             *sorted((ROOT / "tests" / "azure" / "models").glob("*.yaml"))]


@dataclass(frozen=True)
class AwsDeployed:
    model: Model
    counts: dict[str, int]  # type token -> resources registered
    registered: list[Registration]
    account: Account  # the model's VPC as the EC2 API describes it (tests/aws/awsexpect.py)
    snapshot: Snapshot  # collect() of the model's region: every model deployed there is in it


@functools.cache
def aws_account() -> dict[str, AwsDeployed]:
    """Model file stem -> its deployment, for every test model that declares aws."""
    models = {p.stem: m for p in AWS_FILES if "aws" in (m := load_model(p).model).clouds.declared()}
    names = [m.name for m in models.values()]
    assert len(set(names)) == len(names), f"two test models share a name, so a VPC tag: {names}"
    with MockedCloud() as cloud:
        deployed: dict[str, tuple[dict[str, int], list[Registration]]] = {}
        for stem, model in models.items():
            before = len(cloud.registered)
            counts = cloud.deploy(make_plan(model).cloud("aws"))
            deployed[stem] = (counts, cloud.registered[before:])
        regions = {m.clouds.aws.region for m in models.values()}  # type: ignore[union-attr]
        snapshots = {region: collect(mocked_session(region)) for region in sorted(regions)}
        return {stem: AwsDeployed(model, *deployed[stem], read_account(mocked_session(region(model)), model.name),
                                  snapshots[region(model)]) for stem, model in models.items()}


def region(model: Model) -> str:
    return model.clouds.aws.region  # type: ignore[union-attr]


def snapshot(cloud: str, path: Path) -> Snapshot:
    """The read-back of the model in `path` on `cloud`: AWS from the shared account, the others
    deployed alone into their mocked cloud (once per session)."""
    if cloud == "aws":
        return aws_account()[path.stem].snapshot
    return _deployed_alone(cloud, path)


@functools.cache
def _deployed_alone(cloud: str, path: Path) -> Snapshot:
    model = load_model(path).model
    with part(cloud, "mock").MockedCloud() as mocked:
        mocked.deploy(make_plan(model).cloud(cloud))
        return part(cloud, "observe").collect(mocked.source())  # type: ignore[no-any-return]
