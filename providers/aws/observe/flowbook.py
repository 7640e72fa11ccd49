"""The AWS address book for `observe` and where the VPC's flow logs go (pure, from the snapshot).

Everything comes from the cloud's own state, read by the same modules verify uses: the
segment subnets (found by their `bulkhead:*` tags, topology.py), the services' addresses
(interface endpoint ENIs, gateway endpoint prefix lists; endpoints.py), the VPC's ranges,
each network interface's private addresses (to tell at which end a record was captured) and
the NAT gateways' interfaces (transit: their records repeat the workloads').
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.flows.addresses import AddressBook
from infra.model import Model
from infra.snapshot import Snapshot
from providers.aws.observe.endpoints import service_addresses, vpc_endpoints
from providers.aws.observe.resources import Json, Resources, read_resources
from providers.aws.observe.topology import find_scope, subnet_v6, vpc_cidrs


@dataclass(frozen=True, order=True)
class Destination:
    """One flow log of the model's VPC: CloudWatch Logs group or S3 bucket (and prefix), format."""

    flow_log: str
    kind: str  # "cloud-watch-logs" | "s3"
    target: str  # the log group name, or "bucket/prefix"
    log_format: str | None


def flow_book(snapshot: Snapshot, model: Model) -> AddressBook:
    resources = read_resources(snapshot)
    scope = find_scope(resources, model)
    subnets = {s["SubnetId"]: s for s in resources["Subnets"]}
    owners: list[tuple[str, str]] = []
    for subnet_id, segment in scope.endpoint_of_subnet.items():
        subnet = subnets[subnet_id]
        owners += [(c, segment) for c in [subnet.get("CidrBlock"), *subnet_v6(subnet)] if c]
    mine = [e for e in resources["NetworkInterfaces"] if e.get("VpcId") in scope.vpcs
            or subnets.get(e.get("SubnetId", ""), {}).get("VpcId") in scope.vpcs]
    interfaces = {e["NetworkInterfaceId"]: _addresses(e) for e in mine}
    owners += _service_owners(resources, scope.vpcs, subnets, interfaces)
    # Inside the network: the VPC's ranges and every address of its interfaces (all logged).
    local = [c for v in resources["Vpcs"] if v["VpcId"] in scope.vpcs for c in vpc_cidrs(v)]
    local += [_host(a) for addresses in interfaces.values() for a in addresses]
    transit = {a["NetworkInterfaceId"] for n in resources["NatGateways"] if n.get("VpcId") in scope.vpcs
               for a in n.get("NatGatewayAddresses", []) if a.get("NetworkInterfaceId")}
    transit |= {e["NetworkInterfaceId"] for e in mine if e.get("InterfaceType") == "nat_gateway"}
    return AddressBook(owners, local, interfaces=interfaces, transit=transit)


def _service_owners(resources: Resources, vpcs: tuple[str, ...], subnets: dict[str, Json],
                    interfaces: dict[str, list[str]]) -> list[tuple[str, str]]:
    """An interface endpoint owns its interfaces' addresses; a gateway endpoint its prefix list."""
    endpoints = [e for e in vpc_endpoints(resources) if e.vpc in vpcs]
    gateways = service_addresses([e for e in endpoints if e.kind != "Interface"], resources, subnets,
                                 resources.prefix_list_cidrs())
    owners = [(c, service) for service, cidrs in gateways.items() for c in cidrs]
    for ep in endpoints:
        if ep.kind == "Interface":
            found = [_host(a) for eni in ep.enis for a in interfaces.get(eni, [])]
            owners += [(c, ep.service) for c in found or service_addresses([ep], resources, subnets, {})[ep.service]]
    return owners


def _addresses(eni: Json) -> list[str]:
    found = [a.get("PrivateIpAddress") for a in eni.get("PrivateIpAddresses", [])] + [eni.get("PrivateIpAddress")]
    found += [a.get("Ipv6Address") for a in eni.get("Ipv6Addresses", [])]
    return sorted({a for a in found if a})


def _host(address: str) -> str:
    return f"{address}/128" if ":" in address else f"{address}/32"


def destinations(snapshot: Snapshot, model: Model) -> list[Destination]:
    """The flow logs attached to the model's VPCs (FlowLogs.json), in a stable order."""
    resources = read_resources(snapshot)
    scope = find_scope(resources, model)
    return sorted(_destination(f) for f in resources["FlowLogs"]
                  if f.get("ResourceId") in scope.vpcs and f.get("FlowLogStatus", "ACTIVE") == "ACTIVE")


def _destination(raw: Json) -> Destination:
    kind = raw.get("LogDestinationType", "cloud-watch-logs")
    if kind == "s3":
        target = str(raw.get("LogDestination", "")).removeprefix("arn:aws:s3:::")
    else:
        target = raw.get("LogGroupName") or str(raw.get("LogDestination", "")).split(":log-group:", 1)[-1]
        target = target.removesuffix(":*")
    return Destination(raw.get("FlowLogId", ""), kind, target, raw.get("LogFormat"))

