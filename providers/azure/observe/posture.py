"""Azure configuration findings that are not paths (pure).

- a VNet of the model without an enabled flow log (on the VNet, or on every segment subnet);
- a segment or endpoint subnet without an NSG (Azure then allows everything at that layer);
- default outbound access left on (Azure's implicit public IP: the subnet can leave for the
  internet without NAT once an NSG lets it);
- a NAT gateway on a segment that declares no internet egress;
- private endpoints in a subnet whose network policies are off (NSGs do not apply to them);
- a VNet peering (the proof ends at the peer, reported as `peer:<vnet>` paths);
- a subnet service endpoint without a service endpoint policy (it reaches every account).
"""

from __future__ import annotations

from infra.model import Model
from infra.reach import Posture
from providers.azure.observe import checks
from providers.azure.observe.peering import peering_posture
from providers.azure.observe.service_endpoints import open_posture
from providers.azure.observe.state import AzureState, Json, props, ref

POLICIES_ON = {"enabled", "networksecuritygroupenabled"}


def findings(state: AzureState, vnets: list[Json], places: dict[str, Json], model: Model | None) -> tuple[Posture, ...]:
    out: list[Posture] = []
    if model is not None and not vnets:
        out.append(checks.VNET_NOT_FOUND.posture(
            "azure:vnet", f"no virtual network is tagged bulkhead:model={model.name}"))
    out += _flow_logs(state, vnets, places)
    for segment, subnet in sorted(places.items()):
        out += _subnet(subnet, segment, model)
    out += _endpoint_subnets(state, vnets, set(map(id, places.values())))
    out += peering_posture(vnets)
    for segment, subnet in sorted(places.items()):
        out += open_posture(subnet, segment if model is not None else None)
    return tuple(out)


def _flow_logs(state: AzureState, vnets: list[Json], places: dict[str, Json]) -> list[Posture]:
    enabled = {ref({"id": props(log).get("targetResourceId")}) for log in state.flow_logs()
               if props(log).get("enabled") is not False}
    out = []
    for vnet in vnets:
        if ref(vnet) in enabled:
            continue
        uncovered = [s for s in state.subnets(vnet) if id(s) in set(map(id, places.values()))
                     and ref(s) not in enabled and ref(props(s).get("networkSecurityGroup")) not in enabled]
        if uncovered or not places:
            out.append(checks.FLOWLOGS_OFF.posture(
                str(vnet.get("id")), f"virtual network {vnet.get('name')} has no enabled flow log "
                "(Network Watcher VNet flow logs): traffic is not recorded"))
    return out


def _subnet(subnet: Json, segment: str, model: Model | None) -> list[Posture]:
    p, rid, name = props(subnet), str(subnet.get("id")), subnet.get("name")
    out = []
    if not ref(p.get("networkSecurityGroup")):
        out.append(checks.SUBNET_NO_NSG.posture(
            rid, f"subnet {name} has no network security group: Azure allows all traffic at "
            "that layer", segment=segment))
    if p.get("defaultOutboundAccess") is not False:
        out.append(checks.DEFAULT_OUTBOUND.posture(
            rid, f"subnet {name} has default outbound access on: its workloads get an implicit "
            "public address; set defaultOutboundAccess to false", segment=segment))
    nat = ref(p.get("natGateway"))
    if nat and model is not None and segment in model.segments and not model.segments[segment].internet.egress:
        out.append(checks.NAT_WITHOUT_EGRESS.posture(
            rid, f"subnet {name} has NAT gateway {nat.rsplit('/', 1)[-1]} but segment {segment} "
            "declares no internet egress", (f"azure:nat/{nat.rsplit('/', 1)[-1]}",), segment))
    return out


def _endpoint_subnets(state: AzureState, vnets: list[Json], segment_subnets: set[int]) -> list[Posture]:
    holding = {ref(props(pe).get("subnet")) for pe in state.endpoints}
    out = []
    for vnet in vnets:
        for subnet in state.subnets(vnet):
            if ref(subnet) not in holding:
                continue
            p, rid, name = props(subnet), str(subnet.get("id")), subnet.get("name")
            if str(p.get("privateEndpointNetworkPolicies", "Disabled")).lower() not in POLICIES_ON:
                out.append(checks.ENDPOINT_POLICIES_OFF.posture(
                    rid, f"subnet {name} holds private endpoints with network policies off: NSG "
                    "rules do not apply to them; set privateEndpointNetworkPolicies to Enabled"))
            if id(subnet) not in segment_subnets and not ref(p.get("networkSecurityGroup")):
                out.append(checks.ENDPOINT_SUBNET_NO_NSG.posture(
                    rid, f"subnet {name} holds private endpoints and has no network security group"))
    return out
