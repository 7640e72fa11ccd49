"""Which subnets, groups and interfaces make up each endpoint (segment mode or audit mode).

Segment mode (a model is given): a subnet or security group belongs to segment S when it
carries `bulkhead:model = <model name>` and `bulkhead:segment = S`. Every segment subnet
gets a NOTIONAL interface carrying the segment's tagged groups: it stands for the workloads
the model describes, including ones not launched yet, so intended paths are proven even in
an empty network. Every REAL interface in a segment subnet (an instance launched with an
extra permissive group, or with the VPC default group) counts too: whatever it opens is
a path of that segment.

Audit mode (no model): every subnet is an endpoint (named by its Name tag, else its id) with
its real interfaces, plus a notional one where the subnet carries bulkhead's model and
segment tags and groups carry the same (the workloads bulkhead would launch there), so an
open lateral path between two empty subnets is still reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.model import DNS_LABEL, Model
from providers.aws.observe.resources import Json, Resources, tags

MODEL_TAG = "bulkhead:model"
SEGMENT_TAG = "bulkhead:segment"
# Interfaces that belong to AWS-managed things, not to workloads of the subnet.
V6_GONE = {"disassociated", "failed"}
MANAGED_TYPES = {"nat_gateway", "vpc_endpoint", "gateway_load_balancer_endpoint", "gateway_load_balancer"}


@dataclass(frozen=True)
class Iface:
    id: str
    subnet: str
    groups: tuple[str, ...]
    resource: str  # the instance id, else the interface id
    public4: str | None  # the public IPv4 address ("on launch" for a notional interface)
    ipv6: bool
    notional: bool = False


@dataclass(frozen=True)
class Scope:
    vpcs: tuple[str, ...]
    endpoint_of_subnet: dict[str, str]
    segment_groups: dict[str, tuple[str, ...]]  # endpoint -> the groups its notional interfaces carry
    default_groups: dict[str, str]  # vpc -> its default security group id


def find_scope(resources: Resources, model: Model | None) -> Scope:
    defaults = {g.get("VpcId", ""): g["GroupId"] for g in resources["SecurityGroups"]
                if g.get("GroupName") == "default"}
    if model is None:
        names = _subnet_names(resources)
        return Scope(tuple(sorted({s.get("VpcId", "") for s in resources["Subnets"]})), names,
                     _audit_groups(resources, names), defaults)
    # Only DNS labels name segments: a builder may tag shared subnets (endpoints, NAT) with a
    # label that can never be a segment's name.
    mine = [s for s in resources["Subnets"]
            if tags(s).get(MODEL_TAG) == model.name and DNS_LABEL.fullmatch(tags(s).get(SEGMENT_TAG, ""))]
    vpcs = {s.get("VpcId", "") for s in mine} | {v["VpcId"] for v in resources["Vpcs"]
                                                   if tags(v).get(MODEL_TAG) == model.name}
    groups: dict[str, list[str]] = {}
    for group in resources["SecurityGroups"]:
        labels = tags(group)
        if labels.get(MODEL_TAG) == model.name and SEGMENT_TAG in labels and group.get("VpcId") in vpcs:
            groups.setdefault(labels[SEGMENT_TAG], []).append(group["GroupId"])
    return Scope(tuple(sorted(vpcs)), {s["SubnetId"]: tags(s)[SEGMENT_TAG] for s in mine},
                 {k: tuple(sorted(v)) for k, v in groups.items()}, defaults)


def _audit_groups(resources: Resources, names: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Audit mode: subnet endpoint name -> the groups tagged with the subnet's own model and
    segment (what bulkhead launches there), so an empty subnet still answers for its workloads.
    A subnet without those tags gets no notional interface: nothing says what would run there."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for group in resources["SecurityGroups"]:
        labels = tags(group)
        if MODEL_TAG in labels and SEGMENT_TAG in labels:
            key = (str(group.get("VpcId", "")), labels[MODEL_TAG], labels[SEGMENT_TAG])
            groups.setdefault(key, []).append(group["GroupId"])
    out: dict[str, tuple[str, ...]] = {}
    for subnet in resources["Subnets"]:
        labels = tags(subnet)
        found = groups.get((str(subnet.get("VpcId", "")), labels.get(MODEL_TAG, ""), labels.get(SEGMENT_TAG, "")))
        if found and DNS_LABEL.fullmatch(labels.get(SEGMENT_TAG, "")):
            out[names[subnet["SubnetId"]]] = tuple(sorted(found))
    return out


def _subnet_names(resources: Resources) -> dict[str, str]:
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for subnet in resources["Subnets"]:
        name = tags(subnet).get("Name") or subnet["SubnetId"]
        counts[name] = counts.get(name, 0) + 1
    for subnet in resources["Subnets"]:
        name = tags(subnet).get("Name") or subnet["SubnetId"]
        names[subnet["SubnetId"]] = name if counts[name] == 1 else f"{name} ({subnet['SubnetId']})"
    return names


def interfaces(resources: Resources, scope: Scope, managed: set[str], notional: bool) -> list[Iface]:
    """Real interfaces in the scope's endpoint subnets, plus a notional one per segment subnet."""
    subnets = {s["SubnetId"]: s for s in resources["Subnets"]}
    out: dict[str, Iface] = {}
    for eni in resources["NetworkInterfaces"]:
        if eni.get("InterfaceType") in MANAGED_TYPES or eni["NetworkInterfaceId"] in managed:
            continue
        iface = _real(eni, eni.get("Attachment", {}).get("InstanceId"))
        if iface.subnet in scope.endpoint_of_subnet:
            out[iface.id] = iface
    for instance in resources.instances():
        if (instance.get("State") or {}).get("Name") in ("terminated", "shutting-down"):
            continue
        for eni in instance.get("NetworkInterfaces", []):
            iface = _real({**eni, "SubnetId": eni.get("SubnetId", instance.get("SubnetId"))}, instance["InstanceId"])
            if iface.subnet in scope.endpoint_of_subnet and iface.id not in out:
                out[iface.id] = iface
    found = list(out.values())
    if notional:
        for subnet_id, segment in scope.endpoint_of_subnet.items():
            groups = scope.segment_groups.get(segment, ())
            if groups:
                found.append(_notional(subnets[subnet_id], groups))
    return found


def _real(eni: Json, instance: str | None) -> Iface:
    ipv6 = bool(eni.get("Ipv6Addresses") or eni.get("Ipv6Prefixes"))
    return Iface(eni["NetworkInterfaceId"], eni.get("SubnetId", ""), tuple(g["GroupId"] for g in eni.get("Groups", [])),
                 instance or eni["NetworkInterfaceId"], _public_ip(eni), ipv6)


def _public_ip(eni: Json) -> str | None:
    """The interface's public IPv4: on its primary address (`Association`) or on any secondary one
    (an Elastic IP associated with a secondary private address shows only under that address)."""
    found = [(a.get("Association") or {}).get("PublicIp") for a in [eni, *eni.get("PrivateIpAddresses", [])]]
    return next((ip for ip in found if ip), None)


def _notional(subnet: Json, groups: tuple[str, ...]) -> Iface:
    public = "on launch" if subnet.get("MapPublicIpOnLaunch") else None
    ipv6 = bool(subnet_v6(subnet)) and bool(subnet.get("AssignIpv6AddressOnCreation"))
    return Iface(f"notional:{subnet['SubnetId']}", subnet["SubnetId"], groups, "+".join(groups), public, ipv6, True)


def subnet_v6(subnet: Json) -> list[str]:
    """The subnet's IPv6 blocks, unless AWS says they are gone: any other state (associating,
    disassociating, or moto's malformed one) may still carry traffic."""
    return [a["Ipv6CidrBlock"] for a in subnet.get("Ipv6CidrBlockAssociationSet", [])
            if (a.get("Ipv6CidrBlockState") or {}).get("State") not in V6_GONE and a.get("Ipv6CidrBlock")]


def vpc_cidrs(vpc: Json) -> list[str]:
    v4 = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", []) if a.get("CidrBlock")] or (
        [vpc["CidrBlock"]] if vpc.get("CidrBlock") else [])
    v6 = [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet", []) if a.get("Ipv6CidrBlock")]
    return v4 + v6
