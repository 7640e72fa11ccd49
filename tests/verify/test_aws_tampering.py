"""Tampering: deploy tests/verify/tamper.yaml into moto, change it with boto3 behind bulkhead's
back, and check that verify reports exactly the new finding, with the changed rule in evidence.

Findings the untouched deployment already has are subtracted, so each test sees only what its
change caused.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.load import load_model
from infra.verify import Finding, verify
from providers.aws.observe.normalize import normalize
from tests.verify.conftest import TAMPER_MODEL, deploy_and_change

MODEL = load_model(TAMPER_MODEL).model


def _key(f: Finding) -> tuple:
    return (f.kind, f.src, f.dst, f.protocol, str(f.ports) if f.ports else None, f.message)


@pytest.fixture(scope="module")
def baseline() -> set[tuple]:
    return {_key(f) for f in verify(MODEL, normalize(deploy_and_change(MODEL), MODEL)).findings}


def new_findings(baseline: set[tuple], change) -> list[Finding]:
    report = verify(MODEL, normalize(deploy_and_change(MODEL, change), MODEL))
    return [f for f in report.findings if _key(f) not in baseline]


def _rule_id(response: dict) -> str:
    rule = response["SecurityGroupRules"][0]
    return f"aws:sg/{rule['GroupId']}#{rule['SecurityGroupRuleId']}"


def _open_nacls(ec2: Any, ids: dict, src: str, dst: str, lo: int, hi: int) -> None:
    """Forward and reply NACL entries between two segments, numbered before the builder's."""
    a, b = ids[src], ids[dst]
    ec2.create_network_acl_entry(NetworkAclId=a["acl"], RuleNumber=90, Protocol="6", RuleAction="allow", Egress=True,
                                 CidrBlock=b["cidr"], PortRange={"From": lo, "To": hi})
    ec2.create_network_acl_entry(NetworkAclId=b["acl"], RuleNumber=90, Protocol="6", RuleAction="allow", Egress=False,
                                 CidrBlock=a["cidr"], PortRange={"From": lo, "To": hi})
    ec2.create_network_acl_entry(NetworkAclId=b["acl"], RuleNumber=91, Protocol="6", RuleAction="allow", Egress=True,
                                 CidrBlock=a["cidr"], PortRange={"From": 1024, "To": 65535})
    ec2.create_network_acl_entry(NetworkAclId=a["acl"], RuleNumber=91, Protocol="6", RuleAction="allow", Egress=False,
                                 CidrBlock=b["cidr"], PortRange={"From": 1024, "To": 65535})


def test_opening_a_data_segment_to_0_0_0_0_is_a_posture_finding_naming_the_rule(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        seen["rule"] = _rule_id(ec2.authorize_security_group_ingress(GroupId=ids["data"]["group"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]))

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.evidence) == ("posture", "data", (seen["rule"],))


def test_a_widened_port_range_is_an_unintended_path_on_the_extra_ports_only(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        seen["rule"] = _rule_id(ec2.authorize_security_group_ingress(GroupId=ids["data"]["group"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5440,
             "UserIdGroupPairs": [{"GroupId": ids["serving"]["group"]}]}]))
        ec2.authorize_security_group_egress(GroupId=ids["serving"]["group"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5440,
             "UserIdGroupPairs": [{"GroupId": ids["data"]["group"]}]}])
        _open_nacls(ec2, ids, "serving", "data", 5432, 5440)

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.dst, finding.protocol) == ("unintended-path", "serving", "data", "tcp")
    assert finding.ports is not None and finding.ports.as_lists() == [[5433, 5440]]
    assert seen["rule"] in finding.evidence


def test_a_group_to_group_rule_from_serving_to_training_is_an_unintended_path(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        seen["rule"] = _rule_id(ec2.authorize_security_group_ingress(GroupId=ids["training"]["group"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000,
             "UserIdGroupPairs": [{"GroupId": ids["serving"]["group"]}]}]))
        ec2.authorize_security_group_egress(GroupId=ids["serving"]["group"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000,
             "UserIdGroupPairs": [{"GroupId": ids["training"]["group"]}]}])
        _open_nacls(ec2, ids, "serving", "training", 9000, 9000)

    found = new_findings(baseline, change)
    [finding] = [f for f in found if f.kind != "posture"]
    assert (finding.kind, finding.src, finding.dst, finding.ports.as_lists()) == (  # type: ignore[union-attr]
        "unintended-path", "serving", "training", [[9000, 9000]])
    assert seen["rule"] in finding.evidence
    # The reply entries of that unintended flow let training start connections to serving's
    # high ports at the NACL layer; only serving's groups stop them.
    [lone] = [f for f in found if f.kind == "posture"]
    assert (lone.check, lone.src) == ("BH-AWS-NACL-ALONE-OPENS", "training") and "tcp/1024-65535" in lone.message


def test_egress_to_anywhere_plus_a_nat_route_lets_training_reach_the_internet(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        seen["rule"] = _rule_id(ec2.authorize_security_group_egress(GroupId=ids["training"]["group"], IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]))
        nat = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])["NatGateways"][0]
        ec2.create_route(RouteTableId=ids["training"]["table"], DestinationCidrBlock="0.0.0.0/0",
                         NatGatewayId=nat["NatGatewayId"])
        seen["route"] = f"aws:rtb/{ids['training']['table']}#0.0.0.0/0"

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.dst, finding.protocol) == (
        "unintended-path", "training", "internet", "tcp")
    assert {seen["rule"], seen["route"]} <= set(finding.evidence)


def test_an_internet_gateway_route_in_a_private_segments_table_is_a_posture_finding(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [ids["vpc"]]}])
        ec2.create_route(RouteTableId=ids["data"]["table"], DestinationCidrBlock="0.0.0.0/0",
                         GatewayId=igw["InternetGateways"][0]["InternetGatewayId"])
        seen["route"] = f"aws:rtb/{ids['data']['table']}#0.0.0.0/0"

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.evidence) == ("posture", "data", (seen["route"],))


def test_a_nacl_allow_all_entry_numbered_before_the_deny_is_a_posture_finding(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        ec2.create_network_acl_entry(NetworkAclId=ids["data"]["acl"], RuleNumber=32000, Protocol="-1",
                                     RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0")
        seen["entry"] = f"aws:nacl/{ids['data']['acl']}#32000-in"

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.evidence) == ("posture", "data", (seen["entry"],))


def test_a_private_subnet_moved_to_the_default_nacl_is_flagged_and_its_flows_go_missing(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])["NetworkAcls"]
        default = next(a for a in acls if a["IsDefault"])
        association = next(a["NetworkAclAssociationId"] for acl in acls for a in acl["Associations"]
                           if a["SubnetId"] == ids["data"]["subnet"])
        ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=default["NetworkAclId"])
        seen["acl"] = default["NetworkAclId"]

    found = new_findings(baseline, change)
    posture = [f for f in found if f.kind == "posture"]
    assert [(f.src, f.evidence) for f in posture] == [("data", (f"aws:subnet/{_subnet(found)}",
                                                                 f"aws:nacl/{seen['acl']}"))]
    # The builder neutralises the default NACL: whatever it now allows, the model's flows into
    # data must be reported if they no longer pass, never silently accepted.
    missing = {(f.src, f.dst) for f in found if f.kind == "missing-path"}
    assert missing <= {("serving", "data"), ("training", "data")}


def _subnet(found: list[Finding]) -> str:
    return next(f.evidence[0] for f in found if f.kind == "posture").removeprefix("aws:subnet/")


def test_an_ipv6_anywhere_rule_on_a_private_segment_is_a_posture_finding(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        seen["rule"] = _rule_id(ec2.authorize_security_group_ingress(GroupId=ids["training"]["group"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]))

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.evidence) == ("posture", "training", (seen["rule"],))


def test_an_instance_launched_with_the_vpc_default_group_is_a_posture_finding(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]},
                                                       {"Name": "group-name", "Values": ["default"]}])
        default = groups["SecurityGroups"][0]["GroupId"]
        instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=ids["serving"]["subnet"],
                                     SecurityGroupIds=[default])["Instances"][0]
        seen.update(instance=instance["InstanceId"], group=default)

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src) == ("posture", "serving")
    assert {f"aws:instance/{seen['instance']}", f"aws:sg/{seen['group']}"} <= set(finding.evidence)


def test_a_public_ip_on_a_non_edge_subnet_is_a_posture_finding(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        ec2.modify_subnet_attribute(SubnetId=ids["data"]["subnet"], MapPublicIpOnLaunch={"Value": True})
        seen["subnet"] = ids["data"]["subnet"]

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.evidence) == ("posture", "data", (f"aws:subnet/{seen['subnet']}",))


def test_a_removed_flow_rule_is_a_missing_path_blocked_at_the_group(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [ids["data"]["group"]]}])
        rule = next(r for r in rules["SecurityGroupRules"] if not r["IsEgress"]
                    and (r.get("ReferencedGroupInfo") or {}).get("GroupId") == ids["serving"]["group"])
        ec2.revoke_security_group_ingress(GroupId=ids["data"]["group"],
                                          SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])
        seen["group"] = ids["data"]["group"]

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.dst, finding.ports.as_lists()) == (  # type: ignore[union-attr]
        "missing-path", "serving", "data", [[5432, 5432]])
    assert finding.evidence == (f"aws:sg/{seen['group']}#ingress",)


def test_a_removed_reply_nacl_entry_is_a_missing_path_blocked_at_that_nacl(baseline) -> None:
    seen: dict[str, str] = {}

    def change(ec2, ids):
        acl = ec2.describe_network_acls(NetworkAclIds=[ids["data"]["acl"]])["NetworkAcls"][0]
        reply = next(e for e in acl["Entries"] if e["Egress"] and e.get("CidrBlock") == ids["serving"]["cidr"]
                     and e.get("PortRange", {}).get("From") == 1024)
        ec2.delete_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=reply["RuleNumber"], Egress=True)
        seen["acl"] = acl["NetworkAclId"]

    [finding] = new_findings(baseline, change)
    assert (finding.kind, finding.src, finding.dst) == ("missing-path", "serving", "data")
    assert finding.evidence == (f"aws:nacl/{seen['acl']}#out",)
