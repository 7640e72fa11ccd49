"""The mocked AWS reuses its boto3 clients across accounts; each `MockedCloud` still starts empty.

providers/aws/mock/cloud.py makes one session and one client per region and service per process
(a fresh one costs up to 300 ms). These tests hold it to what that relies on: moto
intercepts a reused client in every later mocked account, and a new account never sees
what an earlier one held.
"""

from __future__ import annotations

from providers.aws.mock.cloud import MockedCloud, MotoMocks, mocked_client


def _vpc_cidrs(cloud: MockedCloud) -> set[str]:
    return {v["CidrBlock"] for v in cloud.source().client("ec2").describe_vpcs()["Vpcs"]}


def test_a_vpc_made_in_one_mocked_account_is_gone_in_the_next() -> None:
    with MockedCloud() as first:
        mocked_client("us-east-1", "ec2").create_vpc(CidrBlock="10.99.0.0/16")
        assert "10.99.0.0/16" in _vpc_cidrs(first)
    with MockedCloud() as second:
        # Only moto's default VPC: had the call escaped the mock it would have failed (no network here).
        assert _vpc_cidrs(second) == {"172.31.0.0/16"}


def test_a_client_made_before_any_mock_started_is_intercepted_by_a_later_one() -> None:
    client = mocked_client("eu-north-1", "ec2")
    with MockedCloud():
        client.create_vpc(CidrBlock="10.98.0.0/16")
        assert {v["CidrBlock"] for v in client.describe_vpcs()["Vpcs"]} == {"172.31.0.0/16", "10.98.0.0/16"}


def test_each_deploy_starts_with_its_own_record_of_default_nacl_associations() -> None:
    with MockedCloud():
        first, second = MotoMocks(region="us-east-1"), MotoMocks(region="us-east-1")
        first.clients.default_associations["subnet-1"] = "aclassoc-1"
        assert second.clients.default_associations == {}
        assert second.clients.ec2 is first.clients.ec2
