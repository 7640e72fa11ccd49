"""The Azure address book for `observe` (pure, from the snapshot).

Segments own the address prefixes of their subnets (the subnets named after the model's
segments in the VNets tagged `bulkhead:model`, as verify finds them); services own the
private addresses of their private endpoints' NICs (named by the endpoint's target
sub-resource, services.py); inside the network are the VNets' address spaces. A private
endpoint's NIC logs nothing itself: the sender's outbound tuple is the flow's only record. Flow tuples
say themselves at which end they were captured (I or O), so no interface map is needed.
"""

from __future__ import annotations

from infra.flows.addresses import AddressBook
from infra.model import Model
from infra.reach import SERVICE_PREFIX
from infra.snapshot import Snapshot
from providers.azure.observe.state import AzureState, Json, prefixes, props, ref, tags
from providers.azure.services import service_of_group_ids


def model_vnets(state: AzureState, model: Model) -> list[Json]:
    return [v for v in state.vnets if tags(v).get("bulkhead:model") == model.name]


def flow_book(snapshot: Snapshot, model: Model) -> AddressBook:
    state = AzureState.load(snapshot)
    vnets = model_vnets(state, model)
    owners = [(str(p), str(s.get("name"))) for v in vnets for s in state.subnets(v)
              if s.get("name") in model.segments and "azure" in model.placement(str(s.get("name")))
              for p in prefixes(s)]
    endpoints = _endpoint_owners(state, vnets)
    local = [p for v in vnets for p in (props(v).get("addressSpace") or {}).get("addressPrefixes") or []]
    # A private endpoint's NIC writes no flow log: only the sender's NIC logs traffic to it.
    return AddressBook(owners + endpoints, local, unlogged=[cidr for cidr, _ in endpoints])


def _endpoint_owners(state: AzureState, vnets: list[Json]) -> list[tuple[str, str]]:
    subnets = {str(s.get("id", "")).lower() for v in vnets for s in state.subnets(v)}
    nics = {str(n.get("id", "")).lower(): n for n in state.nics}
    owners = []
    for endpoint in state.endpoints:
        p = props(endpoint)
        connections = (p.get("privateLinkServiceConnections") or []) + (p.get("manualPrivateLinkServiceConnections")
                                                                         or [])
        service = service_of_group_ids([g for c in connections for g in props(c).get("groupIds") or []])
        if service is None or ref(p.get("subnet")) not in subnets:
            continue
        for nic_ref in p.get("networkInterfaces") or []:
            for config in props(nics.get(ref(nic_ref))).get("ipConfigurations") or []:
                if props(config).get("privateIPAddress"):
                    owners.append((f"{props(config)['privateIPAddress']}/32", SERVICE_PREFIX + service))
    return owners
