"""The AWS test models deployed once per session into one mocked account and read back.

The deployment is shared with tests/verify and the cross-cloud tests (tests/deployments.py).
The read-back is taken right after the deploys and moto is stopped again, so the tests
assert on plain data and nothing else that starts a mocked AWS later can disturb them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from providers.aws.mock.cloud import Registration
from tests.deployments import AwsDeployed, aws_account

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def deployed() -> dict[str, AwsDeployed]:
    """Model file stem -> what was registered and what the account holds afterwards."""
    return aws_account()


@pytest.fixture
def account_copy(deployed: dict[str, AwsDeployed]):
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

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":  # endpoint policies name the account
            return {"accountId": "111122223333", "arn": "arn:echo:caller", "id": "111122223333", "userId": "echo"}, []
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":  # zones a-f of the stack's region
            region = pulumi.runtime.get_config("aws:region") or "us-east-1"
            return {"id": region, "names": [f"{region}{letter}" for letter in "abcdef"]}, []
        raise NotImplementedError(args.token)
