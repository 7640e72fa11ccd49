"""The Azure snapshot's files as collect.py writes them (ARM lists, `{"value": [...]}`), checked
before normalizing.

Each model holds the keys the normalizer reads, strictly typed; extra keys are allowed (ARM
returns many more). Lists and `properties` are never null; an optional reference or scalar
may be null, which the normalizer reads as absent (ARM writes some that way). Required in
every subscription folder: the collections without which a subscription would read as one
with no network, no rules or no workloads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from infra.errors import SnapshotProblem
from infra.shapes import Address, Cidr, FileShape, Layout, Shape, absent, cidr_text, json_path, port_text

# A service tag: a letter first, then letters, digits, dots, hyphens (Storage.EastUS, AzureCloud).
SERVICE_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")


def _address_item(value: str) -> str:
    """`*`, a service tag, or an IP address / CIDR (either family), as an NSG rule or route names it."""
    if value.strip() in ("*", "") or SERVICE_TAG.fullmatch(value.strip()):
        return value
    cidr_text(value.strip())
    return value


def _port_item(value: str) -> str:
    """`*` alone, or a port, a range, or a comma list of ports and ranges."""
    if value.strip() != "*":
        for piece in value.split(","):
            port_text(piece, low=0)
    return value


AddressItem = Annotated[str, AfterValidator(_address_item)]
PortItem = Annotated[str, AfterValidator(_port_item)]


class Ref(Shape):
    id: str


class Resource(Shape):
    id: str
    name: str = absent()
    tags: dict[str, str] | None = None


class AddressSpace(Shape):
    addressPrefixes: list[Cidr] = []


class ServiceEndpoint(Shape):
    service: str  # Microsoft.Storage, Microsoft.KeyVault, ...


class SubnetProperties(Shape):
    addressPrefix: Cidr | None = None
    addressPrefixes: list[Cidr] = []
    networkSecurityGroup: Ref | None = None
    routeTable: Ref | None = None
    natGateway: Ref | None = None
    defaultOutboundAccess: bool | None = None
    privateEndpointNetworkPolicies: str | None = None
    serviceEndpoints: list[ServiceEndpoint] = []
    serviceEndpointPolicies: list[Ref] = []


class Subnet(Shape):
    id: str
    name: str
    properties: SubnetProperties


class PeeringProperties(Shape):
    peeringState: Literal["Initiated", "Connected", "Disconnected"] | None = None
    allowVirtualNetworkAccess: bool | None = None
    remoteVirtualNetwork: Ref | None = None
    remoteAddressSpace: AddressSpace | None = None
    remoteVirtualNetworkAddressSpace: AddressSpace | None = None


class Peering(Shape):
    id: str
    name: str
    properties: PeeringProperties


class VnetProperties(Shape):
    addressSpace: AddressSpace | None = None
    subnets: list[Subnet] = []
    virtualNetworkPeerings: list[Peering] = []


class VirtualNetwork(Resource):
    name: str
    location: str | None = None
    properties: VnetProperties


class RuleProperties(Shape):
    priority: Annotated[int, Field(ge=100, le=4096)]
    direction: Literal["Inbound", "Outbound"]
    access: Literal["Allow", "Deny"]
    protocol: Literal["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"]
    sourceAddressPrefix: AddressItem | None = None
    sourceAddressPrefixes: list[AddressItem] = []
    destinationAddressPrefix: AddressItem | None = None
    destinationAddressPrefixes: list[AddressItem] = []
    sourcePortRange: PortItem | None = None
    sourcePortRanges: list[PortItem] = []
    destinationPortRange: PortItem | None = None
    destinationPortRanges: list[PortItem] = []
    sourceApplicationSecurityGroups: list[Ref] = []
    destinationApplicationSecurityGroups: list[Ref] = []


class DefaultRuleProperties(RuleProperties):
    priority: Annotated[int, Field(ge=100, le=65535)]  # Azure's own rules sit at 65000-65500


class SecurityRule(Shape):
    name: str
    properties: RuleProperties


class DefaultRule(Shape):
    name: str
    properties: DefaultRuleProperties


class NsgProperties(Shape):
    securityRules: list[SecurityRule] = []
    defaultSecurityRules: list[DefaultRule] = []


class NetworkSecurityGroup(Resource):
    name: str
    properties: NsgProperties


class IpConfigurationProperties(Shape):
    subnet: Ref | None = None
    privateIPAddress: Address | None = None
    applicationSecurityGroups: list[Ref] = []
    publicIPAddress: Ref | None = None


class IpConfiguration(Shape):
    properties: IpConfigurationProperties


class NicProperties(Shape):
    networkSecurityGroup: Ref | None = None
    privateEndpoint: Ref | None = None
    virtualMachine: Ref | None = None
    ipConfigurations: list[IpConfiguration] = []


class NetworkInterface(Resource):
    properties: NicProperties


class RouteProperties(Shape):
    addressPrefix: AddressItem
    nextHopType: Literal["VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None"]
    nextHopIpAddress: Address | None = None


class Route(Shape):
    name: str
    properties: RouteProperties


class RouteTableProperties(Shape):
    routes: list[Route] = []


class RouteTable(Resource):
    properties: RouteTableProperties


class ConnectionProperties(Shape):
    groupIds: list[str] = []


class Connection(Shape):
    properties: ConnectionProperties = absent()


class EndpointProperties(Shape):
    subnet: Ref | None = None
    networkInterfaces: list[Ref] = []
    applicationSecurityGroups: list[Ref] = []
    privateLinkServiceConnections: list[Connection] = []
    manualPrivateLinkServiceConnections: list[Connection] = []


class PrivateEndpoint(Resource):
    properties: EndpointProperties


class FlowLogProperties(Shape):
    targetResourceId: str | None = None
    enabled: bool | None = None


class FlowLog(Shape):
    properties: FlowLogProperties = absent()


class WatcherProperties(Shape):
    flowLogs: list[FlowLog] = []


class NetworkWatcher(Resource):
    properties: WatcherProperties = absent()


class PublicIpProperties(Shape):
    ipAddress: Address | None = None


class PublicIpAddress(Resource):
    properties: PublicIpProperties = absent()


class VirtualNetworksFile(Shape):
    value: list[VirtualNetwork]


class NetworkSecurityGroupsFile(Shape):
    value: list[NetworkSecurityGroup]


class ApplicationSecurityGroupsFile(Shape):
    value: list[Resource]


class NetworkInterfacesFile(Shape):
    value: list[NetworkInterface]


class RouteTablesFile(Shape):
    value: list[RouteTable]


class PrivateEndpointsFile(Shape):
    value: list[PrivateEndpoint]


class ResourcesFile(Shape):
    value: list[Resource]


class PublicIpAddressesFile(Shape):
    value: list[PublicIpAddress]


class NetworkWatchersFile(Shape):
    value: list[NetworkWatcher]


IDS = "value[].id"  # ARM ids are unique across subscriptions, compared case-blind
COLLECT = "bulkhead collect --cloud azure --subscription <id> --region <region> --out DIR"
FIX = f"re-collect the snapshot with `{COLLECT}`, or restore what the API returned"


# ---- what ARM refuses across the items of a file, or across files ----

Loc = tuple[str | int, ...]


def rule_problems(name: str, document: Any) -> list[SnapshotProblem]:
    """Two rules of one NSG with the same priority and direction: ARM refuses to store that, and
    which one applies would be a tie-break of bulkhead's, not Azure's evaluation."""
    if not name.endswith("networkSecurityGroups.json"):
        return []
    problems = []
    for i, nsg in enumerate(document["value"]):
        held: dict[tuple[int, str], tuple[str, Loc]] = {}
        for key in ("securityRules", "defaultSecurityRules"):
            for j, rule in enumerate(nsg["properties"].get(key, [])):
                rule_props = rule["properties"]
                slot, loc = (rule_props["priority"], rule_props["direction"]), ("value", i, "properties", key, j)
                if slot not in held:
                    held[slot] = (rule["name"], loc)
                    continue
                first, where = held[slot]
                problems.append(SnapshotProblem(
                    name, json_path((*loc, "properties", "priority")),
                    f"rules '{first}' ({json_path(where)}) and '{rule['name']}' of network security group "
                    f"'{nsg['name']}' both have priority {slot[0]} {slot[1]}; ARM refuses two rules of one NSG with "
                    "the same priority and direction", FIX))
    return problems


def missing_nsg_problems(documents: dict[str, Any]) -> list[SnapshotProblem]:
    """A subnet or NIC whose networkSecurityGroup is not in networkSecurityGroups.json: it would read
    as one without an NSG. ARM keeps an NSG in the subscription of what it is attached to (and
    refuses to delete one still attached), and list_all lists every NSG of the subscription, so
    only files read at different moments (an NSG created while collecting) or edited differ."""
    nsg_files = [n for n in documents if n.endswith("networkSecurityGroups.json")]
    if not nsg_files:  # the file has problems of its own, reported already
        return []
    known = {nsg["id"].lower() for n in nsg_files for nsg in documents[n]["value"]}
    problems = []
    for name, loc, what, nsg_id in _nsg_references(documents):
        if nsg_id.lower() not in known:
            problems.append(SnapshotProblem(
                name, json_path(loc), f"{what} refers to network security group {nsg_id!r}, which no "
                "networkSecurityGroups.json of the snapshot holds (it would read as having no NSG)",
                f"{FIX}; if the NSG was created while collecting, collect again"))
    return problems


def _nsg_references(documents: dict[str, Any]) -> Iterator[tuple[str, Loc, str, str]]:
    """(file, JSON path of the id, what refers, the NSG id) of every subnet's and NIC's NSG."""
    for name in sorted(documents):
        if name.endswith("virtualNetworks.json"):
            for i, vnet in enumerate(documents[name]["value"]):
                for j, subnet in enumerate(vnet["properties"].get("subnets", [])):
                    nsg = subnet["properties"].get("networkSecurityGroup")
                    if nsg is not None:
                        yield (name, ("value", i, "properties", "subnets", j, "properties", "networkSecurityGroup",
                                      "id"), f"subnet '{subnet['name']}' of '{vnet['name']}'", nsg["id"])
        elif name.endswith("networkInterfaces.json"):
            for i, nic in enumerate(documents[name]["value"]):
                nsg = nic["properties"].get("networkSecurityGroup")
                if nsg is not None:
                    yield (name, ("value", i, "properties", "networkSecurityGroup", "id"),
                           f"network interface '{nic.get('name') or nic['id']}'", nsg["id"])



SNAPSHOT_LAYOUT = Layout("azure", "subscription", (
    FileShape("virtualNetworks.json", VirtualNetworksFile, "virtual_networks.list_all", required=True,
              unique=(IDS, "value[].properties.subnets[].id")),
    FileShape("networkSecurityGroups.json", NetworkSecurityGroupsFile, "network_security_groups.list_all",
              required=True, unique=(IDS,)),
    FileShape("applicationSecurityGroups.json", ApplicationSecurityGroupsFile,
              "application_security_groups.list_all", required=True, unique=(IDS,)),
    FileShape("networkInterfaces.json", NetworkInterfacesFile, "network_interfaces.list_all", required=True,
              unique=(IDS,)),
    FileShape("routeTables.json", RouteTablesFile, "route_tables.list_all", required=True, unique=(IDS,)),
    FileShape("privateEndpoints.json", PrivateEndpointsFile, "private_endpoints.list_by_subscription",
              required=True, unique=(IDS,)),
    FileShape("natGateways.json", ResourcesFile, "nat_gateways.list_all", unique=(IDS,)),
    FileShape("publicIPAddresses.json", PublicIpAddressesFile, "public_ip_addresses.list_all", unique=(IDS,)),
    FileShape("networkWatchers.json", NetworkWatchersFile, "network_watchers.list_all", unique=(IDS,)),
), COLLECT, fold_case=True, more=rule_problems, across=missing_nsg_problems)
