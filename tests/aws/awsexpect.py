"""Read a deployed AWS account back with boto3, and what the YAML model says it must hold.

The expectations are written from the model and the product rules (README.md, the AWS
build issue), NOT from providers/aws/build/plan.py: the neutral service -> AWS endpoint table,
the reply rules and the addressing (cidr + pinned slot) are spelled out again here, so a
planner bug cannot hide behind its own output.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any

from infra.model import Model
from infra.ports import PortSet, parse_port_specs

ANY = "0.0.0.0/0"
EPHEMERAL = PortSet.single(1024, 65535)
ICMP_ALL = PortSet.single(0, 255)
NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp"}
# The brief's mapping, written out independently of providers/aws/services.py.
AWS_SERVICES = {"object-storage": ["s3"], "container-registry": ["ecr.api", "ecr.dkr"], "key-management": ["kms"],
                "logging": ["logs"], "ml-api": ["sagemaker.api", "sagemaker.runtime"]}


@dataclass
class Account:
    """Everything in one model's VPC, as the EC2 API describes it."""

    vpc_id: str
    subnets: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    acls: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    endpoints: list[dict[str, Any]]
    flow_logs: list[dict[str, Any]]
    igws: list[dict[str, Any]]
    nats: list[dict[str, Any]]
    s3_prefix_list: str
    region: str


def read_account(session: Any, model: str) -> Account:
    ec2 = session.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:bulkhead:model", "Values": [model]}])["Vpcs"]
    assert len(vpcs) == 1, f"{model}: expected exactly one VPC, found {len(vpcs)}"
    vid = vpcs[0]["VpcId"]
    only = [{"Name": "vpc-id", "Values": [vid]}]
    groups = ec2.describe_security_groups(Filters=only)["SecurityGroups"]
    rules = [r for g in groups for r in ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [g["GroupId"]]}])["SecurityGroupRules"]]
    s3 = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{session.region_name}.s3"]}])
    return Account(
        vpc_id=vid, subnets=ec2.describe_subnets(Filters=only)["Subnets"], groups=groups, rules=rules,
        acls=ec2.describe_network_acls(Filters=only)["NetworkAcls"],
        tables=ec2.describe_route_tables(Filters=only)["RouteTables"],
        endpoints=ec2.describe_vpc_endpoints(Filters=only)["VpcEndpoints"],
        flow_logs=ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vid]}])["FlowLogs"],
        igws=ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vid]}])[
            "InternetGateways"],
        nats=ec2.describe_nat_gateways(Filters=only)["NatGateways"],
        s3_prefix_list=s3["PrefixLists"][0]["PrefixListId"], region=session.region_name)


def tag(resource: dict[str, Any], key: str) -> str | None:
    return next((t["Value"] for t in resource.get("Tags", []) if t["Key"] == key), None)


def aws_segments(model: Model) -> list[str]:
    return [s for s in model.segments if "aws" in model.placement(s)]


def block(model: Model, segment: str) -> str:
    """The segment's /24: slot N of the cloud CIDR (every test model pins its slots)."""
    cidr = model.clouds.aws.cidr  # type: ignore[union-attr]
    slot = model.segments[segment].slot
    assert slot is not None, "test models pin every slot"
    return str(IPv4Network((int(cidr.network_address) + slot * 256, 24)))


def reserved(model: Model) -> IPv4Network:
    cidr = model.clouds.aws.cidr  # type: ignore[union-attr]
    return IPv4Network((int(cidr.network_address), 24))


def flows(model: Model) -> dict[tuple[str, str, str], PortSet]:
    """(src, dst, protocol) -> ports, for flows whose both ends are on AWS."""
    placed = set(aws_segments(model))
    out: dict[tuple[str, str, str], PortSet] = {}
    for flow in model.flows:
        for dst in flow.targets():
            if flow.from_ in placed and dst in placed:
                for proto, ports in parse_port_specs(flow.ports).items():
                    out[(flow.from_, dst, proto)] = out.get((flow.from_, dst, proto), PortSet()) | ports
    return out


def internet(model: Model, segment: str, direction: str) -> dict[str, PortSet]:
    return dict(parse_port_specs(getattr(model.segments[segment].internet, direction)))


def segment_group(acct: Account, segment: str) -> str:
    found = [g["GroupId"] for g in acct.groups if tag(g, "bulkhead:segment") == segment]
    assert len(found) == 1, f"segment {segment}: expected one security group, found {found}"
    return found[0]


def endpoints_of(acct: Account, service: str) -> list[dict[str, Any]]:
    names = {f"com.amazonaws.{acct.region}.{x}" for x in AWS_SERVICES[service]}
    return [e for e in acct.endpoints if e["ServiceName"] in names]


def _rule_set(group: str, egress: bool, proto: str, ports: PortSet, peer: tuple[str, str]) -> list[tuple]:
    if proto == "icmp":
        return [(group, egress, "icmp", -1, -1, peer)]
    return [(group, egress, proto, lo, hi, peer) for lo, hi in ports]


def expected_sg_rules(model: Model, acct: Account) -> Counter:
    want: list[tuple] = []
    for (src, dst, proto), ports in flows(model).items():
        a, b = segment_group(acct, src), segment_group(acct, dst)
        want += _rule_set(a, True, proto, ports, ("sg", b)) + _rule_set(b, False, proto, ports, ("sg", a))
    for seg in aws_segments(model):
        g = segment_group(acct, seg)
        for proto, ports in internet(model, seg, "ingress").items():
            want += _rule_set(g, False, proto, ports, ("cidr", ANY))
        ins = internet(model, seg, "ingress")
        for proto, ports in internet(model, seg, "egress").items():
            # Ports open both ways would let members of the segment reach each other inside a
            # subnet (no NACL there), so those egress rules name everything outside the VPC.
            both = ports & ins.get(proto, PortSet())
            want += _rule_set(g, True, proto, ports - both, ("cidr", ANY)) if ports - both else []
            for net in IPv4Network(ANY).address_exclude(model.clouds.aws.cidr) if both else ():  # type: ignore[union-attr]
                want += _rule_set(g, True, proto, both, ("cidr", str(net)))
        for service in model.segments[seg].services:
            if service == "object-storage":
                want += _rule_set(g, True, "tcp", PortSet.single(443), ("pl", acct.s3_prefix_list))
                continue
            endpoint_groups = {x["GroupId"] for e in endpoints_of(acct, service) for x in e["Groups"]}
            assert len(endpoint_groups) == 1, f"{service}: its endpoints share one group, got {endpoint_groups}"
            eg = endpoint_groups.pop()
            want += (_rule_set(g, True, "tcp", PortSet.single(443), ("sg", eg))
                     + _rule_set(eg, False, "tcp", PortSet.single(443), ("sg", g)))
    return Counter(want)


def actual_sg_rules(acct: Account) -> Counter:
    got = []
    for r in acct.rules:
        if "ReferencedGroupInfo" in r:
            peer = ("sg", r["ReferencedGroupInfo"]["GroupId"])
        elif "PrefixListId" in r:
            peer = ("pl", r["PrefixListId"])
        else:
            peer = ("cidr", r.get("CidrIpv4") or r.get("CidrIpv6"))
        got.append((r["GroupId"], r["IsEgress"], r["IpProtocol"], r["FromPort"], r["ToPort"], peer))
    return Counter(got)


def _add(table: dict, key: tuple, ports: PortSet) -> None:
    table[key] = table.get(key, PortSet()) | ports


def reply(proto: str) -> PortSet:
    return ICMP_ALL if proto == "icmp" else EPHEMERAL


def expected_nacl(model: Model, acct: Account, seg: str) -> dict[tuple[bool, str, str], PortSet]:
    """(egress, cidr, protocol) -> ports a segment's NACL must allow, replies included, nothing else."""
    want: dict[tuple[bool, str, str], PortSet] = {}
    for (src, dst, proto), ports in flows(model).items():
        if src == seg:
            _add(want, (True, block(model, dst), proto), ports)
            _add(want, (False, block(model, dst), proto), reply(proto))
        if dst == seg:
            _add(want, (False, block(model, src), proto), ports)
            _add(want, (True, block(model, src), proto), reply(proto))
    for proto, ports in internet(model, seg, "ingress").items():
        _add(want, (False, ANY, proto), ports)
        _add(want, (True, ANY, proto), reply(proto))
    for proto, ports in internet(model, seg, "egress").items():
        _add(want, (True, ANY, proto), ports)
        _add(want, (False, ANY, proto), reply(proto))
    for service in model.segments[seg].services:
        # S3 has no CIDR a NACL can name: tcp 443 out to anywhere (documented in build/nacls.py).
        hosts = {sid for e in endpoints_of(acct, service) for sid in e["SubnetIds"]}
        cidrs = [ANY] if service == "object-storage" else sorted(
            {s["CidrBlock"] for s in acct.subnets if s["SubnetId"] in hosts})
        for cidr in cidrs:
            _add(want, (True, cidr, "tcp"), PortSet.single(443))
            _add(want, (False, cidr, "tcp"), EPHEMERAL)
    return want


def actual_nacl(acl: dict[str, Any]) -> dict[tuple[bool, str, str], PortSet]:
    """The union of a NACL's allow entries (deny entries are checked by `vpc_deny_problems`)."""
    got: dict[tuple[bool, str, str], PortSet] = {}
    for e in acl["Entries"]:
        if e["RuleAction"] != "allow":
            continue
        proto = NUMBERS[e["Protocol"]]
        if proto == "icmp":
            assert (e["IcmpTypeCode"]["Type"], e["IcmpTypeCode"]["Code"]) == (-1, -1)
            ports = ICMP_ALL
        else:
            ports = PortSet.single(e["PortRange"]["From"], e["PortRange"]["To"])
        _add(got, (e["Egress"], e["CidrBlock"], proto), ports)
    return got


def acl_of_segment(acct: Account, seg: str) -> dict[str, Any]:
    found = [a for a in acct.acls if tag(a, "bulkhead:segment") == seg]
    assert len(found) == 1, f"segment {seg}: expected one NACL, found {len(found)}"
    return found[0]


def table_of_subnet(acct: Account, subnet_id: str) -> dict[str, Any]:
    found = [t for t in acct.tables if any(a.get("SubnetId") == subnet_id for a in t["Associations"])]
    assert len(found) == 1, f"{subnet_id}: expected one explicit route table association, found {len(found)}"
    return found[0]


def vpc_deny_problems(acl: dict[str, Any], vpc_cidr: str) -> list[str]:
    """0.0.0.0/0 contains the VPC: wherever a NACL allows 0.0.0.0/0 in a direction, a deny of the
    whole VPC must come first (after the allows for peers inside it), else the internet ports
    open to every other subnet too. Without 0.0.0.0/0 entries there must be no deny at all."""
    problems = []
    for egress in (False, True):
        side = [e for e in acl["Entries"] if e["Egress"] == egress and e["RuleNumber"] < 32767]
        denies = [e for e in side if e["RuleAction"] == "deny"]
        anywhere = [e["RuleNumber"] for e in side if e["RuleAction"] == "allow" and e["CidrBlock"] == ANY]
        inside = [e["RuleNumber"] for e in side if e["RuleAction"] == "allow" and e["CidrBlock"] != ANY]
        if not anywhere:
            if denies:
                problems.append(f"egress={egress}: a deny without any 0.0.0.0/0 entry: {denies}")
            continue
        if [(d["CidrBlock"], d["Protocol"]) for d in denies] != [(vpc_cidr, "-1")]:
            problems.append(f"egress={egress}: expected one all-protocol deny of {vpc_cidr}, got {denies}")
            continue
        number = denies[0]["RuleNumber"]
        if not (max(inside, default=0) < number < min(anywhere)):
            problems.append(f"egress={egress}: deny {number} is not between {inside} and {anywhere}")
    return problems
