"""VPC endpoints -> neutral service endpoints (`service:<name>`).

The mapping from AWS service names to neutral names is kept here, on the verify side, and
not imported from providers/aws/services.py (the builder's table): the verifier must
recognise what is in the cloud on its own. A service the model has no name for keeps its
AWS suffix (`service:dynamodb`), so reaching it is reported, not ignored.

Interface endpoints are addressed by their ENIs' private addresses (or their subnets when
the snapshot lacks usable ENI addresses) and guarded by the endpoint's security groups (the
VPC default group when none is listed, as AWS does). Gateway endpoints are reached through
the prefix-list route; their addresses are the prefix list's CIDRs.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_address, ip_network

from infra.reach import SERVICE_PREFIX
from providers.aws.observe.resources import Json, Resources

NEUTRAL = {
    "s3": "object-storage", "ecr.api": "container-registry", "ecr.dkr": "container-registry",
    "kms": "key-management", "logs": "logging", "sagemaker.api": "ml-api", "sagemaker.runtime": "ml-api",
}
GONE = {"deleted", "deleting", "rejected", "failed", "expired"}


def service_endpoint(service_name: str) -> str:
    """`com.amazonaws.us-east-1.ecr.dkr` -> `service:container-registry`."""
    parts = service_name.split(".", 3)
    suffix = parts[3] if len(parts) == 4 and parts[0] in ("com", "aws") else service_name
    return SERVICE_PREFIX + NEUTRAL.get(suffix, suffix)


@dataclass(frozen=True)
class Endpoint:
    id: str
    vpc: str
    kind: str  # Interface | Gateway | GatewayLoadBalancer
    service: str  # the neutral endpoint name
    service_name: str
    subnets: tuple[str, ...]
    enis: tuple[str, ...]
    groups: tuple[str, ...]
    tables: tuple[str, ...] = ()  # gateway endpoints: the route tables AWS routes the service in


def vpc_endpoints(resources: Resources) -> list[Endpoint]:
    out = []
    for raw in resources["VpcEndpoints"]:
        if str(raw.get("State", "available")).lower() in GONE:
            continue
        out.append(Endpoint(
            raw["VpcEndpointId"], raw.get("VpcId", ""), raw.get("VpcEndpointType", "Gateway"),
            service_endpoint(raw.get("ServiceName", "")), raw.get("ServiceName", ""),
            tuple(raw.get("SubnetIds", [])), tuple(raw.get("NetworkInterfaceIds", [])),
            tuple(g["GroupId"] for g in raw.get("Groups", [])), tuple(raw.get("RouteTableIds", []))))
    return out


def service_prefix_lists(resources: Resources) -> dict[str, str]:
    """AWS-managed service prefix list id -> the neutral service it stands for."""
    return {pl["PrefixListId"]: service_endpoint(pl["PrefixListName"]) for pl in resources["PrefixLists"]
            if str(pl.get("PrefixListName", "")).startswith("com.amazonaws.")}


def service_addresses(endpoints: list[Endpoint], resources: Resources, subnets: dict[str, Json],
                      pl_cidrs: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Neutral service -> the addresses traffic to it is sent to."""
    enis = {e["NetworkInterfaceId"]: e for e in resources["NetworkInterfaces"]}
    by_name = {pl.get("PrefixListName"): pl["PrefixListId"] for pl in resources["PrefixLists"]}
    out: dict[str, list[str]] = {}
    for ep in endpoints:
        cidrs = out.setdefault(ep.service, [])
        if ep.kind == "Interface":
            cidrs += [c for s in ep.subnets for c in _interface_addresses(ep, s, subnets.get(s, {}), enis)]
        else:
            cidrs += pl_cidrs.get(by_name.get(ep.service_name, ""), ())
    return out


def _interface_addresses(ep: Endpoint, subnet_id: str, subnet: Json, enis: dict[str, Json]) -> list[str]:
    block = subnet.get("CidrBlock")
    network = ip_network(block, strict=False) if block else None  # the shape allows host bits ("10.0.0.5/24")
    inside = []
    for eni_id in ep.enis:
        eni = enis.get(eni_id, {})
        address = eni.get("PrivateIpAddress")
        if eni.get("SubnetId") == subnet_id and address and network and ip_address(address) in network:
            inside.append(f"{address}/32")
    return inside or ([block] if block else [])
