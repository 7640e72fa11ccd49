"""The values the snapshot shapes parse strictly: each rule shown accepting what the clouds write
and refusing what they never do (no deployment needed: single items through each shape)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.shapes import MAX_DEPTH, json_path, too_deep
from providers.aws.observe import shapes as aws
from providers.azure.observe import shapes as azure
from providers.gcp.observe import shapes as gcp


def refused(model, item) -> list[tuple[str, str]]:
    """(json path, message) of each problem; [] when the item is accepted."""
    try:
        model.model_validate(item)
    except ValidationError as exc:
        return [(json_path(tuple(e["loc"])), str(e["msg"])) for e in exc.errors(include_url=False)]
    return []


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.0.1.0/24", "10.0.0.5/24", "0.0.0.0/0", "10.1.2.3"])
def test_an_ipv4_subnet_cidr_the_api_writes_is_accepted(cidr):
    assert refused(aws.Subnet, {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": cidr}) == []


@pytest.mark.parametrize("cidr", ["10.50.999.0/26", "10.50.1.0/33", "10.0.0.0/-1", "10.0.0/24", "", "any", "::/0"])
def test_a_subnet_cidr_no_api_writes_is_refused_at_its_key(cidr):
    [(path, message)] = refused(aws.Subnet, {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": cidr})
    assert path == "CidrBlock"
    assert "is not an IPv4 CIDR" in message


@pytest.mark.parametrize("protocol", ["tcp", "udp", "icmp", "icmpv6", "-1", "6", "17", "58", "0", "255", "TCP"])
def test_an_aws_protocol_name_or_number_is_accepted(protocol):
    assert refused(aws.SecurityGroupRule, {"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1",
                                           "IpProtocol": protocol}) == []


@pytest.mark.parametrize("protocol", ["256", "-2", "tcpp", "", "6.0", "all protocols"])
def test_an_aws_protocol_no_api_writes_is_refused(protocol):
    [(path, message)] = refused(aws.SecurityGroupRule, {"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1",
                                                        "IpProtocol": protocol})
    assert path == "IpProtocol" and "is not an IP protocol" in message


def test_a_reversed_tcp_range_is_refused_but_an_icmp_type_above_its_code_is_not():
    rule = {"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "FromPort": 8, "ToPort": 0}
    [(path, message)] = refused(aws.SecurityGroupRule, {**rule, "IpProtocol": "tcp"})
    assert path == "$" and "FromPort 8 is above ToPort 0" in message
    assert refused(aws.SecurityGroupRule, {**rule, "IpProtocol": "icmp"}) == []  # type 8 (echo), code 0
    assert refused(aws.SecurityGroupRule, {**rule, "IpProtocol": "tcp", "FromPort": -1, "ToPort": -1}) == []


@pytest.mark.parametrize("number,ok", [(1, True), (100, True), (32766, True), (32767, True), (32768, True),
                                       (0, False), (32769, False), (True, False), ("100", False), (100.0, False)])
def test_a_nacl_rule_number_is_a_whole_number_from_1_to_32768(number, ok):
    entry = {"RuleNumber": number, "Protocol": "-1", "RuleAction": "deny", "Egress": False, "CidrBlock": "0.0.0.0/0"}
    assert (refused(aws.AclEntry, entry) == []) is ok


@pytest.mark.parametrize("ports,ok", [(["22"], True), (["0-65535"], True), (["8000-8100", "443"], True),
                                      (["90-80"], False), (["70000"], False), (["http"], False), (["+5"], False),
                                      (["1_000"], False), ([22], False), ("22", False)])
def test_gcp_firewall_ports_are_port_texts_in_range_and_in_order(ports, ok):
    rule = {"name": "fw", "network": "n", "allowed": [{"IPProtocol": "tcp", "ports": ports}]}
    assert (refused(gcp.Firewall, rule) == []) is ok


def test_a_gcp_firewall_holds_exactly_one_of_allowed_and_denied():
    base = {"name": "fw", "network": "n"}
    assert refused(gcp.Firewall, {**base, "allowed": [{"IPProtocol": "all"}]}) == []
    assert refused(gcp.Firewall, {**base, "denied": [{"IPProtocol": "all"}], "allowed": []}) == []
    for item, what in (({**base}, "neither allowed nor denied"),
                       ({**base, "allowed": [{"IPProtocol": "tcp"}], "denied": [{"IPProtocol": "all"}]},
                        "both allowed and denied")):
        [(path, message)] = refused(gcp.Firewall, item)
        assert path == "$" and what in message


@pytest.mark.parametrize("priority,ok", [(0, True), (1000, True), (65535, True), (65536, False), (-1, False),
                                         ("1000", False)])
def test_a_gcp_firewall_priority_is_a_whole_number_from_0_to_65535(priority, ok):
    rule = {"name": "fw", "network": "n", "allowed": [{"IPProtocol": "tcp"}], "priority": priority}
    assert (refused(gcp.Firewall, rule) == []) is ok


@pytest.mark.parametrize("prefix,ok", [("*", True), ("VirtualNetwork", True), ("Storage.EastUS", True),
                                       ("AzureLoadBalancer", True), ("10.0.0.0/8", True), ("10.0.0.4", True),
                                       ("2001:db8::/32", True), ("10.0.0.0/99", False), ("10.0.999.0/24", False),
                                       ("1.2.3", False), ("::zz", False)])
def test_an_nsg_rule_prefix_is_a_service_tag_a_cidr_or_an_address(prefix, ok):
    rule = {"name": "r", "properties": {"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                                        "sourceAddressPrefix": prefix}}
    assert (refused(azure.SecurityRule, rule) == []) is ok


@pytest.mark.parametrize("priority,rule,ok", [(100, azure.SecurityRule, True), (4096, azure.SecurityRule, True),
                                              (99, azure.SecurityRule, False), (4097, azure.SecurityRule, False),
                                              (65000, azure.SecurityRule, False), (65500, azure.DefaultRule, True),
                                              (65536, azure.DefaultRule, False)])
def test_an_nsg_priority_is_100_to_4096_for_custom_rules_and_up_to_65500_for_azures_own(priority, rule, ok):
    item = {"name": "r", "properties": {"priority": priority, "direction": "Outbound", "access": "Deny",
                                        "protocol": "*"}}
    assert (refused(rule, item) == []) is ok


@pytest.mark.parametrize("ports,ok", [("*", True), ("443", True), ("80-90", True), ("80,443,8000-8100", True),
                                      ("90-80", False), ("65536", False), ("https", False), ("", False)])
def test_an_nsg_port_range_is_a_star_a_port_a_range_or_a_comma_list_of_them(ports, ok):
    item = {"name": "r", "properties": {"priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Udp",
                                        "destinationPortRange": ports}}
    assert (refused(azure.SecurityRule, item) == []) is ok


def test_azure_may_write_null_for_an_optional_reference_but_never_for_a_list():
    subnet = {"id": "/s/x", "name": "web", "properties": {"networkSecurityGroup": None, "routeTable": None}}
    assert refused(azure.Subnet, subnet) == []
    [(path, message)] = refused(azure.Subnet, {**subnet, "properties": {"addressPrefixes": None}})
    assert path == "properties.addressPrefixes" and "valid list" in message


def test_aws_never_writes_null_so_no_key_may_hold_it():
    for key in ("CidrBlock", "Tags", "MapPublicIpOnLaunch", "Ipv6CidrBlockAssociationSet"):
        assert refused(aws.Subnet, {"SubnetId": "s", "VpcId": "v", key: None}), key


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_too_deep():
    def nested(levels: int) -> object:  # `levels` lists, one inside the other
        value: object = 1
        for _ in range(levels):
            value = [value]
        return value

    assert not too_deep(nested(MAX_DEPTH))
    assert too_deep(nested(MAX_DEPTH + 1))
    assert not too_deep({"a": [{"b": "deep text is not nesting " * 100}]})


def test_a_collected_cluster_checks_other_engines_policy_lists_and_ignores_files_that_are_none_of_its():
    from infra.shapes import layout_problems
    from providers.kubernetes.observe import SNAPSHOT_LAYOUT
    from tests.snapshot_baselines import baseline

    snapshot = dict(baseline("kubernetes").snapshot)
    assert layout_problems(SNAPSHOT_LAYOUT, {**snapshot, "values.prod.json": {"replicas": 2}}) == []
    cilium = {"kind": "CiliumNetworkPolicyList", "apiVersion": "cilium.io/v2", "items": None}
    [problem] = layout_problems(SNAPSHOT_LAYOUT, {**snapshot, "ciliumnetworkpolicies.cilium.io.json": cilium})
    assert (problem.file, problem.path, problem.message) == \
        ("ciliumnetworkpolicies.cilium.io.json", "items", "expected a list, found null")
    cilium["items"] = [{"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
                        "metadata": {"name": "x", "namespace": "web"}}]
    assert layout_problems(SNAPSHOT_LAYOUT, {**snapshot, "ciliumnetworkpolicies.cilium.io.json": cilium}) == []
