"""Deploy each model into moto and read the account back: exactly the intended rules, no more.

Expectations come from the YAML (tests/aws/awsexpect.py), never from the rule plan.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Network

import pytest

from tests.aws.awsexpect import (
    ANY,
    acl_of_segment,
    actual_nacl,
    actual_sg_rules,
    aws_segments,
    block,
    endpoints_of,
    expected_nacl,
    expected_sg_rules,
    internet,
    reserved,
    table_of_subnet,
    tag,
    vpc_deny_problems,
)

STEMS = ["ai-platform", "internet-only", "services-heavy", "intra-segment", "multi-protocol", "other-clouds"]


@pytest.mark.parametrize("stem", STEMS)
def test_every_flow_is_exactly_one_egress_and_ingress_pair_and_no_group_has_another_rule(deployed, stem):
    d = deployed[stem]
    want, got = expected_sg_rules(d.model, d.account), actual_sg_rules(d.account)
    assert got - want == {}, f"rules nobody asked for: {got - want}"
    assert want - got == {}, f"missing rules: {want - got}"


def test_the_rule_comparison_notices_a_stray_rule(deployed, account_copy):
    acct = account_copy("multi-protocol")
    stray = dict(acct.rules[0], SecurityGroupRuleId="sgr-stray", FromPort=22, ToPort=22)
    acct.rules.append(stray)
    assert actual_sg_rules(acct) - expected_sg_rules(deployed["multi-protocol"].model, acct) != {}


@pytest.mark.parametrize("stem", STEMS)
def test_the_default_security_group_has_no_rules(deployed, stem):
    acct = deployed[stem].account
    default = [g for g in acct.groups if g["GroupName"] == "default"]
    assert len(default) == 1
    assert [r for r in acct.rules if r["GroupId"] == default[0]["GroupId"]] == []


@pytest.mark.parametrize("stem", STEMS)
def test_each_segment_nacl_allows_its_paths_and_their_replies_and_nothing_else(deployed, stem):
    d = deployed[stem]
    for seg in aws_segments(d.model):
        assert actual_nacl(acl_of_segment(d.account, seg)) == expected_nacl(d.model, d.account, seg), seg


@pytest.mark.parametrize("stem", STEMS)
def test_every_nacl_that_opens_to_the_internet_denies_the_rest_of_the_vpc_first(deployed, stem):
    d = deployed[stem]
    cidr = str(d.model.clouds.aws.cidr)
    problems = {a["NetworkAclId"]: vpc_deny_problems(a, cidr) for a in d.account.acls if not a["IsDefault"]}
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_vpc_deny_check_notices_a_missing_or_misplaced_deny(deployed, account_copy):
    acct = account_copy("ai-platform")
    edge = acl_of_segment(acct, "edge")
    cidr = str(deployed["ai-platform"].model.clouds.aws.cidr)
    assert vpc_deny_problems(edge, cidr) == []
    deny = next(e for e in edge["Entries"] if e["RuleAction"] == "deny" and not e["Egress"])
    deny["RuleNumber"] = max(e["RuleNumber"] for e in edge["Entries"] if e["CidrBlock"] == ANY) + 1
    assert vpc_deny_problems(edge, cidr) != []
    edge["Entries"].remove(deny)
    assert vpc_deny_problems(edge, cidr) != []


def test_a_segment_nacl_has_no_reply_entry_toward_a_peer_that_never_talks_to_it(deployed):
    d = deployed["multi-protocol"]
    dns = actual_nacl(acl_of_segment(d.account, "dns"))
    # dns talks only with probe and app; db and dns have no flow in either direction.
    assert not [key for key in dns if key[1] == block(d.model, "db")]
    assert (True, block(d.model, "app"), "udp") in dns and (True, block(d.model, "probe"), "icmp") in dns


@pytest.mark.parametrize("stem", STEMS)
def test_every_subnet_is_explicitly_associated_with_a_non_default_nacl(deployed, stem):
    acct = deployed[stem].account
    default = [a for a in acct.acls if a["IsDefault"]]
    assert len(default) == 1 and default[0]["Associations"] == []
    assert [e for e in default[0]["Entries"] if e["RuleAction"] == "allow"] == []
    held = {a["SubnetId"] for acl in acct.acls if not acl["IsDefault"] for a in acl["Associations"]}
    assert held == {s["SubnetId"] for s in acct.subnets}


@pytest.mark.parametrize("stem", STEMS)
def test_segments_get_one_subnet_per_zone_inside_their_slot_and_only_public_ones_map_public_ips(deployed, stem):
    d = deployed[stem]
    zones = d.model.clouds.aws.zones
    for seg in d.model.segments:
        mine = [s for s in d.account.subnets if tag(s, "bulkhead:segment") == seg]
        if seg not in aws_segments(d.model):
            assert mine == [], f"{seg} is not placed on aws but has subnets"
            continue
        assert len(mine) == zones and len({s["AvailabilityZone"] for s in mine}) == zones
        assert all(IPv4Network(s["CidrBlock"]).subnet_of(IPv4Network(block(d.model, seg))) for s in mine)
        public = bool(internet(d.model, seg, "ingress"))
        assert {s["MapPublicIpOnLaunch"] for s in mine} == {public}, seg


def _default_route_targets(table) -> set[str]:
    return {r.get("GatewayId") or r.get("NatGatewayId") for r in table["Routes"]
            if r.get("DestinationCidrBlock") == ANY}


@pytest.mark.parametrize("stem", STEMS)
def test_internet_routes_exist_only_for_segments_the_model_lets_out_or_in(deployed, stem):
    d, acct = deployed[stem], deployed[stem].account
    igw = {g["InternetGatewayId"] for g in acct.igws}
    nat = {n["NatGatewayId"] for n in acct.nats}
    for seg in aws_segments(d.model):
        ins, outs = internet(d.model, seg, "ingress"), internet(d.model, seg, "egress")
        want = igw if ins else (nat if outs else set())
        for subnet in (s for s in acct.subnets if tag(s, "bulkhead:segment") == seg):
            assert _default_route_targets(table_of_subnet(acct, subnet["SubnetId"])) == want, seg
    nat_subnets = {n["SubnetId"] for n in acct.nats}
    for table in acct.tables:
        targets = _default_route_targets(table)
        if targets & igw and tag(table, "bulkhead:segment") == "_shared":
            # the one shared table with an IGW route is the NAT gateway's, and only its subnet uses it
            assert {a.get("SubnetId") for a in table["Associations"]} <= nat_subnets
        assert not any(a.get("Main") for a in table["Associations"]) or targets == set()


@pytest.mark.parametrize("stem", STEMS)
def test_gateways_exist_only_when_some_segment_needs_them(deployed, stem):
    d, acct = deployed[stem], deployed[stem].account
    placed = aws_segments(d.model)
    ingress = [s for s in placed if internet(d.model, s, "ingress")]
    nat_only = [s for s in placed if internet(d.model, s, "egress") and not internet(d.model, s, "ingress")]
    assert len(acct.igws) == (1 if ingress or nat_only else 0)
    assert len(acct.nats) == (1 if nat_only else 0)
    for n in acct.nats:
        subnet = next(s for s in acct.subnets if s["SubnetId"] == n["SubnetId"])
        assert IPv4Network(subnet["CidrBlock"]).subnet_of(reserved(d.model))


@pytest.mark.parametrize("stem", STEMS)
def test_endpoints_exist_only_for_declared_services_and_sit_where_declared(deployed, stem):
    d, acct = deployed[stem], deployed[stem].account
    placed = aws_segments(d.model)
    declared = {svc for s in placed for svc in d.model.segments[s].services}
    found = {svc for svc in ("object-storage", "container-registry", "key-management", "logging", "ml-api")
             if endpoints_of(acct, svc)}
    assert found == declared
    assert len(acct.endpoints) == sum(len(endpoints_of(acct, s)) for s in found)
    for e in endpoints_of(acct, "object-storage"):
        users = [s for s in placed if "object-storage" in d.model.segments[s].services]
        want = {table_of_subnet(acct, sn["SubnetId"])["RouteTableId"]
                for sn in acct.subnets if tag(sn, "bulkhead:segment") in users}
        assert e["VpcEndpointType"] == "Gateway" and set(e["RouteTableIds"]) == want
    for e in acct.endpoints:
        if e["VpcEndpointType"] == "Interface":
            assert e["PrivateDnsEnabled"] is True
            cidrs = [s["CidrBlock"] for s in acct.subnets if s["SubnetId"] in e["SubnetIds"]]
            assert len(cidrs) == d.model.clouds.aws.zones
            assert all(IPv4Network(c).subnet_of(reserved(d.model)) for c in cidrs)


@pytest.mark.parametrize("stem", STEMS)
def test_every_endpoint_policy_draws_a_perimeter_by_condition(deployed, stem):
    """No endpoint keeps AWS's allow-everything default: interface endpoints serve the account's
    own principals only, the S3 gateway its own buckets only (read back as moto stores them)."""
    account = boto3_account()
    for e in deployed[stem].account.endpoints:
        [statement] = json.loads(e["PolicyDocument"])["Statement"]
        assert statement["Effect"] == "Allow" and statement["Principal"] == "*"
        if e["VpcEndpointType"] == "Interface":
            assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": account}}
        else:
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}


def boto3_account() -> str:
    """moto's default account, the one the caller identity names while deploying."""
    from moto.core import DEFAULT_ACCOUNT_ID

    return str(DEFAULT_ACCOUNT_ID)


@pytest.mark.parametrize("stem", STEMS)
def test_s3_prefix_list_routes_reach_only_the_segments_that_declare_object_storage(deployed, stem):
    d, acct = deployed[stem], deployed[stem].account
    for subnet in acct.subnets:
        seg = tag(subnet, "bulkhead:segment")
        routes = table_of_subnet(acct, subnet["SubnetId"])["Routes"]
        has_s3 = any(r.get("DestinationPrefixListId") == acct.s3_prefix_list for r in routes)
        assert has_s3 == (seg in d.model.segments and "object-storage" in d.model.segments[seg].services)


@pytest.mark.parametrize("stem", STEMS)
def test_flow_logs_capture_all_traffic_of_the_vpc(deployed, stem):
    logs = deployed[stem].account.flow_logs
    assert len(logs) == 1
    assert logs[0]["TrafficType"] == "ALL" and logs[0]["DeliverLogsStatus"] == "SUCCESS"


@pytest.mark.parametrize("stem", STEMS)
def test_everything_is_tagged_with_model_and_segment(deployed, stem):
    d, acct = deployed[stem], deployed[stem].account
    segments = set(d.model.segments) | {"_shared"}
    tagged = (acct.subnets + acct.acls + acct.tables + acct.endpoints + acct.igws + acct.nats + acct.flow_logs
              + acct.groups + acct.rules)
    for resource in tagged:
        assert tag(resource, "bulkhead:model") == d.model.name, resource
        assert tag(resource, "bulkhead:segment") in segments, resource
