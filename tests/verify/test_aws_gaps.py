"""Proof gaps closed on AWS (issue 13): each class of real configuration, tampered into a copy of a
deployed describe dump, and its healthy negation.

red_team.yaml (one zone) serves the routing and posture cases; ai-platform (two zones, the
shared account of tests/deployments.py) serves the per-subnet cases. Every test states the
complete set of findings its change must cause.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.snapshot import Snapshot, write_snapshot
from infra.verify import Finding, verify
from providers.aws.observe.normalize import normalize
from tests.verify.test_aws_red_team import REGION, Snap, _ssh_interface, evidence, expect, summary

FW_SUBNET, FW_TABLE, GWLB = "subnet-0inspect", "rtb-0inspect", "vpce-0gwlb"


def checks_of(found: list[Finding]) -> set[tuple[str | None, str | None]]:
    return {(f.src, f.check) for f in found if f.kind == "posture"}


# --- Gateway Load Balancer endpoints (inspection) -------------------------------------------


def _inspection(snap: Snap, segment: str, *onward: dict[str, Any]) -> str:
    """An appliance subnet with a GWLB endpoint; `segment` sends 0.0.0.0/0 to it; returns that route's id."""
    vpc = snap.ids["vpc"]
    snap.items("Subnets").append({"SubnetId": FW_SUBNET, "VpcId": vpc, "CidrBlock": "10.50.5.0/27", "Tags": [
        {"Key": "bulkhead:model", "Value": "redteam"}, {"Key": "bulkhead:segment", "Value": "_inspection"}]})
    snap.items("RouteTables").append({"RouteTableId": FW_TABLE, "VpcId": vpc, "Associations": [
        {"SubnetId": FW_SUBNET, "RouteTableId": FW_TABLE, "Main": False}], "Routes": [
        {"DestinationCidrBlock": "10.50.0.0/16", "GatewayId": "local", "State": "active"}, *onward]})
    snap.items("VpcEndpoints").append({"VpcEndpointId": GWLB, "VpcEndpointType": "GatewayLoadBalancer",
                                       "VpcId": vpc, "State": "available", "SubnetIds": [FW_SUBNET],
                                       "ServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0firewall"})
    return snap.route(segment, "0.0.0.0/0", GatewayId=GWLB)


def _https_out(snap: Snap, segment: str) -> str:
    rule = snap.sg_rule(segment, True, "tcp", 443, 443, CidrIpv4="0.0.0.0/0")
    snap.open_nacls(segment, "internet", "6", (443, 443), cidr="0.0.0.0/0")
    return rule


def test_a_default_route_through_an_inspection_endpoint_that_leads_to_the_nat_reaches_the_internet(base) -> None:
    snap = Snap(base)
    route = _inspection(snap, "data", {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": snap.nat(),
                                       "State": "active"})
    rule = _https_out(snap, "data")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "data", "internet", "tcp", [[443, 443]]))
    nat_subnet_route = next(f"aws:rtb/{t['RouteTableId']}#0.0.0.0/0" for t in snap.items("RouteTables")
                            if any(r.get("GatewayId", "").startswith("igw-") for r in t["Routes"])
                            and t["RouteTableId"] != snap.ids["edge"]["table"])
    assert {route, rule, f"aws:vpce/{GWLB}", f"aws:rtb/{FW_TABLE}#0.0.0.0/0", nat_subnet_route} <= evidence(
        found, "unintended-path", "data", "internet")


def test_an_inspection_endpoint_whose_subnet_routes_nowhere_opens_nothing_and_is_a_dead_end(base) -> None:
    snap = Snap(base)
    route = _inspection(snap, "data")
    _https_out(snap, "data")
    found = snap.findings()
    assert summary(found) == expect(("posture", "data", None, None, None))
    assert checks_of(found) == {("data", "BH-AWS-EGRESS-DEAD-END")} and route in found[0].evidence
    assert GWLB in found[0].message


def test_the_internet_reaches_a_public_address_behind_an_inspection_endpoint_that_leads_to_the_gateway(base) -> None:
    snap = Snap(base)
    igw = next(g["InternetGatewayId"] for g in snap.items("InternetGateways")
               if any(a.get("VpcId") == snap.ids["vpc"] for a in g.get("Attachments", [])))
    route = _inspection(snap, "data", {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active"})
    next(s for s in snap.items("Subnets") if s["SubnetId"] == snap.ids["data"]["subnet"])["MapPublicIpOnLaunch"] = True
    rule = snap.sg_rule("data", False, "tcp", 22, 22, CidrIpv4="0.0.0.0/0")
    snap.nacl("data", 80, False, "6", "allow", "0.0.0.0/0", (22, 22))
    snap.nacl("data", 80, True, "6", "allow", "0.0.0.0/0", (1024, 65535))
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "internet", "data", "tcp", [[22, 22]]),
                                    ("posture", "data", None, None, None), ("posture", "data", None, None, None))
    assert {route, rule, f"aws:vpce/{GWLB}", f"aws:rtb/{FW_TABLE}#0.0.0.0/0"} <= evidence(
        found, "unintended-path", "internet", "data")
    assert checks_of(found) == {("data", "BH-AWS-SUBNET-AUTO-PUBLIC-IP"), ("data", "BH-AWS-SG-PUBLIC-INGRESS")}


# --- NAT gateways that cannot reach the internet --------------------------------------------


def _nat_table(snap: Snap) -> dict[str, Any]:
    subnet = next(n["SubnetId"] for n in snap.items("NatGateways") if n["NatGatewayId"] == snap.nat())
    return next(t for t in snap.items("RouteTables") if any(a.get("SubnetId") == subnet for a in t["Associations"]))


def _egress_lost(found: list[Finding], why: str) -> None:
    assert summary(found) == expect(("missing-path", "serving", "internet", "tcp", [[443, 443]]),
                                    ("posture", "serving", None, None, None))
    assert checks_of(found) == {("serving", "BH-AWS-EGRESS-DEAD-END")}
    [dead] = [f for f in found if f.kind == "posture"]
    assert why in dead.message


def test_a_nat_whose_subnet_lost_its_internet_gateway_route_leaves_the_private_segment_without_egress(base) -> None:
    snap = Snap(base)
    table = _nat_table(snap)
    table["Routes"] = [r for r in table["Routes"] if r.get("DestinationCidrBlock") != "0.0.0.0/0"]
    _egress_lost(snap.findings(), "has no route to an attached internet gateway")


def test_a_nat_behind_a_detached_internet_gateway_is_no_way_out(base) -> None:
    snap = Snap(base)
    for gateway in snap.items("InternetGateways"):
        if any(a.get("VpcId") == snap.ids["vpc"] for a in gateway.get("Attachments", [])):
            gateway["Attachments"] = []
    found = snap.findings()
    missing = {(f.src, f.dst) for f in found if f.kind == "missing-path"}
    assert missing == {("serving", "internet"), ("internet", "edge")}
    assert checks_of(found) == {("serving", "BH-AWS-EGRESS-DEAD-END"), ("edge", "BH-AWS-EGRESS-DEAD-END")}


@pytest.mark.parametrize(("field", "value", "why"), [("State", "failed", "is failed"),
                                                     ("State", "deleted", "is deleted"),
                                                     ("ConnectivityType", "private", "is private")])
def test_a_nat_gateway_that_is_not_an_available_public_one_is_no_way_out(base, field, value, why) -> None:
    snap = Snap(base)
    next(n for n in snap.items("NatGateways") if n["NatGatewayId"] == snap.nat())[field] = value
    _egress_lost(snap.findings(), why)


def test_a_nat_whose_subnet_routes_on_through_another_attached_gateway_still_counts(base) -> None:
    # The negation of the three above: the NAT's own subnet keeps a working way out.
    snap = Snap(base)
    table = _nat_table(snap)
    igw = next(r["GatewayId"] for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")
    table["Routes"] = [r for r in table["Routes"] if r.get("DestinationCidrBlock") != "0.0.0.0/0"] + [
        {"DestinationCidrBlock": "0.0.0.0/1", "GatewayId": igw, "State": "active"},
        {"DestinationCidrBlock": "128.0.0.0/1", "GatewayId": igw, "State": "active"}]
    assert snap.findings() == []


# --- one answer per subnet (zone) -----------------------------------------------------------


class Zones:
    """A copy of ai-platform's dump (two zones), edited by hand."""

    def __init__(self, snapshot: Snapshot):
        self.raw = copy.deepcopy(snapshot)
        self.vpc = next(v["VpcId"] for v in self.items("Vpcs") if _tag(v, "bulkhead:model") == "ai-platform")

    def items(self, key: str) -> list[dict[str, Any]]:
        return self.raw[f"{REGION}/{key}.json"][key]

    def subnet(self, segment: str, zone: str) -> str:
        return next(s["SubnetId"] for s in self.items("Subnets") if _tag(s, "Name") == f"ai-platform-{segment}-{zone}")

    def group(self, segment: str) -> str:
        return next(g["GroupId"] for g in self.items("SecurityGroups") if _tag(g, "bulkhead:segment") == segment
                    and _tag(g, "bulkhead:model") == "ai-platform")

    def table_of(self, subnet: str) -> dict[str, Any]:
        return next(t for t in self.items("RouteTables") if any(a.get("SubnetId") == subnet for a in t["Associations"]))

    def move_to_table(self, subnet: str, table: dict[str, Any]) -> None:
        for t in self.items("RouteTables"):
            t["Associations"] = [a for a in t["Associations"] if a.get("SubnetId") != subnet]
        table["Associations"].append({"SubnetId": subnet, "RouteTableId": table["RouteTableId"], "Main": False})

    def findings(self, model: Any) -> list[Finding]:
        return list(verify(model, normalize(self.raw, model)).findings)


def _tag(item: dict[str, Any], key: str) -> str | None:
    return next((t["Value"] for t in item.get("Tags", []) if t["Key"] == key), None)


@pytest.fixture(scope="module")
def zones(deployed_models) -> tuple[Any, Snapshot]:
    return deployed_models["ai-platform"]


def test_the_two_zone_deployment_has_no_findings(zones) -> None:
    model, snapshot = zones
    assert Zones(snapshot).findings(model) == []


def test_a_zone_subnet_moved_to_a_table_without_the_nat_route_is_a_missing_path_naming_the_subnet(zones) -> None:
    model, snapshot = zones
    z = Zones(snapshot)
    lost = z.subnet("serving", "b")
    table = copy.deepcopy(z.table_of(lost))
    table.update(RouteTableId="rtb-0zoneb", Associations=[],
                 Routes=[r for r in table["Routes"] if r.get("DestinationCidrBlock") != "0.0.0.0/0"])
    z.items("RouteTables").append(table)
    z.move_to_table(lost, table)
    [finding] = z.findings(model)
    assert (finding.kind, finding.src, finding.dst, finding.ports.as_lists()) == (  # type: ignore[union-attr]
        "missing-path", "serving", "internet", [[443, 443]])
    assert f"aws:subnet/{lost}" in finding.evidence and lost in finding.message
    assert "aws:rtb/rtb-0zoneb" in finding.evidence


def test_a_zone_subnet_behind_a_deny_all_nacl_loses_every_path_into_that_subnet_only(zones) -> None:
    model, snapshot = zones
    z = Zones(snapshot)
    sealed = z.subnet("feature-store", "b")
    for acl in z.items("NetworkAcls"):
        acl["Associations"] = [a for a in acl["Associations"] if a.get("SubnetId") != sealed]
    z.items("NetworkAcls").append({"NetworkAclId": "acl-0sealed", "VpcId": z.vpc, "IsDefault": False, "Entries": [],
                                   "Associations": [{"SubnetId": sealed, "NetworkAclId": "acl-0sealed"}]})
    found = z.findings(model)
    assert found and all(f.kind == "missing-path" and f.dst == "feature-store" for f in found)
    assert {f.src for f in found} == {"serving", "training", "notebooks", "monitoring"}
    assert all(f"aws:subnet/{sealed}" in f.evidence and "aws:nacl/acl-0sealed#in" in f.evidence for f in found)
    assert {f.protocol for f in found if f.src == "monitoring"} == {"tcp", "udp", "icmp"}


def test_a_zone_subnet_given_a_way_out_is_an_unintended_path_from_that_subnet_only(zones) -> None:
    model, snapshot = zones
    z = Zones(snapshot)
    escaped = z.subnet("training", "b")
    z.move_to_table(escaped, z.table_of(z.subnet("serving", "a")))
    training = z.group("training")
    z.items("SecurityGroupRules").append({"SecurityGroupRuleId": "sgr-0out", "GroupId": training, "IsEgress": True,
                                          "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "0.0.0.0/0"})
    acl = next(a for a in z.items("NetworkAcls") if any(s.get("SubnetId") == escaped for s in a["Associations"]))
    acl["Entries"] += [{"RuleNumber": 80, "Egress": True, "Protocol": "6", "RuleAction": "allow",
                        "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}},
                       {"RuleNumber": 80, "Egress": False, "Protocol": "6", "RuleAction": "allow",
                        "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}}]
    leaks = [f for f in z.findings(model) if (f.kind, f.src, f.dst) == ("unintended-path", "training", "internet")]
    [leak] = leaks
    assert f"aws:subnet/{escaped}" in leak.evidence and f"from aws:subnet/{escaped} only" in leak.message
    assert f"aws:sg/{training}#sgr-0out" in leak.evidence


# --- posture: prefix lists and every group on an interface ----------------------------------


def test_a_customer_prefix_list_holding_0_0_0_0_in_a_private_segments_ingress_is_posture(base) -> None:
    snap = Snap(base)
    pl = snap.prefix_list("anyone", ["0.0.0.0/0"])
    rule = snap.sg_rule("data", False, "tcp", 5432, 5432, PrefixListId=pl)
    found = snap.findings()
    assert summary(found) == expect(("posture", "data", None, None, None))
    assert checks_of(found) == {("data", "BH-AWS-SG-PUBLIC-INGRESS")} and found[0].evidence == (rule,)
    assert pl in found[0].message and "0.0.0.0/0" in found[0].message


def test_a_customer_prefix_list_of_private_ranges_outside_the_vpc_is_no_finding(base) -> None:
    snap = Snap(base)
    snap.sg_rule("data", False, "tcp", 5432, 5432, PrefixListId=snap.prefix_list("office", ["172.31.5.0/24"]))
    assert snap.findings() == []


def test_an_untagged_group_admitting_ssh_from_anywhere_on_a_private_interface_is_posture(base) -> None:
    snap = Snap(base)
    rule = _ssh_interface(snap, "data", None, None, instance="i-0private")
    found = snap.findings()
    assert summary(found) == expect(("posture", "data", None, None, None))
    assert checks_of(found) == {("data", "BH-AWS-SG-PUBLIC-INGRESS")} and found[0].evidence == (rule,)


def test_the_same_untagged_group_on_the_edge_segment_is_no_finding(base) -> None:
    snap = Snap(base)
    _ssh_interface(snap, "edge", None, None, instance="i-0edge")
    assert snap.findings() == []


# --- endpoint policies ----------------------------------------------------------------------


def _interface_endpoint(snap: Snap) -> dict[str, Any]:
    return next(e for e in snap.items("VpcEndpoints") if e["VpcEndpointType"] == "Interface")


@pytest.mark.parametrize(("statement", "why"), [
    (None, "no policy"),
    ({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*"}, "any principal"),
    ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:*",
      "Resource": "*"}, "any resource"),
])
def test_an_endpoint_policy_open_to_any_principal_or_resource_without_a_condition_is_posture(
        base, statement, why) -> None:
    snap = Snap(base)
    endpoint = _interface_endpoint(snap)
    if statement is None:
        endpoint.pop("PolicyDocument")
    else:
        endpoint["PolicyDocument"] = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    found = snap.findings()
    assert summary(found) == expect(("posture", None, None, None, None))
    assert found[0].check == "BH-AWS-ENDPOINT-POLICY-OPEN" and why in found[0].message
    assert found[0].evidence == (f"aws:vpce/{endpoint['VpcEndpointId']}",)


def test_an_open_statement_narrowed_by_a_condition_is_no_finding(base) -> None:
    snap = Snap(base)
    _interface_endpoint(snap)["PolicyDocument"] = json.dumps({"Statement": {
        "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-example"}}}})
    assert snap.findings() == []


# --- audit: empty subnets still answer ------------------------------------------------------


def _audit(snap: Snap, tmp_path) -> dict[str, Any]:
    write_snapshot(snap.raw, tmp_path)
    result = CliRunner().invoke(app, ["audit", "--cloud", "aws", "--snapshot", str(tmp_path), "--format", "json"])
    report = json.loads(result.stdout)
    assert result.exit_code == (1 if report["exposures"] else 0), result.output  # audit exits 1 when exposed
    return report  # type: ignore[no-any-return]


def _lateral(report: dict[str, Any], port: int) -> set[tuple[str, str]]:
    return {(p["src"], p["dst"]) for p in report["paths"]
            if p["protocol"] == "tcp" and any(lo <= port <= hi for lo, hi in p["ports"])}


def test_audit_reports_an_open_lateral_path_between_two_empty_subnets(base, tmp_path) -> None:
    snap = Snap(base)
    assert ("redteam-serving-a", "redteam-data-a") not in _lateral(_audit(snap, tmp_path / "before"), 22)
    snap.sg_rule("serving", True, "tcp", 22, 22, ref="data")
    snap.sg_rule("data", False, "tcp", 22, 22, ref="serving")
    snap.open_nacls("serving", "data", "6", (22, 22))
    report = _audit(snap, tmp_path / "after")
    assert ("redteam-serving-a", "redteam-data-a") in _lateral(report, 22)
    # the intended path of the empty deployment is there too, from the same notional interfaces
    assert ("redteam-serving-a", "redteam-data-a") in _lateral(report, 5432)


def test_audit_lists_the_notional_interface_of_an_empty_public_subnet_as_such(base, tmp_path) -> None:
    report = _audit(Snap(base), tmp_path)
    edge = Snap(base).ids["edge"]["subnet"]
    [notional] = [e for e in report["exposures"] if e["interface"] == f"notional:{edge}"]
    assert (notional["address"], notional["protocol"], notional["ports"]) == ("on launch", "tcp", [[443, 443]])
