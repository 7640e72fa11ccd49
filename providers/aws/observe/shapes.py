"""The AWS snapshot's files as collect.py writes them (describe-* responses), checked before normalizing.

Each model holds the keys the normalizer reads, strictly typed; extra keys are allowed (AWS
returns many more). Ids that the normalizer keys on are required (`SubnetId`, `GroupId`,
`NetworkAclId`, ...), as AWS always returns them. boto3 never writes null, so no field here
accepts null. Files required in every region folder: without them a snapshot would read as
a network with nothing in it (no groups: nothing allowed; no route tables: nothing routed).
`SecurityGroupRules.json`, `NetworkAcls.json`, `InternetGateways.json` and the rest may be
absent, each with its documented fallback (docs/snapshot-formats.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from infra.errors import FixableValueError
from infra.shapes import Address, Cidr, Cidr4, Cidr6, FileShape, Layout, Shape, absent
from providers.aws.observe.policy_shape import PolicyText
from providers.aws.observe.shape_values import (
    EndpointIdText,
    EndpointState,
    GatewayText,
    IcmpField,
    Port,
    ProtocolText,
    RuleNumberValue,
)


class Tag(Shape):
    Key: str
    Value: str = absent()


class Tagged(Shape):
    Tags: list[Tag] = []


class CidrAssociation(Shape):
    CidrBlock: Cidr4 = absent()


class V6State(Shape):
    State: str = absent()


class V6Association(Shape):
    Ipv6CidrBlock: Cidr6 = absent()
    Ipv6CidrBlockState: V6State = absent()


class Vpc(Tagged):
    VpcId: str
    OwnerId: str = absent()
    CidrBlock: Cidr4 = absent()
    CidrBlockAssociationSet: list[CidrAssociation] = []
    Ipv6CidrBlockAssociationSet: list[V6Association] = []


class Subnet(Tagged):
    SubnetId: str
    VpcId: str
    OwnerId: str = absent()
    AvailabilityZone: str = absent()
    CidrBlock: Cidr4 = absent()
    Ipv6CidrBlockAssociationSet: list[V6Association] = []
    MapPublicIpOnLaunch: bool = absent()
    AssignIpv6AddressOnCreation: bool = absent()


class IpRange(Shape):
    CidrIp: Cidr4


class Ipv6Range(Shape):
    CidrIpv6: Cidr6


class PrefixListRef(Shape):
    PrefixListId: str


class GroupPair(Shape):
    GroupId: str = absent()


class PortRule(Shape):
    """What a permission and a rule share: protocol and port range, checked for order."""

    IpProtocol: ProtocolText
    FromPort: Port = absent()
    ToPort: Port = absent()

    @model_validator(mode="after")
    def _ordered(self) -> PortRule:
        low, high = self.FromPort, self.ToPort
        if self.IpProtocol.lower() in ("tcp", "udp", "6", "17") and low is not None and high is not None \
                and -1 < high < low:
            raise FixableValueError(f"FromPort {self.FromPort} is above ToPort {self.ToPort}",
                                    "AWS never returns a reversed range; re-collect the snapshot")
        return self


class Permission(PortRule):
    IpRanges: list[IpRange] = []
    Ipv6Ranges: list[Ipv6Range] = []
    PrefixListIds: list[PrefixListRef] = []
    UserIdGroupPairs: list[GroupPair] = []


class SecurityGroup(Tagged):
    GroupId: str
    GroupName: str = absent()
    VpcId: str = absent()
    IpPermissions: list[Permission] = []
    IpPermissionsEgress: list[Permission] = []


class ReferencedGroup(Shape):
    GroupId: str = absent()


class SecurityGroupRule(PortRule):
    SecurityGroupRuleId: str
    GroupId: str
    IsEgress: bool = absent()
    CidrIpv4: Cidr4 = absent()
    CidrIpv6: Cidr6 = absent()
    PrefixListId: str = absent()
    ReferencedGroupInfo: ReferencedGroup = absent()


class AclAssociation(Shape):
    SubnetId: str = absent()


class AclPortRange(Shape):
    From: Port
    To: Port

    @model_validator(mode="after")
    def _ordered(self) -> AclPortRange:
        if self.From > self.To:
            raise FixableValueError(f"From {self.From} is above To {self.To}",
                                    "AWS never returns a reversed range; re-collect the snapshot")
        return self


class AclIcmp(Shape):
    Type: IcmpField = absent()
    Code: IcmpField = absent()


class AclEntry(Shape):
    RuleNumber: RuleNumberValue
    Protocol: ProtocolText
    RuleAction: Literal["allow", "deny"]
    Egress: bool
    CidrBlock: Cidr4 = absent()
    Ipv6CidrBlock: Cidr6 = absent()
    PortRange: AclPortRange = absent()
    IcmpTypeCode: AclIcmp = absent()


class NetworkAcl(Tagged):
    NetworkAclId: str
    VpcId: str
    IsDefault: bool = absent()
    Associations: list[AclAssociation] = []
    Entries: list[AclEntry] = []


class TableAssociation(Shape):
    Main: bool = absent()
    SubnetId: str = absent()


class Route(Shape):
    DestinationCidrBlock: Cidr4 = absent()
    DestinationIpv6CidrBlock: Cidr6 = absent()
    DestinationPrefixListId: str = absent()
    GatewayId: GatewayText = absent()
    VpcEndpointId: EndpointIdText = absent()  # a Gateway Load Balancer endpoint, as some tools write it
    NatGatewayId: str = absent()
    EgressOnlyInternetGatewayId: str = absent()
    NetworkInterfaceId: str = absent()
    InstanceId: str = absent()
    TransitGatewayId: str = absent()
    VpcPeeringConnectionId: str = absent()
    CoreNetworkArn: str = absent()
    LocalGatewayId: str = absent()
    CarrierGatewayId: str = absent()
    State: Literal["active", "blackhole", "filtered"] = absent()


class RouteTable(Tagged):
    RouteTableId: str
    VpcId: str
    Associations: list[TableAssociation] = []
    Routes: list[Route] = []


class GroupRef(Shape):
    GroupId: str


class VpcEndpoint(Tagged):
    VpcEndpointId: str
    VpcId: str
    ServiceName: str
    VpcEndpointType: Literal["Interface", "Gateway", "GatewayLoadBalancer", "Resource", "ServiceNetwork",
                             "Tunnel"] = absent()
    State: EndpointState = absent()
    PolicyDocument: PolicyText = absent()
    SubnetIds: list[str] = []
    NetworkInterfaceIds: list[str] = []
    Groups: list[GroupRef] = []
    RouteTableIds: list[str] = []


class PublicAssociation(Shape):
    PublicIp: Address = absent()


class PrivateAddress(Shape):
    PrivateIpAddress: Address = absent()
    Association: PublicAssociation = absent()


class Ipv6Entry(Shape):
    Ipv6Address: Address = absent()


class EniAttachment(Shape):
    InstanceId: str = absent()


class InterfaceFields(Shape):
    NetworkInterfaceId: str
    Groups: list[GroupRef] = []
    PrivateIpAddress: Address = absent()
    PrivateIpAddresses: list[PrivateAddress] = []
    Association: PublicAssociation = absent()
    Ipv6Addresses: list[Ipv6Entry] = []
    Ipv6Prefixes: list[dict[str, object]] = []


class NetworkInterface(InterfaceFields):
    SubnetId: str
    InterfaceType: str = absent()
    Attachment: EniAttachment = absent()
    TagSet: list[Tag] = []


class InstanceInterface(InterfaceFields):
    SubnetId: str = absent()


class InstanceState(Shape):
    Name: str = absent()


class Instance(Tagged):
    InstanceId: str
    SubnetId: str = absent()
    State: InstanceState = absent()
    NetworkInterfaces: list[InstanceInterface] = []


class Reservation(Shape):
    Instances: list[Instance] = []


class GatewayAttachment(Shape):
    State: Literal["available", "attaching", "attached", "detaching", "detached"] = absent()
    VpcId: str = absent()


class InternetGateway(Tagged):
    InternetGatewayId: str
    Attachments: list[GatewayAttachment] = []


class NatAddress(Shape):
    NetworkInterfaceId: str = absent()
    PublicIp: Address = absent()
    PrivateIp: Address = absent()


class NatGateway(Tagged):
    NatGatewayId: str
    VpcId: str = absent()
    SubnetId: str = absent()
    State: Literal["pending", "failed", "available", "deleting", "deleted"] = absent()
    ConnectivityType: Literal["public", "private"] = absent()
    NatGatewayAddresses: list[NatAddress] = []


class PrefixList(Tagged):
    PrefixListId: str
    PrefixListName: str = absent()
    AddressFamily: Literal["IPv4", "IPv6"] = absent()
    Cidrs: list[Cidr] = []


class PrefixListEntry(Shape):
    Cidr: Cidr


class PrefixListEntries(Shape):
    PrefixListId: str
    Entries: list[PrefixListEntry] = []


class FlowLog(Tagged):
    FlowLogId: str = absent()
    ResourceId: str = absent()
    FlowLogStatus: str = absent()
    DeliverLogsStatus: str = absent()
    # where the records go (read by `bulkhead observe` to find them)
    LogDestinationType: Literal["cloud-watch-logs", "s3", "kinesis-data-firehose"] = absent()
    LogDestination: str = absent()
    LogGroupName: str = absent()
    LogFormat: str = absent()


# One document per file: the describe response, `{"<Key>": [...]}`.
class VpcsFile(Shape):
    Vpcs: list[Vpc]


class SubnetsFile(Shape):
    Subnets: list[Subnet]


class SecurityGroupsFile(Shape):
    SecurityGroups: list[SecurityGroup]


class SecurityGroupRulesFile(Shape):
    SecurityGroupRules: list[SecurityGroupRule]


class NetworkAclsFile(Shape):
    NetworkAcls: list[NetworkAcl]


class RouteTablesFile(Shape):
    RouteTables: list[RouteTable]


class VpcEndpointsFile(Shape):
    VpcEndpoints: list[VpcEndpoint]


class NetworkInterfacesFile(Shape):
    NetworkInterfaces: list[NetworkInterface]


class ReservationsFile(Shape):
    Reservations: list[Reservation]


class InternetGatewaysFile(Shape):
    InternetGateways: list[InternetGateway]


class NatGatewaysFile(Shape):
    NatGateways: list[NatGateway]


class PrefixListsFile(Shape):
    PrefixLists: list[PrefixList]


class PrefixListEntriesFile(Shape):
    ManagedPrefixListEntries: list[PrefixListEntries]


class FlowLogsFile(Shape):
    FlowLogs: list[FlowLog]


def _describe(file: str, model: type[Shape], call: str, *ids: str, required: bool = False) -> FileShape:
    """A describe file whose listed ids (`Subnets[].SubnetId`) each appear once in the whole snapshot."""
    return FileShape(file, model, call, required, unique=ids)


SNAPSHOT_LAYOUT = Layout("aws", "region", (
    _describe("Vpcs.json", VpcsFile, "describe_vpcs", "Vpcs[].VpcId", required=True),
    _describe("Subnets.json", SubnetsFile, "describe_subnets", "Subnets[].SubnetId", required=True),
    _describe("SecurityGroups.json", SecurityGroupsFile, "describe_security_groups", "SecurityGroups[].GroupId",
              required=True),
    _describe("RouteTables.json", RouteTablesFile, "describe_route_tables", "RouteTables[].RouteTableId",
              required=True),
    _describe("NetworkInterfaces.json", NetworkInterfacesFile, "describe_network_interfaces",
              "NetworkInterfaces[].NetworkInterfaceId", required=True),
    _describe("SecurityGroupRules.json", SecurityGroupRulesFile, "describe_security_group_rules",
              "SecurityGroupRules[].SecurityGroupRuleId"),
    _describe("NetworkAcls.json", NetworkAclsFile, "describe_network_acls", "NetworkAcls[].NetworkAclId"),
    _describe("VpcEndpoints.json", VpcEndpointsFile, "describe_vpc_endpoints", "VpcEndpoints[].VpcEndpointId"),
    _describe("Reservations.json", ReservationsFile, "describe_instances", "Reservations[].Instances[].InstanceId"),
    _describe("InternetGateways.json", InternetGatewaysFile, "describe_internet_gateways",
              "InternetGateways[].InternetGatewayId"),
    _describe("NatGateways.json", NatGatewaysFile, "describe_nat_gateways", "NatGateways[].NatGatewayId"),
    _describe("PrefixLists.json", PrefixListsFile, "describe_managed_prefix_lists", "PrefixLists[].PrefixListId"),
    _describe("ManagedPrefixListEntries.json", PrefixListEntriesFile, "get_managed_prefix_list_entries",
              "ManagedPrefixListEntries[].PrefixListId"),
    _describe("FlowLogs.json", FlowLogsFile, "describe_flow_logs"),
), "bulkhead collect --cloud aws --region <region> --out DIR")
