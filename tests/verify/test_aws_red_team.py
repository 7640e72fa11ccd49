"""Red team: tamper a deployed network the way a careless engineer or an attacker would, and
check the AWS verifier reports what real AWS would do (docs/cloud-semantics.md sections 1 and 5).

tests/verify/red_team.yaml is deployed into moto once; its describe dump has no findings.
Most cases then edit a copy of that dump by hand (instant, like editing the JSON files of a
snapshot); the changes only the EC2 API can make realistically (attach a group to an
interface, launch with a public address, extend an endpoint's route tables, IPv6) are made
through boto3 in one second deployment, each on a different segment so they do not interact.
Every test states the complete set of findings the change must cause, nothing more.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.load import load_model
from infra.snapshot import Snapshot, write_snapshot
from infra.verify import Finding, verify
from providers.aws.observe.normalize import normalize
from tests.verify.conftest import ROOT, deploy_and_change

MODEL = load_model(ROOT / "tests" / "verify" / "red_team.yaml").model
REGION = "us-east-1"
ALL_TCP, ALL_UDP, ALL_ICMP = [[0, 65535]], [[0, 65535]], [[0, 255]]


class Snap:
    """A copy of the deployed describe dump, changed the way a hand edit of its JSON would be."""

    def __init__(self, base: tuple[Snapshot, dict[str, Any]]):
        self.raw, self.ids = copy.deepcopy(base[0]), base[1]
        self._count = 0

    def items(self, key: str) -> list[dict[str, Any]]:
        return self.raw.setdefault(f"{REGION}/{key}.json", {key: []})[key]

    def group(self, name: str) -> str:
        return self.ids[name]["group"] if name in self.ids else name

    def sg_rule(self, owner: str, egress: bool, protocol: str, low: int = -1, high: int = -1, **peer: Any) -> str:
        """A rule as describe_security_group_rules returns it; peer: CidrIpv4=, CidrIpv6=, PrefixListId=, ref=."""
        self._count += 1
        rule_id, group = f"sgr-redteam{self._count}", self.group(owner)
        if "ref" in peer:
            peer = {"ReferencedGroupInfo": {"GroupId": self.group(peer.pop("ref"))}}
        self.items("SecurityGroupRules").append({"SecurityGroupRuleId": rule_id, "GroupId": group, "IsEgress": egress,
                                                 "IpProtocol": protocol, "FromPort": low, "ToPort": high, **peer})
        return f"aws:sg/{group}#{rule_id}"

    def acl(self, segment: str) -> dict[str, Any]:
        return next(a for a in self.items("NetworkAcls") if a["NetworkAclId"] == self.ids[segment]["acl"])

    def nacl(self, segment: str, number: int, egress: bool, protocol: str, action: str, cidr: str,
             ports: tuple[int, int] | None = None) -> str:
        entry: dict[str, Any] = {"RuleNumber": number, "Egress": egress, "Protocol": protocol, "RuleAction": action,
                                 ("Ipv6CidrBlock" if ":" in cidr else "CidrBlock"): cidr}
        if ports:
            entry["PortRange"] = {"From": ports[0], "To": ports[1]}
        if protocol in ("1", "58"):
            entry["IcmpTypeCode"] = {"Type": -1, "Code": -1}
        self.acl(segment)["Entries"].append(entry)
        return f"aws:nacl/{self.ids[segment]['acl']}#{number}-{'out' if egress else 'in'}"

    def drop_nacl(self, segment: str, number: int, egress: bool) -> None:
        acl = self.acl(segment)
        acl["Entries"] = [e for e in acl["Entries"] if (e["RuleNumber"], e["Egress"]) != (number, egress)]

    def open_nacls(self, src: str, dst: str, protocol: str, ports: tuple[int, int] | None = None,
                   cidr: str | None = None) -> None:
        """Forward and reply entries, numbered before the builder's; dst may be any CIDR (cidr=)."""
        far = cidr or self.ids[dst]["cidr"]
        replies = None if protocol in ("-1", "1") else (1024, 65535)
        self.nacl(src, 80, True, protocol, "allow", far, ports)
        self.nacl(src, 80, False, protocol, "allow", far, replies)
        if cidr is None:
            self.nacl(dst, 80, False, protocol, "allow", self.ids[src]["cidr"], ports)
            self.nacl(dst, 80, True, protocol, "allow", self.ids[src]["cidr"], replies)

    def table(self, segment: str) -> dict[str, Any]:
        return next(t for t in self.items("RouteTables") if t["RouteTableId"] == self.ids[segment]["table"])

    def route(self, segment: str, destination: str, **target: str) -> str:
        key = "DestinationPrefixListId" if destination.startswith("pl-") else "DestinationCidrBlock"
        self.table(segment)["Routes"].append({key: destination, "State": "active", "Origin": "CreateRoute", **target})
        return f"aws:rtb/{self.ids[segment]['table']}#{destination}"

    def nat(self) -> str:
        return next(r["NatGatewayId"] for r in self.table("serving")["Routes"] if r.get("NatGatewayId"))

    def prefix_list(self, name: str, cidrs: list[str]) -> str:
        pl = f"pl-redteam{len(self.items('PrefixLists'))}"
        self.items("PrefixLists").append({"PrefixListId": pl, "PrefixListName": name, "AddressFamily": "IPv4"})
        self.items("ManagedPrefixListEntries").append({"PrefixListId": pl, "Entries": [{"Cidr": c} for c in cidrs]})
        return pl

    def managed_prefix_list(self, name: str) -> str:
        return next(p["PrefixListId"] for p in self.items("PrefixLists") if p["PrefixListName"] == name)

    def findings(self) -> list[Finding]:
        return list(verify(MODEL, normalize(self.raw, MODEL)).findings)


def summary(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return sorted(((f.kind, f.src, f.dst, f.protocol, f.ports.as_lists() if f.ports is not None else None)
                   for f in findings), key=repr)


def expect(*items: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return sorted(items, key=repr)


def evidence(findings: list[Finding], kind: str, src: str | None, dst: str | None = None,
             protocol: str | None = None) -> set[str]:
    [found] = [f for f in findings if (f.kind, f.src, f.dst) == (kind, src, dst)
               and (protocol is None or f.protocol == protocol)]
    return set(found.evidence)


# --- protocols ------------------------------------------------------------------------------


def test_the_deployed_red_team_model_has_no_findings(base) -> None:
    assert Snap(base).findings() == []


def test_all_protocol_rules_between_two_segments_open_no_path_but_are_flagged_while_only_the_nacls_hold(base) -> None:
    # No path (the NACLs still deny), but the security groups no longer back the NACLs up:
    # defence in depth reports the open layer's rules, per protocol.
    snap = Snap(base)
    egress = snap.sg_rule("serving", True, "-1", ref="data")
    ingress = snap.sg_rule("data", False, "-1", ref="serving")
    found = snap.findings()
    assert summary(found) == expect(*[("posture", "serving", None, None, None)] * 3)
    assert {f.check for f in found} == {"BH-AWS-SG-ALONE-OPENS"}
    deny = f"aws:nacl/{snap.ids['serving']['acl']}#32000-out"
    assert all({egress, ingress, deny} <= set(f.evidence) for f in found)
    assert "udp/0-65535" in " ".join(f.message for f in found)


def test_all_protocol_rules_open_every_protocol_once_the_nacls_allow_every_protocol_too(base) -> None:
    snap = Snap(base)
    egress = snap.sg_rule("serving", True, "-1", ref="data")
    ingress = snap.sg_rule("data", False, "-1", ref="serving")
    snap.open_nacls("serving", "data", "-1")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "serving", "data", "tcp", [[0, 5431], [5433, 65535]]),
                              ("unintended-path", "serving", "data", "udp", ALL_UDP),
                              ("unintended-path", "serving", "data", "icmp", ALL_ICMP),
                              *[("posture", "data", None, None, None)] * 3)
    assert {egress, ingress} <= evidence(found, "unintended-path", "serving", "data", "udp")
    # The all-protocol "reply" entries let data start anything toward serving at the NACL
    # layer (beyond the replies to 5432, 1024-65535): only serving's groups stop it.
    lone = [f for f in found if f.kind == "posture"]
    assert {f.check for f in lone} == {"BH-AWS-NACL-ALONE-OPENS"}
    assert "tcp/0-1023" in " ".join(f.message for f in lone)


def test_protocol_numbers_6_and_17_mean_tcp_and_udp_between_members_of_one_subnet(base) -> None:
    snap = Snap(base)
    for protocol, port in (("6", 22), ("17", 8125)):
        snap.sg_rule("serving", True, protocol, port, port, ref="serving")
        snap.sg_rule("serving", False, protocol, port, port, ref="serving")
    assert summary(snap.findings()) == expect(("unintended-path", "serving", "serving", "tcp", [[22, 22]]),
                                        ("unintended-path", "serving", "serving", "udp", [[8125, 8125]]))


def test_an_icmpv6_rule_opens_nothing_for_ipv4_and_admitting_any_ipv6_is_posture(base) -> None:
    snap = Snap(base)
    snap.sg_rule("edge", False, "58", CidrIpv4="0.0.0.0/0")
    rule = snap.sg_rule("data", False, "58", CidrIpv6="::/0")
    found = snap.findings()
    assert summary(found) == expect(("posture", "data", None, None, None))
    assert evidence(found, "posture", "data") == {rule}


def test_an_icmp_rule_for_one_type_opens_that_type_only(base) -> None:
    snap = Snap(base)
    snap.sg_rule("serving", True, "icmp", -1, -1, ref="serving")
    rule = snap.sg_rule("serving", False, "icmp", 8, -1, ref="serving")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "serving", "serving", "icmp", [[8, 8]]))
    assert rule in evidence(found, "unintended-path", "serving", "serving")


# --- whom a rule names -----------------------------------------------------------------------


def test_a_customer_prefix_list_holding_a_segments_range_names_that_segment(base) -> None:
    snap = Snap(base)
    pl = snap.prefix_list("partners", ["172.31.5.0/24", snap.ids["serving"]["cidr"]])
    rule = snap.sg_rule("serving", False, "tcp", 443, 443, PrefixListId=pl)
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "serving", "serving", "tcp", [[443, 443]]))
    assert rule in evidence(found, "unintended-path", "serving", "serving")


def test_a_rule_covering_part_of_a_segments_subnet_opens_a_path_to_that_segment(base) -> None:
    snap = Snap(base)
    rule = snap.sg_rule("serving", False, "tcp", 443, 443, CidrIpv4="10.50.2.16/28")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "serving", "serving", "tcp", [[443, 443]]))
    assert rule in evidence(found, "unintended-path", "serving", "serving")


def test_a_rule_naming_a_group_of_another_vpc_opens_no_path(base) -> None:
    snap = Snap(base)
    other = next(g["GroupId"] for g in snap.items("SecurityGroups") if g["VpcId"] != snap.ids["vpc"])
    snap.sg_rule("serving", False, "-1", ref=other)
    snap.sg_rule("data", False, "-1", ref=other)
    assert snap.findings() == []


def test_an_aws_managed_prefix_list_of_a_non_gateway_service_is_the_internet(base) -> None:
    # CloudFront's origin-facing list holds public addresses: anyone on the internet gets in
    # through CloudFront, so port 22 from it on the public edge is internet ingress.
    snap = Snap(base)
    rule = snap.sg_rule("edge", False, "tcp", 22, 22,
                        PrefixListId=snap.managed_prefix_list("com.amazonaws.global.cloudfront.origin-facing"))
    entry = snap.nacl("edge", 80, False, "6", "allow", "0.0.0.0/0", (22, 22))
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "internet", "edge", "tcp", [[22, 22]]))
    assert {rule, entry} <= evidence(found, "unintended-path", "internet", "edge")


def test_egress_to_the_s3_prefix_list_through_a_nat_route_reaches_the_internet(base) -> None:
    # Without a gateway endpoint route, traffic to S3's public ranges leaves through the NAT:
    # any bucket of any account, outside the endpoint policy.
    snap = Snap(base)
    s3 = snap.managed_prefix_list("com.amazonaws.us-east-1.s3")
    rule = snap.sg_rule("data", True, "tcp", 443, 443, PrefixListId=s3)
    route = snap.route("data", "0.0.0.0/0", NatGatewayId=snap.nat())
    snap.open_nacls("data", "internet", "6", (443, 443), cidr="0.0.0.0/0")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "data", "internet", "tcp", [[443, 443]]))
    assert {rule, route} <= evidence(found, "unintended-path", "data", "internet")


def test_s3_traffic_of_a_public_segment_goes_to_the_internet_unless_its_table_routes_the_endpoint(base) -> None:
    snap = Snap(base)
    s3 = snap.managed_prefix_list("com.amazonaws.us-east-1.s3")
    rule = snap.sg_rule("edge", True, "tcp", 443, 443, PrefixListId=s3)
    snap.open_nacls("edge", "internet", "6", (443, 443), cidr="0.0.0.0/0")
    assert summary(snap.findings()) == expect(("unintended-path", "edge", "internet", "tcp", [[443, 443]]))
    endpoint = next(e for e in snap.items("VpcEndpoints") if e["VpcEndpointType"] == "Gateway")
    route = snap.route("edge", s3, GatewayId=endpoint["VpcEndpointId"])
    endpoint["RouteTableIds"].append(snap.ids["edge"]["table"])
    found = snap.findings()  # the endpoint's route is more specific than edge's 0.0.0.0/0 -> IGW
    assert summary(found) == expect(("unintended-path", "edge", "service:object-storage", "tcp", [[443, 443]]))
    assert {rule, route} <= evidence(found, "unintended-path", "edge", "service:object-storage")


def test_a_subnet_added_to_the_vpc_outside_every_segment_is_posture(base) -> None:
    # A rule naming its range names no endpoint, so the subnet itself must be reported.
    snap = Snap(base)
    snap.items("Subnets").append({"SubnetId": "subnet-0rogue", "VpcId": snap.ids["vpc"], "CidrBlock": "10.50.200.0/24",
                                  "Tags": [{"Key": "Name", "Value": "jump-hosts"}]})
    snap.sg_rule("data", False, "tcp", 5432, 5432, CidrIpv4="10.50.200.0/24")
    found = snap.findings()
    assert summary(found) == expect(("posture", None, None, None, None))
    assert evidence(found, "posture", None) == {"aws:subnet/subnet-0rogue"}


# --- network ACLs ----------------------------------------------------------------------------


def test_an_all_protocol_nacl_deny_numbered_after_the_allow_changes_nothing(base) -> None:
    snap = Snap(base)
    snap.nacl("data", 200, False, "-1", "deny", snap.ids["serving"]["cidr"])
    assert snap.findings() == []


def test_an_all_protocol_nacl_deny_numbered_before_the_allow_makes_the_flow_missing(base) -> None:
    snap = Snap(base)
    entry = snap.nacl("data", 99, False, "-1", "deny", snap.ids["serving"]["cidr"])
    found = snap.findings()
    assert summary(found) == expect(("missing-path", "serving", "data", "tcp", [[5432, 5432]]))
    assert evidence(found, "missing-path", "serving", "data") == {entry}


def test_removing_one_vpc_deny_opens_nothing_while_the_peers_nacl_still_denies(base) -> None:
    snap = Snap(base)
    snap.drop_nacl("serving", 32000, True)
    assert snap.findings() == []


def test_removing_the_vpc_denies_on_both_sides_lets_serving_reach_edge_on_443(base) -> None:
    snap = Snap(base)
    for segment in ("serving", "edge"):
        for egress in (True, False):
            snap.drop_nacl(segment, 32000, egress)
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "serving", "edge", "tcp", [[443, 443]]))
    acls = {snap.ids["serving"]["acl"], snap.ids["edge"]["acl"]}
    assert {f"aws:nacl/{a}#32010-{d}" for a in acls for d in ("in", "out")} <= evidence(
        found, "unintended-path", "serving", "edge")


# --- routes ----------------------------------------------------------------------------------


def test_a_new_main_table_with_an_igw_route_behind_a_disassociated_subnet_is_posture(base) -> None:
    snap = Snap(base)
    for table in snap.items("RouteTables"):
        if table["VpcId"] == snap.ids["vpc"]:
            table["Associations"] = [a for a in table["Associations"]
                                     if not a.get("Main") and a.get("SubnetId") != snap.ids["data"]["subnet"]]
    edge = snap.table("edge")
    edge["Associations"].append({"Main": True, "RouteTableId": edge["RouteTableId"]})
    found = snap.findings()
    assert summary(found) == expect(("posture", "data", None, None, None))
    assert evidence(found, "posture", "data") == {f"aws:rtb/{edge['RouteTableId']}#0.0.0.0/0"}


def test_a_nat_route_in_a_table_without_internet_egress_opens_nothing(base) -> None:
    snap = Snap(base)
    snap.route("data", "0.0.0.0/0", NatGatewayId=snap.nat())
    assert snap.findings() == []


def test_a_host_route_and_a_host_rule_let_data_reach_one_internet_address(base) -> None:
    snap = Snap(base)
    route = snap.route("data", "8.8.8.8/32", NatGatewayId=snap.nat())
    rule = snap.sg_rule("data", True, "udp", 53, 53, CidrIpv4="8.8.8.8/32")
    snap.open_nacls("data", "internet", "17", (53, 53), cidr="8.8.8.8/32")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "data", "internet", "udp", [[53, 53]]))
    assert {route, rule} <= evidence(found, "unintended-path", "data", "internet")


def test_a_route_to_a_customer_prefix_list_through_nat_reaches_the_internet(base) -> None:
    snap = Snap(base)
    pl = snap.prefix_list("partner-apis", ["203.0.113.0/24"])
    route = snap.route("data", pl, NatGatewayId=snap.nat())
    snap.sg_rule("data", True, "tcp", 443, 443, CidrIpv4="203.0.113.0/24")
    snap.open_nacls("data", "internet", "6", (443, 443), cidr="203.0.113.0/24")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "data", "internet", "tcp", [[443, 443]]))
    assert route in evidence(found, "unintended-path", "data", "internet")


def test_a_default_route_to_an_appliance_interface_counts_as_a_way_to_the_internet(base) -> None:
    # A NAT instance: 0.0.0.0/0 -> its interface, source/destination check off. What lies
    # behind the appliance is not collected, so the internet must be assumed reachable.
    snap = Snap(base)
    route = snap.route("data", "0.0.0.0/0", NetworkInterfaceId="eni-0natinstance")
    snap.sg_rule("data", True, "tcp", 443, 443, CidrIpv4="0.0.0.0/0")
    snap.open_nacls("data", "internet", "6", (443, 443), cidr="0.0.0.0/0")
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "data", "internet", "tcp", [[443, 443]]))
    assert route in evidence(found, "unintended-path", "data", "internet")


# --- interfaces and endpoints ----------------------------------------------------------------


def _ssh_interface(snap: Snap, segment: str, association: dict[str, Any] | None, secondary: dict[str, Any] | None,
                   instance: str | None = None) -> str:
    """An interface carrying only a new group that admits tcp 22 from anywhere; returns the rule id."""
    snap.items("SecurityGroups").append({"GroupId": "sg-0ssh", "GroupName": "ssh", "VpcId": snap.ids["vpc"],
                                         "IpPermissions": [], "IpPermissionsEgress": []})
    rule = snap.sg_rule("sg-0ssh", False, "tcp", 22, 22, CidrIpv4="0.0.0.0/0")
    subnet = snap.ids[segment]["subnet"]
    eni: dict[str, Any] = {
        "NetworkInterfaceId": "eni-0ssh", "SubnetId": subnet, "VpcId": snap.ids["vpc"], "InterfaceType": "interface",
        "Groups": [{"GroupId": "sg-0ssh"}], "PrivateIpAddress": "10.50.1.10", "Ipv6Addresses": [],
        "PrivateIpAddresses": [{"PrivateIpAddress": "10.50.1.10", "Primary": True},
                               {"PrivateIpAddress": "10.50.1.11", "Primary": False,
                                **({"Association": secondary} if secondary else {})}],
        **({"Association": association} if association else {}),
        **({"Attachment": {"InstanceId": instance}} if instance else {})}
    snap.items("NetworkInterfaces").append(eni)
    if instance:
        snap.items("Reservations").append({"Instances": [{"InstanceId": instance, "SubnetId": subnet,
                                                          "State": {"Name": "running"}, "NetworkInterfaces": [eni]}]})
    return rule


def test_an_elastic_ip_on_a_secondary_private_address_exposes_the_interface(base) -> None:
    snap = Snap(base)
    rule = _ssh_interface(snap, "edge", None, {"PublicIp": "198.51.100.7"})
    entry = snap.nacl("edge", 80, False, "6", "allow", "0.0.0.0/0", (22, 22))
    found = snap.findings()
    assert summary(found) == expect(("unintended-path", "internet", "edge", "tcp", [[22, 22]]))
    assert {rule, entry} <= evidence(found, "unintended-path", "internet", "edge")


def test_egress_to_the_endpoint_group_opens_nothing_while_the_endpoint_group_or_the_nacl_refuses(base) -> None:
    snap = Snap(base)
    endpoint = next(e for e in snap.items("VpcEndpoints") if e["VpcEndpointType"] == "Interface")
    endpoint_group = endpoint["Groups"][0]["GroupId"]
    # One of the endpoint's own subnets (ids["_shared"] may be the NAT's public subnet: the
    # deploy registers them concurrently, so which one comes first varies).
    endpoint_cidr = next(s["CidrBlock"] for s in snap.items("Subnets") if s["SubnetId"] in endpoint["SubnetIds"])
    snap.sg_rule("training", True, "-1", ref=endpoint_group)  # all protocols, the endpoint still admits 443
    snap.sg_rule("serving", True, "tcp", 443, 443, ref=endpoint_group)
    assert snap.findings() == []
    snap.sg_rule(endpoint_group, False, "tcp", 443, 443, ref="serving")
    assert snap.findings() == []  # serving's NACL denies the VPC before its internet entries
    snap.open_nacls("serving", "_shared", "6", (443, 443), cidr=endpoint_cidr)
    assert summary(snap.findings()) == expect(
        ("unintended-path", "serving", "service:container-registry", "tcp", [[443, 443]]))


# --- changes made through the EC2 API --------------------------------------------------------


@pytest.fixture(scope="module")
def api_tampered() -> tuple[Snapshot, dict[str, Any]]:
    """One deployment, four tampers on four different segments (see each test)."""
    seen: dict[str, Any] = {}

    def change(ec2: Any, ids: dict[str, Any]) -> None:
        seen.update(ids)
        _extra_group_on_an_interface(ec2, ids, seen)
        _public_instance_behind_the_edge_table(ec2, ids, seen)
        endpoint = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}])["VpcEndpoints"]
        s3 = next(e for e in endpoint if e["VpcEndpointType"] == "Gateway")
        # real AWS adds the prefix-list route to the table; moto only extends the list
        ec2.modify_vpc_endpoint(VpcEndpointId=s3["VpcEndpointId"], AddRouteTableIds=[ids["serving"]["table"]])
        seen["s3"] = s3["VpcEndpointId"]
        _ipv6_egress_for_training(ec2, ids, seen)

    snapshot = deploy_and_change(MODEL, change)
    return snapshot, seen


def _rule_id(response: dict) -> str:
    rule = response["SecurityGroupRules"][0]
    return f"aws:sg/{rule['GroupId']}#{rule['SecurityGroupRuleId']}"


def _extra_group_on_an_interface(ec2: Any, ids: dict[str, Any], seen: dict[str, Any]) -> None:
    """A serving interface also given data's group: it now accepts what data accepts from serving."""
    eni = ec2.create_network_interface(SubnetId=ids["serving"]["subnet"], Groups=[ids["serving"]["group"]])
    seen["eni"] = eni["NetworkInterface"]["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=seen["eni"],
                                           Groups=[ids["serving"]["group"], ids["data"]["group"]])


def _public_instance_behind_the_edge_table(ec2: Any, ids: dict[str, Any], seen: dict[str, Any]) -> None:
    """data's subnet moved to edge's table (IGW route), an instance with a public IP, ssh open."""
    tables = ec2.describe_route_tables(RouteTableIds=[ids["data"]["table"]])["RouteTables"]
    association = next(a["RouteTableAssociationId"] for a in tables[0]["Associations"] if a.get("SubnetId"))
    ec2.replace_route_table_association(AssociationId=association, RouteTableId=ids["edge"]["table"])
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": ids["data"]["subnet"], "Groups": [ids["data"]["group"]],
         "AssociatePublicIpAddress": True}])["Instances"][0]
    seen["public_eni"] = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]
    seen["ssh"] = _rule_id(ec2.authorize_security_group_ingress(GroupId=ids["data"]["group"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]))
    acl = ids["data"]["acl"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=80, Protocol="6", RuleAction="allow", Egress=False,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=80, Protocol="6", RuleAction="allow", Egress=True,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})


def _ipv6_egress_for_training(ec2: Any, ids: dict[str, Any], seen: dict[str, Any]) -> None:
    """IPv6 on the VPC and training's subnet, ::/0 to an egress-only gateway, https out on IPv6."""
    ec2.associate_vpc_cidr_block(VpcId=ids["vpc"], AmazonProvidedIpv6CidrBlock=True)
    vpc = ec2.describe_vpcs(VpcIds=[ids["vpc"]])["Vpcs"][0]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    ec2.associate_subnet_cidr_block(SubnetId=ids["training"]["subnet"], Ipv6CidrBlock=block.replace("/56", "/64"))
    eigw = ec2.create_egress_only_internet_gateway(VpcId=ids["vpc"])["EgressOnlyInternetGateway"]
    ec2.create_route(RouteTableId=ids["training"]["table"], DestinationIpv6CidrBlock="::/0",
                     EgressOnlyInternetGatewayId=eigw["EgressOnlyInternetGatewayId"])
    ec2.create_network_interface(SubnetId=ids["training"]["subnet"], Groups=[ids["training"]["group"]],
                                 Ipv6AddressCount=1)
    seen["v6rule"] = _rule_id(ec2.authorize_security_group_egress(GroupId=ids["training"]["group"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]))
    for egress, ports in ((True, (443, 443)), (False, (1024, 65535))):
        ec2.create_network_acl_entry(NetworkAclId=ids["training"]["acl"], RuleNumber=80, Protocol="6",
                                     RuleAction="allow", Egress=egress, Ipv6CidrBlock="::/0",
                                     PortRange={"From": ports[0], "To": ports[1]})
    seen["v6route"] = f"aws:rtb/{ids['training']['table']}#::/0"


def test_changes_through_the_ec2_api_give_exactly_the_expected_findings(api_tampered) -> None:
    snapshot, seen = api_tampered
    found = list(verify(MODEL, normalize(snapshot, MODEL)).findings)
    assert summary(found) == expect(
        ("unintended-path", "serving", "serving", "tcp", [[5432, 5432]]),  # extra group on an interface
        ("unintended-path", "internet", "data", "tcp", [[22, 22]]),  # public instance behind an IGW route
        *[("posture", "data", None, None, None)] * 3,  # the IGW route, the public address, ssh from anywhere
        ("unintended-path", "serving", "service:object-storage", "tcp", [[443, 443]]),  # endpoint extended
        ("unintended-path", "training", "internet", "tcp", [[443, 443]]),  # IPv6 through the egress-only gateway
        # the extra group on serving's interface: its ssh-from-anywhere rule now sits in serving, and
        # training's rules toward data's group reach that interface (only the NACLs stop them)
        ("posture", "serving", None, None, None), ("posture", "training", None, None, None),
    )
    edge_route = f"aws:rtb/{seen['edge']['table']}#0.0.0.0/0"
    assert {seen["ssh"], edge_route} <= evidence(found, "unintended-path", "internet", "data")
    assert {seen["v6rule"], seen["v6route"]} <= evidence(found, "unintended-path", "training", "internet")
    assert f"aws:sg/{seen['data']['group']}" in " ".join(evidence(found, "unintended-path", "serving", "serving"))
    s3_route = [e for e in evidence(found, "unintended-path", "serving", "service:object-storage")
                if e.startswith(f"aws:rtb/{seen['serving']['table']}#pl-")]
    assert len(s3_route) == 1
    posture = [f for f in found if f.kind == "posture" and f.src == "data"]
    assert sorted(f.evidence[0] for f in posture) == sorted(
        [edge_route, seen["ssh"], f"aws:eni/{seen['public_eni']}"])
    assert {(f.src, f.check) for f in found if f.kind == "posture" and f.src != "data"} == {
        ("serving", "BH-AWS-SG-PUBLIC-INGRESS"), ("training", "BH-AWS-SG-ALONE-OPENS")}
    assert seen["ssh"] in evidence(found, "posture", "serving")


def test_an_ipv6_route_and_rule_open_nothing_while_the_nacl_has_no_ipv6_entries(api_tampered) -> None:
    snapshot, seen = api_tampered
    snapshot = copy.deepcopy(snapshot)
    for acl in snapshot[f"{REGION}/NetworkAcls.json"]["NetworkAcls"]:
        acl["Entries"] = [e for e in acl["Entries"] if "Ipv6CidrBlock" not in e]
    found = verify(MODEL, normalize(snapshot, MODEL)).findings
    assert not [f for f in found if (f.src, f.dst) == ("training", "internet")]


# --- audit -----------------------------------------------------------------------------------


def test_audit_reports_an_instance_with_a_public_ip_and_ssh_open_to_anyone(base, tmp_path) -> None:
    snap = Snap(base)
    rule = _ssh_interface(snap, "edge", {"PublicIp": "198.51.100.8"}, None, instance="i-0ssh")
    entry = snap.nacl("edge", 80, False, "6", "allow", "0.0.0.0/0", (22, 22))
    write_snapshot(snap.raw, tmp_path)
    result = CliRunner().invoke(app, ["audit", "--cloud", "aws", "--snapshot", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.output  # something is exposed
    exposures = json.loads(result.stdout)["exposures"]
    [mine] = [e for e in exposures if e["resource"] == "i-0ssh"]
    assert {k: mine[k] for k in ("interface", "address", "protocol", "ports")} == {
        "interface": "eni-0ssh", "address": "198.51.100.8", "protocol": "tcp", "ports": [[22, 22]]}
    assert {rule, entry, f"aws:rtb/{snap.ids['edge']['table']}#0.0.0.0/0"} <= set(mine["evidence"])
