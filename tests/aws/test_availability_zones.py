"""The n-th zone of the plan is the n-th availability zone the region offers, not `<region>` + a fixed letter.

Regions differ: ap-northeast-1 offers a, c and d (moto models that too), us-east-1 a to f.
Resource names keep the plan's letters (-a, -b, -c), so nothing is renamed where the letters
already matched; a region short of zones is refused before any resource is registered.
"""

from __future__ import annotations

import pytest

from infra.errors import UsageError
from infra.load import parse_model
from infra.plan import make_plan
from providers.aws.mock.cloud import MockedCloud, mocked_session


def _plan(region: str, zones: int):
    text = (f"name: z\nclouds:\n  aws: {{region: {region}, cidr: 10.60.0.0/16, zones: {zones}}}\n"
            "segments:\n  app: {services: [logging]}\n")
    return make_plan(parse_model(text).model).cloud("aws")


def _zones_by_subnet_name(region: str) -> dict[str, str]:
    """The model's subnets (moto's default VPC has subnets of its own) -> their zones."""
    ec2 = mocked_session(region).client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "tag:bulkhead:model", "Values": ["z"]}])["Subnets"]
    return {next(t["Value"] for t in s["Tags"] if t["Key"] == "Name"): s["AvailabilityZone"] for s in subnets}


def _offered(region: str) -> list[str]:
    zones = mocked_session(region).client("ec2").describe_availability_zones()["AvailabilityZones"]
    return sorted(z["ZoneName"] for z in zones)


@pytest.mark.parametrize("region, zones", [("ap-northeast-1", 3), ("us-west-1", 2), ("us-east-1", 2)])
def test_each_planned_zone_lands_in_a_zone_the_region_offers_in_order(region, zones):
    with MockedCloud() as cloud:
        cloud.deploy(_plan(region, zones))
        placed = _zones_by_subnet_name(region)
        offered = _offered(region)
    assert placed["z-app-a"] == offered[0]
    assert placed["z-app-b"] == offered[1]
    if zones == 3:
        assert placed["z-app-c"] == offered[2]
    assert set(placed.values()) <= set(offered)
    assert len({placed[f"z-app-{letter}"] for letter in "abc"[:zones]}) == zones


def test_where_the_letters_already_matched_nothing_moves():
    with MockedCloud() as cloud:
        cloud.deploy(_plan("us-east-1", 2))
        placed = _zones_by_subnet_name("us-east-1")
    assert placed["z-app-a"] == "us-east-1a" and placed["z-app-b"] == "us-east-1b"


def test_a_region_short_of_zones_is_refused_before_any_resource():
    with MockedCloud() as cloud:
        with pytest.raises(UsageError, match=r"asks for 4 availability zones, but ap-northeast-1 offers this "
                                             r"account 3 .*set clouds.aws.zones to at most 3"):
            cloud.deploy(_plan("ap-northeast-1", 4))
        assert _zones_by_subnet_name("ap-northeast-1") == {}
        vpcs = mocked_session("ap-northeast-1").client("ec2").describe_vpcs()["Vpcs"]
        assert [v for v in vpcs if not v.get("IsDefault")] == []


def test_the_pure_mapping_takes_the_offered_zones_in_name_order_and_refuses_too_few():
    from providers.aws.build.plan import rule_plan, zones_offered

    plan = rule_plan(_plan("ap-northeast-1", 3))
    assert zones_offered(plan, ["ap-northeast-1d", "ap-northeast-1a", "ap-northeast-1c"]) == {
        "ap-northeast-1a": "ap-northeast-1a", "ap-northeast-1b": "ap-northeast-1c",
        "ap-northeast-1c": "ap-northeast-1d"}
    with pytest.raises(UsageError, match="asks for 3 availability zones, but ap-northeast-1 offers this account 2"):
        zones_offered(plan, ["ap-northeast-1a", "ap-northeast-1c"])
