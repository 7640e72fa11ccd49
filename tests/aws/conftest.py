"""Deploy every AWS test model once per session into one mocked account and read it back.

The read-back is taken right after the deploys and moto is stopped again, so the tests
assert on plain data and nothing else that starts a mocked AWS later can disturb them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pulumi
import pytest

from infra.load import load_model
from infra.model import Model
from infra.plan import make_plan
from providers.aws.mock import FAKE_CREDENTIALS, MockedCloud, Registration
from tests.aws.awsexpect import Account, read_account

ROOT = Path(__file__).resolve().parents[2]
MODELS = [ROOT / "examples" / "ai-platform.yaml", *sorted((ROOT / "tests" / "data" / "models").glob("*.yaml"))]


@dataclass
class Deployed:
    model: Model
    counts: dict[str, int]
    registered: list[Registration]
    account: Account


@pytest.fixture(scope="session")
def deployed() -> dict[str, Deployed]:
    """Model file stem -> what was registered and what the account holds afterwards."""
    out: dict[str, Deployed] = {}
    with MockedCloud() as cloud:
        for path in MODELS:
            model = load_model(path).model
            if "aws" not in model.clouds.declared():
                continue
            before = len(cloud.registered)
            counts = cloud.deploy(make_plan(model).cloud("aws"))
            session = boto3.Session(region_name=model.clouds.aws.region, **FAKE_CREDENTIALS)  # type: ignore[union-attr]
            out[path.stem] = Deployed(model, counts, cloud.registered[before:], read_account(session, model.name))
    return out


@pytest.fixture
def account_copy(deployed: dict[str, Deployed]):
    """A deep copy of one model's read-back, for tests that tamper with it."""
    return lambda stem: copy.deepcopy(deployed[stem].account)


class RecordingMocks(pulumi.runtime.Mocks):
    """The plain mock runtime: echo inputs (plus the outputs consumers read) and record them."""

    def __init__(self) -> None:
        self.registered: list[Registration] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(Registration(args.typ, args.name, dict(args.inputs)))
        extra = {"prefixListId": "pl-echo", "allocationId": f"{args.name}-alloc", "arn": f"arn:echo:{args.name}"}
        return f"{args.name}-id", {**args.inputs, **extra}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, None]:
        raise NotImplementedError(args.token)
