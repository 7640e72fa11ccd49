"""The GCP snapshot's files as collect.py writes them (Compute JSON, `{"items": [...]}`), checked
before normalizing.

Each model holds the keys the normalizer reads, strictly typed; extra keys are allowed (the
API returns many more). `items` may be absent (the REST API omits an empty list) but is never
null. Required in every project folder: `networks.json`, `firewalls.json`, `routes.json` and
at least one `subnetworks-<region>.json`: without them a project would read as one where
nothing is allowed or nothing exists. Routers, effective firewalls and the IAM policy may be
absent (posture findings or a permissive fallback say so); so may instances (audit then lists
no exposure).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from infra.errors import FixableValueError
from infra.shapes import Address4, Cidr, Cidr4, FileShape, Layout, Shape, absent, port_text

PROTOCOL_NAMES = {"tcp", "udp", "icmp", "esp", "ah", "sctp", "ipip", "all"}


def _protocol(value: str) -> str:
    if value.lower() in PROTOCOL_NAMES or (value.isascii() and value.isdigit() and 0 <= int(value) <= 255):
        return value
    raise FixableValueError(f"{value!r} is not an IP protocol", "GCP writes tcp, udp, icmp, esp, ah, sctp, "
                            "ipip, all or a protocol number 0-255; re-collect the snapshot")


def _ports(value: str) -> str:
    port_text(value)
    return value


Protocol = Annotated[str, AfterValidator(_protocol)]
Ports = Annotated[str, AfterValidator(_ports)]
Priority = Annotated[int, Field(ge=0, le=65535)]


class LogConfig(Shape):
    enable: bool = absent()


class FirewallEntry(Shape):
    IPProtocol: Protocol
    ports: list[Ports] = []


class Firewall(Shape):
    name: str
    network: str
    direction: Literal["INGRESS", "EGRESS"] = absent()
    priority: Priority = absent()
    disabled: bool = absent()
    allowed: list[FirewallEntry] = []
    denied: list[FirewallEntry] = []
    sourceRanges: list[Cidr] = []
    destinationRanges: list[Cidr] = []
    sourceTags: list[str] = []
    sourceServiceAccounts: list[str] = []
    targetTags: list[str] = []
    targetServiceAccounts: list[str] = []
    logConfig: LogConfig = absent()

    @model_validator(mode="after")
    def _one_action(self) -> Firewall:
        if bool(self.allowed) == bool(self.denied):
            what = "both allowed and denied" if self.allowed else "neither allowed nor denied"
            raise FixableValueError(f"firewall rule {self.name} has {what}",
                                    "GCP keeps exactly one of them; re-collect the snapshot")
        return self


class Route(Shape):
    name: str
    network: str
    destRange: Cidr
    priority: Priority = absent()
    nextHopGateway: str = absent()
    nextHopNetwork: str = absent()
    nextHopIp: str = absent()
    nextHopInstance: str = absent()
    nextHopIlb: str = absent()
    nextHopVpnTunnel: str = absent()
    nextHopPeering: str = absent()
    nextHopHub: str = absent()
    nextHopInterconnectAttachment: str = absent()
    routeType: str = absent()
    tags: list[str] = []


class SecondaryRange(Shape):
    rangeName: str = absent()
    ipCidrRange: Cidr4


class Subnetwork(Shape):
    name: str
    network: str
    ipCidrRange: Cidr4
    description: str = absent()
    secondaryIpRanges: list[SecondaryRange] = []
    privateIpGoogleAccess: bool = absent()
    enableFlowLogs: bool = absent()
    logConfig: LogConfig = absent()


class NatSubnetwork(Shape):
    name: str


class Nat(Shape):
    name: str = absent()
    sourceSubnetworkIpRangesToNat: str = absent()
    subnetworks: list[NatSubnetwork] = []


class Router(Shape):
    name: str
    network: str = absent()
    nats: list[Nat] = []


class Peering(Shape):
    name: str
    network: str  # the peer network's URL
    state: Literal["ACTIVE", "INACTIVE"] = absent()


class Network(Shape):
    name: str
    selfLink: str
    firewallPolicy: str = absent()
    peerings: list[Peering] = []


class InstanceTags(Shape):
    items: list[str] = []


class InstanceAccount(Shape):
    email: str = absent()


class AccessConfig(Shape):
    natIP: Address4 = absent()  # the external IPv4 address (IPv6 ones sit in ipv6AccessConfigs)


class InstanceInterface(Shape):
    name: str = absent()
    subnetwork: str = absent()
    networkIP: Address4 = absent()
    accessConfigs: list[AccessConfig] = []


class Instance(Shape):
    """What audit reads of a VM (exposures.py): its interfaces, external addresses and identity."""

    name: str
    tags: InstanceTags = absent()
    serviceAccounts: list[InstanceAccount] = []
    networkInterfaces: list[InstanceInterface] = []


class FirewallPolicy(Shape):
    name: str = absent()
    shortName: str = absent()
    type: str = absent()
    rules: list[dict[str, Any]] = []


class Binding(Shape):
    role: str
    members: list[str] = []


class NetworksFile(Shape):
    items: list[Network] = []


class FirewallsFile(Shape):
    items: list[Firewall] = []


class RoutesFile(Shape):
    items: list[Route] = []


class SubnetworksFile(Shape):
    items: list[Subnetwork] = []


class RoutersFile(Shape):
    items: list[Router] = []


class EffectiveFirewallsFile(Shape):
    firewalls: list[Firewall] = []
    firewallPolicys: list[FirewallPolicy] = []


class InstancesFile(Shape):
    items: list[Instance] = []


class IamPolicyFile(Shape):
    bindings: list[Binding] = []


NAMES = "items[].name"  # unique per project (per region for subnetworks and routers): one file

SNAPSHOT_LAYOUT = Layout("gcp", "project", (
    FileShape("networks.json", NetworksFile, "NetworksClient.list", required=True, unique=(NAMES,)),
    FileShape("firewalls.json", FirewallsFile, "FirewallsClient.list", required=True, unique=(NAMES,)),
    FileShape("routes.json", RoutesFile, "RoutesClient.list", required=True, unique=(NAMES,)),
    FileShape("subnetworks-*.json", SubnetworksFile, "SubnetworksClient.list, one file per region",
              required=True, shown="subnetworks-<region>.json", unique=(NAMES,)),
    FileShape("routers-*.json", RoutersFile, "RoutersClient.list", unique=(NAMES,)),
    FileShape("effective-firewalls-*.json", EffectiveFirewallsFile, "NetworksClient.get_effective_firewalls"),
    FileShape("iam-policy.json", IamPolicyFile, "projects.getIamPolicy"),
    # instance names are unique per zone only, and this list holds every zone: no id is checked
    FileShape("instances.json", InstancesFile, "InstancesClient.aggregated_list, every zone in one list"),
), "bulkhead collect --cloud gcp --project <project> --region <region> --out DIR", ids="file")
