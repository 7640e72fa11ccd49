"""One function per Pulumi type token: apply a registered resource to moto as the provider would.

Each handler gets the AWS clients and the registration (`typ`, `name`, camelCase `inputs`)
and returns `(id, state)`. It does what the real pulumi-aws provider does beyond the API
call itself, because the mock runtime does none of it (docs/mocked-clouds.md):
numbers arrive as floats (cast), autonames and default descriptions are added, a new
security group's allow-all egress rule is revoked, NACL protocols go as numbers, and the
outputs consumers read (`allocationId`, `prefixListId`, `arn`, ...) are returned: a
missing output would make the consumer's input vanish silently.

Where moto differs from AWS in a way that would mislead the verifier, the handler makes
moto's state match AWS and says so (interface endpoint ENIs, CloudWatch flow logs).
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

State = dict[str, Any]
Handler = Callable[["Clients", str, State], tuple[str, State]]
DEFAULT_DESCRIPTION = "Managed by Pulumi"
PROTOCOL_NUMBERS = {"all": "-1", "-1": "-1", "tcp": "6", "udp": "17", "icmp": "1"}


@dataclass(frozen=True)
class Clients:
    ec2: Any
    logs: Any
    iam: Any
    s3: Any
    region: str
    account: str
    # subnet id -> its default-NACL association id, filled from describe_network_acls answers
    default_associations: dict[str, str] = field(default_factory=dict)


class MissingInput(RuntimeError):
    """A required input is absent: in the mock runtime that means an upstream output was missing."""


def need(inputs: State, key: str) -> Any:
    if inputs.get(key) is None:
        raise MissingInput(f"input '{key}' is missing (an upstream resource did not provide it)")
    return inputs[key]


def autoname(name: str) -> str:
    """What Pulumi's autonaming adds: the logical name and a random suffix."""
    return f"{name}-{secrets.token_hex(4)[:7]}"


def tag_spec(kind: str, inputs: State) -> list[dict[str, Any]]:
    tags = inputs.get("tags") or {}
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}] if tags else []


def _int(value: Any) -> int:
    return int(value)


def vpc(c: Clients, name: str, i: State) -> tuple[str, State]:
    v = c.ec2.create_vpc(CidrBlock=need(i, "cidrBlock"), TagSpecifications=tag_spec("vpc", i))["Vpc"]
    vid = v["VpcId"]
    # The API takes one attribute per call, as the provider sends them.
    c.ec2.modify_vpc_attribute(VpcId=vid, EnableDnsSupport={"Value": bool(i.get("enableDnsSupport", True))})
    c.ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": bool(i.get("enableDnsHostnames", False))})
    only = [{"Name": "vpc-id", "Values": [vid]}]
    sg = c.ec2.describe_security_groups(Filters=only + [{"Name": "group-name", "Values": ["default"]}])
    acl = c.ec2.describe_network_acls(Filters=only + [{"Name": "default", "Values": ["true"]}])
    rtb = c.ec2.describe_route_tables(Filters=only + [{"Name": "association.main", "Values": ["true"]}])
    return vid, {**i, "arn": f"arn:aws:ec2:{c.region}:{c.account}:vpc/{vid}", "ownerId": c.account,
                 "defaultSecurityGroupId": sg["SecurityGroups"][0]["GroupId"],
                 "defaultNetworkAclId": acl["NetworkAcls"][0]["NetworkAclId"],
                 "mainRouteTableId": rtb["RouteTables"][0]["RouteTableId"],
                 "defaultRouteTableId": rtb["RouteTables"][0]["RouteTableId"]}


def default_security_group(c: Clients, name: str, i: State) -> tuple[str, State]:
    """Adopt the VPC's default group and remove every rule, as the provider does on create."""
    found = c.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [need(i, "vpcId")]},
                                                    {"Name": "group-name", "Values": ["default"]}])
    group = found["SecurityGroups"][0]
    gid = group["GroupId"]
    if group["IpPermissions"]:
        c.ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=group["IpPermissions"])
    if group["IpPermissionsEgress"]:
        c.ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=group["IpPermissionsEgress"])
    if i.get("tags"):
        c.ec2.create_tags(Resources=[gid], Tags=tag_spec("security-group", i)[0]["Tags"])
    return gid, {**i, "name": "default", "description": group["Description"], "ownerId": c.account,
                 "arn": f"arn:aws:ec2:{c.region}:{c.account}:security-group/{gid}"}


def default_network_acl(c: Clients, name: str, i: State) -> tuple[str, State]:
    """Adopt the default NACL: the provider deletes every entry it can (not the `*` denies)."""
    aid = need(i, "defaultNetworkAclId")
    acl = c.ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"][0]
    for e in acl["Entries"]:
        if e["RuleNumber"] < 32767:
            c.ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=e["RuleNumber"], Egress=e["Egress"])
    if i.get("tags"):
        c.ec2.create_tags(Resources=[aid], Tags=tag_spec("network-acl", i)[0]["Tags"])
    return aid, {**i, "vpcId": acl["VpcId"], "ownerId": c.account,
                 "arn": f"arn:aws:ec2:{c.region}:{c.account}:network-acl/{aid}"}


def default_route_table(c: Clients, name: str, i: State) -> tuple[str, State]:
    """Adopt the main route table: the provider removes every route but the local ones."""
    rid = need(i, "defaultRouteTableId")
    table = c.ec2.describe_route_tables(RouteTableIds=[rid])["RouteTables"][0]
    for r in table["Routes"]:
        if r.get("GatewayId") != "local" and r.get("DestinationCidrBlock"):
            c.ec2.delete_route(RouteTableId=rid, DestinationCidrBlock=r["DestinationCidrBlock"])
    if i.get("tags"):
        c.ec2.create_tags(Resources=[rid], Tags=tag_spec("route-table", i)[0]["Tags"])
    return rid, {**i, "vpcId": table["VpcId"], "ownerId": c.account,
                 "arn": f"arn:aws:ec2:{c.region}:{c.account}:route-table/{rid}"}


def subnet(c: Clients, name: str, i: State) -> tuple[str, State]:
    args = {"VpcId": need(i, "vpcId"), "CidrBlock": need(i, "cidrBlock"), "TagSpecifications": tag_spec("subnet", i)}
    if i.get("availabilityZone"):
        args["AvailabilityZone"] = i["availabilityZone"]
    s = c.ec2.create_subnet(**args)["Subnet"]
    if i.get("mapPublicIpOnLaunch"):
        c.ec2.modify_subnet_attribute(SubnetId=s["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    return s["SubnetId"], {**i, "availabilityZone": s["AvailabilityZone"], "ownerId": c.account,
                           "arn": f"arn:aws:ec2:{c.region}:{c.account}:subnet/{s['SubnetId']}"}


def security_group(c: Clients, name: str, i: State) -> tuple[str, State]:
    group_name = i.get("name") or autoname(name)
    description = i.get("description") or DEFAULT_DESCRIPTION
    gid = c.ec2.create_security_group(GroupName=group_name, Description=description, VpcId=need(i, "vpcId"),
                                      TagSpecifications=tag_spec("security-group", i))["GroupId"]
    # The provider revokes AWS's allow-all egress right after create, unconditionally (the
    # IPv6 one too, ignoring NotFound; bulkhead's VPCs have no IPv6, so it is not there).
    c.ec2.revoke_security_group_egress(
        GroupId=gid, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return gid, {**i, "name": group_name, "description": description, "ownerId": c.account,
                 "arn": f"arn:aws:ec2:{c.region}:{c.account}:security-group/{gid}"}


def _permission(i: State) -> dict[str, Any]:
    perm: dict[str, Any] = {"IpProtocol": need(i, "ipProtocol")}
    if perm["IpProtocol"] != "-1":
        perm["FromPort"], perm["ToPort"] = _int(need(i, "fromPort")), _int(need(i, "toPort"))
    source = {"Description": i["description"]} if i.get("description") else {}
    if i.get("cidrIpv4"):
        perm["IpRanges"] = [{"CidrIp": i["cidrIpv4"], **source}]
    elif i.get("referencedSecurityGroupId"):
        perm["UserIdGroupPairs"] = [{"GroupId": i["referencedSecurityGroupId"], **source}]
    elif i.get("prefixListId"):
        perm["PrefixListIds"] = [{"PrefixListId": i["prefixListId"], **source}]
    else:
        raise MissingInput("a security group rule needs cidrIpv4, referencedSecurityGroupId or prefixListId")
    return perm


def rule_handler(authorize: str) -> Handler:
    def handler(c: Clients, name: str, i: State) -> tuple[str, State]:
        call = getattr(c.ec2, authorize)
        out = call(GroupId=need(i, "securityGroupId"), IpPermissions=[_permission(i)],
                   TagSpecifications=tag_spec("security-group-rule", i))
        rid = out["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        return rid, {**i, "securityGroupRuleId": rid,
                     "arn": f"arn:aws:ec2:{c.region}:{c.account}:security-group-rule/{rid}"}
    return handler


def network_acl(c: Clients, name: str, i: State) -> tuple[str, State]:
    acl = c.ec2.create_network_acl(VpcId=need(i, "vpcId"), TagSpecifications=tag_spec("network-acl", i))
    aid = acl["NetworkAcl"]["NetworkAclId"]
    # subnet_ids: the provider moves each subnet's current (default) association to this ACL.
    subnets = list(i.get("subnetIds") or [])
    if any(sid not in c.default_associations for sid in subnets):
        # One describe answers for every subnet still in the default NACL; remembering them
        # keeps large simulations linear (describing per subnet made them quadratic).
        held = c.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": subnets}])
        c.default_associations.update(
            {a["SubnetId"]: a["NetworkAclAssociationId"] for n in held["NetworkAcls"] for a in n["Associations"]})
    for sid in subnets:
        c.ec2.replace_network_acl_association(AssociationId=c.default_associations.pop(sid), NetworkAclId=aid)
    return aid, {**i, "ownerId": c.account, "arn": f"arn:aws:ec2:{c.region}:{c.account}:network-acl/{aid}"}


def network_acl_rule(c: Clients, name: str, i: State) -> tuple[str, State]:
    protocol = str(need(i, "protocol")).lower()
    protocol = PROTOCOL_NUMBERS.get(protocol, protocol)  # names go to the API as numbers
    acl, number, egress = need(i, "networkAclId"), _int(need(i, "ruleNumber")), bool(i.get("egress", False))
    args: dict[str, Any] = {"NetworkAclId": acl, "RuleNumber": number, "Protocol": protocol,
                            "RuleAction": need(i, "ruleAction"), "Egress": egress, "CidrBlock": need(i, "cidrBlock")}
    if protocol in ("6", "17"):
        args["PortRange"] = {"From": _int(need(i, "fromPort")), "To": _int(need(i, "toPort"))}
    if protocol == "1":
        args["IcmpTypeCode"] = {"Type": _int(need(i, "icmpType")), "Code": _int(need(i, "icmpCode"))}
    c.ec2.create_network_acl_entry(**args)
    if protocol == "1":
        _keep_icmp_type_code(c, acl, number, egress, args["IcmpTypeCode"])
    # The provider's id for an entry: a hash of what identifies it.
    return f"nacl-{zlib.crc32(f'{acl}-{number}-{egress}-{protocol}-'.encode())}", i


def _keep_icmp_type_code(c: Clients, acl: str, number: int, egress: bool, icmp: dict[str, int]) -> None:
    """moto gap: it reads the ICMP type/code under the wrong request key and drops them, so
    describe_network_acls shows an ICMP entry without `IcmpTypeCode`; AWS always stores and
    returns it. Set them on moto's own entry so the account reads back as AWS's would."""
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[c.account][c.region]
    for entry in backend.get_network_acl(acl).network_acl_entries:
        if str(entry.rule_number) == str(number) and str(entry.egress).lower() == str(egress).lower():
            entry.icmp_type, entry.icmp_code = icmp["Type"], icmp["Code"]


def route_table(c: Clients, name: str, i: State) -> tuple[str, State]:
    rtb = c.ec2.create_route_table(VpcId=need(i, "vpcId"), TagSpecifications=tag_spec("route-table", i))
    rid = rtb["RouteTable"]["RouteTableId"]
    return rid, {**i, "ownerId": c.account, "arn": f"arn:aws:ec2:{c.region}:{c.account}:route-table/{rid}"}


def route(c: Clients, name: str, i: State) -> tuple[str, State]:
    table, destination = need(i, "routeTableId"), need(i, "destinationCidrBlock")
    targets = {"gatewayId": "GatewayId", "natGatewayId": "NatGatewayId"}
    chosen = {api: i[key] for key, api in targets.items() if i.get(key)}
    if len(chosen) != 1:
        raise MissingInput(f"a route needs exactly one of {', '.join(targets)}; got {sorted(chosen)}")
    c.ec2.create_route(RouteTableId=table, DestinationCidrBlock=destination, **chosen)
    return f"r-{table}{zlib.crc32(destination.encode())}", {**i, "origin": "CreateRoute", "state": "active"}


def route_table_association(c: Clients, name: str, i: State) -> tuple[str, State]:
    out = c.ec2.associate_route_table(SubnetId=need(i, "subnetId"), RouteTableId=need(i, "routeTableId"))
    return out["AssociationId"], i


def internet_gateway(c: Clients, name: str, i: State) -> tuple[str, State]:
    igw = c.ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway", i))
    gid = igw["InternetGateway"]["InternetGatewayId"]
    if i.get("vpcId"):
        c.ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=i["vpcId"])
    return gid, {**i, "ownerId": c.account, "arn": f"arn:aws:ec2:{c.region}:{c.account}:internet-gateway/{gid}"}


def eip(c: Clients, name: str, i: State) -> tuple[str, State]:
    out = c.ec2.allocate_address(Domain=i.get("domain", "vpc"), TagSpecifications=tag_spec("elastic-ip", i))
    return out["AllocationId"], {**i, "allocationId": out["AllocationId"], "publicIp": out["PublicIp"],
                                 "domain": out.get("Domain", "vpc")}


def nat_gateway(c: Clients, name: str, i: State) -> tuple[str, State]:
    out = c.ec2.create_nat_gateway(SubnetId=need(i, "subnetId"), AllocationId=need(i, "allocationId"),
                                   TagSpecifications=tag_spec("natgateway", i))["NatGateway"]
    address = (out.get("NatGatewayAddresses") or [{}])[0]
    return out["NatGatewayId"], {**i, "connectivityType": "public", "publicIp": address.get("PublicIp"),
                                 "privateIp": address.get("PrivateIp")}
