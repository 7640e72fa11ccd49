"""The values the snapshot shapes parse strictly: each rule shown accepting what the clouds write
and refusing what they never do (no deployment needed: single items through each shape)."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from infra.errors import SnapshotError
from infra.shapes import MAX_DEPTH, check_snapshot, json_path, too_deep
from infra.unique_ids import duplicate_problems
from providers.aws.observe import shapes as aws
from providers.azure.observe import shapes as azure
from providers.gcp.observe import shapes as gcp
from tests.snapshot_baselines import baseline


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


# ---- the keys the verifier's newer readers use (exits, endpoints, policies, peering, exposures) ----

ROUTE = {"DestinationCidrBlock": "0.0.0.0/0"}


@pytest.mark.parametrize("target,ok", [("local", True), ("igw-0abc12", True), ("vgw-1", True), ("vpce-0gwlb", True),
                                       ("IGW-0ABC", False), ("igw-", False), ("eigw-1", False), ("nat-1", False),
                                       ("", False), ("igw-1 ", False), ("Local", False)])
def test_a_route_gateway_id_is_local_or_an_internet_vpn_or_endpoint_gateway(target, ok):
    found = refused(aws.Route, {**ROUTE, "GatewayId": target})
    assert (found == []) is ok
    if not ok:
        assert found[0][0] == "GatewayId" and "is not a route target id" in found[0][1]


@pytest.mark.parametrize("target,ok", [("vpce-0gwlb", True), ("gwlbe-1", False), ("igw-1", False)])
def test_a_route_to_an_endpoint_names_a_vpce_id(target, ok):
    assert (refused(aws.Route, {**ROUTE, "VpcEndpointId": target}) == []) is ok


@pytest.mark.parametrize("state,ok", [("active", True), ("blackhole", True), ("filtered", True), ("Active", False),
                                      ("up", False)])
def test_a_route_state_is_one_aws_writes(state, ok):
    assert (refused(aws.Route, {**ROUTE, "State": state}) == []) is ok


NAT = {"NatGatewayId": "nat-1"}


@pytest.mark.parametrize("key,value,ok", [
    *(("State", s, True) for s in ("pending", "failed", "available", "deleting", "deleted")),
    ("State", "Available", False), ("State", "up", False),
    ("ConnectivityType", "public", True), ("ConnectivityType", "private", True),
    ("ConnectivityType", "internet", False), ("ConnectivityType", "Public", False),
    ("SubnetId", "subnet-1", True), ("SubnetId", 1, False)])
def test_a_nat_gateway_state_and_connectivity_are_what_aws_writes(key, value, ok):
    assert (refused(aws.NatGateway, {**NAT, key: value}) == []) is ok


ENDPOINT = {"VpcEndpointId": "vpce-1", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3"}


@pytest.mark.parametrize("state,ok", [("available", True), ("Available", True), ("pendingAcceptance", True),
                                      ("deleted", True), ("partial", True), ("up", False), ("", False)])
def test_an_endpoint_state_is_one_aws_writes_in_either_case(state, ok):
    """describe_vpc_endpoints writes lower case; the API's model spells the same states capitalised."""
    assert (refused(aws.VpcEndpoint, {**ENDPOINT, "State": state}) == []) is ok


@pytest.mark.parametrize("kind,ok", [("Interface", True), ("Gateway", True), ("GatewayLoadBalancer", True),
                                     ("ServiceNetwork", True), ("gatewayloadbalancer", False), ("GWLB", False)])
def test_an_endpoint_type_is_spelled_as_aws_does(kind, ok):
    """The verifier tells inspection hops from services by this exact value."""
    assert (refused(aws.VpcEndpoint, {**ENDPOINT, "VpcEndpointType": kind}) == []) is ok


def doc(*statements: object, **top: object) -> str:
    return json.dumps({"Version": "2012-10-17", **top, "Statement": list(statements)})


OWN_ACCOUNT = {"Sid": "Own", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
               "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}


@pytest.mark.parametrize("policy", [
    doc(OWN_ACCOUNT),
    doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),  # AWS's default policy
    json.dumps({"Statement": OWN_ACCOUNT}),  # one statement, not in a list
    doc({"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::123456789012:root"]}, "NotAction": "s3:Get*",
         "NotResource": ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]}),
    doc({"Effect": "Allow", "Principal": {"AWS": "*", "Service": ["ec2.amazonaws.com"]}, "Action": ["kms:Decrypt"]}),
    doc(OWN_ACCOUNT, Id="policy-1", Extra={"kept": True}),
])
def test_a_policy_document_aws_returns_is_accepted(policy):
    assert refused(aws.VpcEndpoint, {**ENDPOINT, "PolicyDocument": policy}) == []


@pytest.mark.parametrize("policy,says", [
    ('{"Statement": [', "the policy document is not JSON text"),
    ("", "the policy document is not JSON text"),
    ("[" * 3000 + "]" * 3000, "the policy document nests deeper than 64 levels"),
    ("[]", "the policy document: $: expected an object, found a list"),
    (json.dumps({"Version": "2012-10-17"}), "the policy document: Statement: missing"),
    (json.dumps({"Statement": "allow all"}), "the policy document: Statement: expected a list"),
    (doc({**OWN_ACCOUNT, "Effect": "allow"}), "the policy document: Statement[0].Effect: 'allow' is not one of"),
    (doc({"Principal": "*"}), "the policy document: Statement[0].Effect: missing"),
    (doc({**OWN_ACCOUNT, "Principal": "123456789012"}), "Statement[0].Principal: expected an object, found"),
    (doc({**OWN_ACCOUNT, "Principal": {"AWS": 123456789012}}), "Statement[0].Principal.AWS"),
    (doc({**OWN_ACCOUNT, "Resource": 5}), "Statement[0].Resource: expected a list"),
    (doc({**OWN_ACCOUNT, "Condition": ["aws:SourceVpc"]}), "Statement[0].Condition: expected an object"),
    (doc({**OWN_ACCOUNT, "Effect": "Permit"}, {"Effect": "Deny", "Resource": 1}), "(and 1 more problem(s))"),
])
def test_a_policy_document_that_cannot_be_read_is_refused_where_it_goes_wrong(policy, says):
    [(path, message)] = refused(aws.VpcEndpoint, {**ENDPOINT, "PolicyDocument": policy})
    assert path == "PolicyDocument"
    assert says in message


@pytest.mark.parametrize("low,high,ok", [(80, 80, True), (1024, 65535, True), (443, 80, False), (0, -1, False)])
def test_a_nacl_port_range_runs_from_low_to_high(low, high, ok):
    entry = {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0",
             "PortRange": {"From": low, "To": high}}
    found = refused(aws.AclEntry, entry)
    assert (found == []) is ok
    if not ok:
        assert found == [("PortRange", f"Value error, From {low} is above To {high}; AWS never returns a reversed "
                                       "range; re-collect the snapshot")]


@pytest.mark.parametrize("address,ok", [("34.1.2.3", True), ("10.40.1.5", True), ("34.1.2.300", False),
                                        ("fd20::4", False), ("34.1.2.0/24", False), ("", False)])
def test_a_gcp_instance_address_is_an_ipv4_address(address, ok):
    nic = {"networkIP": address, "accessConfigs": [{"natIP": address}]}
    found = refused(gcp.Instance, {"name": "web-1", "networkInterfaces": [nic]})
    assert (found == []) is ok
    if not ok:
        assert [path for path, _ in found] == ["networkInterfaces[0].networkIP",
                                               "networkInterfaces[0].accessConfigs[0].natIP"]
        assert all("is not an IPv4 address" in message for _, message in found)


@pytest.mark.parametrize("state,ok", [("ACTIVE", True), ("INACTIVE", True), ("active", False), ("UP", False)])
def test_a_gcp_peering_state_is_active_or_inactive(state, ok):
    network = {"name": "n", "selfLink": "https://x/n", "peerings": [{"name": "p", "network": "https://x/m",
                                                                     "state": state}]}
    assert (refused(gcp.Network, network) == []) is ok


@pytest.mark.parametrize("state,ok", [("Initiated", True), ("Connected", True), ("Disconnected", True),
                                      (None, True), ("connected", False), ("Up", False)])
def test_an_azure_peering_state_is_one_arm_writes(state, ok):
    peering = {"id": "/s/p", "name": "p", "properties": {"peeringState": state}}
    assert (refused(azure.Peering, peering) == []) is ok


@pytest.mark.parametrize("ports,ok", [("*", True), (" * ", True), ("80,443", True), ("80,*", False),
                                      ("*,80", False), ("*-80", False)])
def test_an_nsg_star_stands_alone_never_inside_a_comma_list(ports, ok):
    item = {"name": "r", "properties": {"priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                                        "destinationPortRange": ports}}
    assert (refused(azure.SecurityRule, item) == []) is ok


@pytest.mark.parametrize("address,ok", [("20.1.2.3", True), ("2603:1030::5", True), (None, True),
                                        ("20.1.2.400", False), (7, False)])
def test_an_azure_public_ip_address_is_an_ip_address(address, ok):
    item = {"id": "/s/pip", "properties": {"ipAddress": address}}
    assert (refused(azure.PublicIpAddress, item) == []) is ok


@pytest.mark.parametrize("value,ok", [([{"service": "Microsoft.Storage", "locations": ["eastus"]}], True),
                                      ([{"locations": ["*"]}], False), (["Microsoft.Storage"], False)])
def test_an_azure_service_endpoint_names_its_service(value, ok):
    subnet = {"id": "/s/x", "name": "web", "properties": {"serviceEndpoints": value}}
    assert (refused(azure.Subnet, subnet) == []) is ok


# ---- ids the normalizers key on appear once (infra/unique_ids.py) ----


def test_an_aws_id_seen_in_two_region_folders_is_refused_naming_the_first():
    subnet = {"SubnetId": "subnet-1", "VpcId": "vpc-1"}
    found = duplicate_problems(aws.SNAPSHOT_LAYOUT, {"us-east-1/Subnets.json": {"Subnets": [subnet]},
                                                     "us-west-2/Subnets.json": {"Subnets": [subnet]}})
    assert [(p.file, p.path, p.message) for p in found] == [
        ("us-west-2/Subnets.json", "Subnets[0].SubnetId",
         "'subnet-1' appears a second time (first at us-east-1/Subnets.json: Subnets[0].SubnetId)")]


def test_distinct_aws_ids_and_an_id_shared_by_two_kinds_of_resource_are_accepted():
    documents = {"r/Subnets.json": {"Subnets": [{"SubnetId": "subnet-1"}, {"SubnetId": "subnet-2"}]},
                 "r/NetworkAcls.json": {"NetworkAcls": [{"NetworkAclId": "subnet-1"}]}}
    assert duplicate_problems(aws.SNAPSHOT_LAYOUT, documents) == []


def test_a_gcp_subnet_name_repeats_across_regions_but_not_within_one():
    web = {"name": "web"}
    across = {"p/subnetworks-us-central1.json": {"items": [web]}, "p/subnetworks-europe-west1.json": {"items": [web]}}
    assert duplicate_problems(gcp.SNAPSHOT_LAYOUT, across) == []
    [problem] = duplicate_problems(gcp.SNAPSHOT_LAYOUT, {"p/subnetworks-us-central1.json": {"items": [web, web]}})
    assert (problem.path, problem.message) == ("items[1].name", "'web' appears a second time (first at items[0].name)")


def test_gcp_instances_of_one_name_in_two_zones_are_accepted():
    zones = {"p/instances.json": {"items": [{"name": "a", "zone": "z1"}, {"name": "a", "zone": "z2"}]}}
    assert duplicate_problems(gcp.SNAPSHOT_LAYOUT, zones) == []


def test_azure_ids_compare_case_blind_as_arm_does():
    nic = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkInterfaces/web"
    same = {"s/networkInterfaces.json": {"value": [{"id": nic}, {"id": nic.upper()}]}}
    [problem] = duplicate_problems(azure.SNAPSHOT_LAYOUT, same)
    assert problem.path == "value[1].id"
    other = {"s/networkInterfaces.json": {"value": [{"id": nic}, {"id": nic + "-2"}]}}
    assert duplicate_problems(azure.SNAPSHOT_LAYOUT, other) == []


def test_an_azure_subnet_id_is_checked_inside_its_virtual_network():
    subnet = {"id": "/s/vnet/subnets/web", "name": "web", "properties": {}}
    vnet = {"id": "/s/vnet", "name": "vnet", "properties": {"subnets": [subnet, subnet]}}
    [problem] = duplicate_problems(azure.SNAPSHOT_LAYOUT, {"s/virtualNetworks.json": {"value": [vnet]}})
    assert problem.path == "value[0].properties.subnets[1].id"


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


# ---- Azure: what ARM refuses across rules and files ----


def _azure(snapshot: dict, ending: str) -> tuple[str, dict]:
    [name] = [n for n in snapshot if n.endswith(ending)]
    return name, snapshot[name]


def test_two_rules_of_one_nsg_at_one_priority_are_refused_naming_both():
    snapshot = copy.deepcopy(baseline("azure").snapshot)
    name, nsgs = _azure(snapshot, "/networkSecurityGroups.json")
    index = next(i for i, nsg in enumerate(nsgs["value"]) if len(nsg["properties"]["securityRules"]) >= 2)
    first, second = nsgs["value"][index]["properties"]["securityRules"][:2]
    second["properties"]["priority"] = first["properties"]["priority"]
    second["properties"]["direction"] = first["properties"]["direction"]
    with pytest.raises(SnapshotError) as caught:
        check_snapshot("azure", snapshot)
    [problem] = caught.value.problems
    assert (problem.file, problem.path) == (name, f"value[{index}].properties.securityRules[1].properties.priority")
    assert problem.message == (
        f"rules '{first['name']}' (value[{index}].properties.securityRules[0]) and '{second['name']}' of network "
        f"security group '{nsgs['value'][index]['name']}' both have priority {first['properties']['priority']} "
        f"{first['properties']['direction']}; ARM refuses two rules of one NSG with the same priority and direction")


def test_rules_at_one_priority_in_opposite_directions_or_other_nsgs_are_accepted():
    snapshot = copy.deepcopy(baseline("azure").snapshot)
    _, nsgs = _azure(snapshot, "/networkSecurityGroups.json")
    slots = [{(r["properties"]["priority"], r["properties"]["direction"]) for r in nsg["properties"]["securityRules"]}
             for nsg in nsgs["value"]]
    assert any(a & b for i, a in enumerate(slots) for b in slots[i + 1:])  # other NSGs share a priority already
    first, second = next(nsg for nsg in nsgs["value"] if len(nsg["properties"]["securityRules"]) >= 2)[
        "properties"]["securityRules"][:2]
    second["properties"]["priority"] = first["properties"]["priority"]
    second["properties"]["direction"] = "Outbound" if first["properties"]["direction"] == "Inbound" else "Inbound"
    check_snapshot("azure", snapshot)  # raises on a false alarm


def test_a_subnet_or_nic_whose_nsg_is_not_in_the_snapshot_is_refused_naming_both():
    snapshot = copy.deepcopy(baseline("azure").snapshot)
    nsg_file, nsgs = _azure(snapshot, "/networkSecurityGroups.json")
    vnet_file, vnets = _azure(snapshot, "/virtualNetworks.json")
    nic_file, nics = _azure(snapshot, "/networkInterfaces.json")
    [(v, s, subnet)] = [(v, s, subnet) for v, vnet in enumerate(vnets["value"])
                        for s, subnet in enumerate(vnet["properties"]["subnets"])
                        if subnet["properties"].get("networkSecurityGroup")][:1]
    gone = subnet["properties"]["networkSecurityGroup"]["id"]
    nsgs["value"] = [nsg for nsg in nsgs["value"] if nsg["id"].lower() != gone.lower()]
    nics["value"].append({"id": "/subscriptions/s/nic-x", "name": "nic-x",
                          "properties": {"networkSecurityGroup": {"id": gone.upper()}}})
    with pytest.raises(SnapshotError) as caught:
        check_snapshot("azure", snapshot)
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith(
        f"{nic_file}: value[{len(nics['value']) - 1}].properties.networkSecurityGroup.id: network interface 'nic-x' "
        f"refers to network security group {gone.upper()!r}, which no networkSecurityGroups.json")
    subnet_line = next(line for line in lines if line.startswith(f"{vnet_file}: value[{v}].properties.subnets[{s}]"))
    assert subnet_line.startswith(
        f"{vnet_file}: value[{v}].properties.subnets[{s}].properties.networkSecurityGroup.id: subnet "
        f"'{subnet['name']}' of '{vnets['value'][v]['name']}' refers to network security group {gone!r}, which no "
        "networkSecurityGroups.json of the snapshot holds (it would read as having no NSG); re-collect the snapshot")
    assert nsg_file not in {p.file for p in caught.value.problems}


def test_an_nsg_referenced_in_another_case_is_found_as_arm_compares_ids():
    snapshot = copy.deepcopy(baseline("azure").snapshot)
    _, vnets = _azure(snapshot, "/virtualNetworks.json")
    for vnet in vnets["value"]:
        for subnet in vnet["properties"]["subnets"]:
            if subnet["properties"].get("networkSecurityGroup"):
                subnet["properties"]["networkSecurityGroup"]["id"] = subnet["properties"]["networkSecurityGroup"][
                    "id"].upper()
    check_snapshot("azure", snapshot)  # raises on a false alarm
