"""The AWS rule plan's value types: every resource the component wires, decided in advance.

Resources refer to each other by logical name (a string), never by position, so the
Pulumi component only looks names up. Every value carries the segment it belongs to
(`SHARED` for the VPC-wide pieces) for the `bulkhead:segment` tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra.ports import Protocol

SHARED = "_shared"  # not a DNS label, so it can never be a segment's name
ANYWHERE = "0.0.0.0/0"
ACCOUNT_PLACEHOLDER = "<account-id>"  # in an endpoint policy: the deploying account, filled in by the component
MODEL_TAG = "bulkhead:model"
SEGMENT_TAG = "bulkhead:segment"

Direction = Literal["ingress", "egress"]
FlowLogDestination = Literal["cloudwatch", "s3"]
RouteTarget = Literal["internet-gateway", "nat-gateway"]


@dataclass(frozen=True)
class Subnet:
    name: str
    segment: str
    cidr: str
    zone: str  # availability zone name, e.g. us-east-1a
    public: bool  # map_public_ip_on_launch


@dataclass(frozen=True)
class SecurityGroup:
    name: str
    segment: str
    description: str


@dataclass(frozen=True)
class SgRule:
    """One standalone rule; exactly one of peer_group / cidr / prefix_list_of is set.

    `prefix_list_of` names the gateway endpoint whose prefix list (S3's) the rule allows:
    its id is only known once the endpoint exists, so the component reads it from there.
    """

    name: str
    group: str
    segment: str
    direction: Direction
    protocol: Protocol
    from_port: int  # -1 for every ICMP type
    to_port: int  # -1 for every ICMP code
    description: str
    peer_group: str | None = None
    cidr: str | None = None
    prefix_list_of: str | None = None


@dataclass(frozen=True)
class NetworkAcl:
    name: str
    segment: str
    subnets: tuple[str, ...]


@dataclass(frozen=True)
class NaclEntry:
    """A stateless rule. Ports are None for ICMP (type and code -1: every one) and for -1 (all)."""

    name: str
    acl: str
    segment: str
    number: int
    egress: bool
    protocol: int  # IANA number (the API takes numbers); -1 for every protocol
    cidr: str
    from_port: int | None
    to_port: int | None
    icmp_type: int | None = None
    icmp_code: int | None = None
    action: Literal["allow", "deny"] = "allow"


@dataclass(frozen=True)
class RouteTable:
    name: str
    segment: str
    subnets: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    name: str
    table: str
    segment: str
    destination: str
    target: RouteTarget


@dataclass(frozen=True)
class NatGateway:
    name: str
    eip: str
    subnet: str


@dataclass(frozen=True)
class Endpoint:
    name: str
    service: str  # the neutral name, e.g. container-registry
    service_name: str  # com.amazonaws.<region>.<x>
    kind: Literal["Gateway", "Interface"]
    route_tables: tuple[str, ...] = ()  # gateway endpoints
    subnets: tuple[str, ...] = ()  # interface endpoints
    group: str | None = None  # interface endpoints
    policy: str | None = None  # JSON
    private_dns: bool = False


@dataclass(frozen=True)
class FlowLogs:
    name: str
    destination: FlowLogDestination


@dataclass(frozen=True)
class AwsRulePlan:
    model: str
    region: str
    cidr: str
    vpc: str
    default_group: str  # the VPC default security group, adopted and emptied
    default_acl: str  # the VPC default NACL, adopted and emptied (left with no subnets too)
    default_table: str  # the VPC main route table, adopted with no routes beyond local
    segments: tuple[str, ...]
    subnets: tuple[Subnet, ...]
    groups: tuple[SecurityGroup, ...]
    sg_rules: tuple[SgRule, ...]
    nacls: tuple[NetworkAcl, ...]
    nacl_entries: tuple[NaclEntry, ...]
    route_tables: tuple[RouteTable, ...]
    routes: tuple[Route, ...]
    internet_gateway: str | None
    nat: NatGateway | None
    endpoints: tuple[Endpoint, ...]
    flow_logs: FlowLogs

    def tags(self, segment: str, name: str) -> dict[str, str]:
        return {MODEL_TAG: self.model, SEGMENT_TAG: segment, "Name": name}

    def segment_group(self, segment: str) -> str:
        return next(g.name for g in self.groups if g.segment == segment)

    def segment_table(self, segment: str) -> str:
        return next(t.name for t in self.route_tables if t.segment == segment)

    def segment_subnets(self, segment: str) -> tuple[str, ...]:
        return tuple(s.name for s in self.subnets if s.segment == segment)
