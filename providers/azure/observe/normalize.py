"""Raw Azure snapshot -> infra.reach.Network (pure; Azure's semantics live here, in nsgs.py,
selectors.py, routes.py and posture.py).

Segments: with a model, the subnets named after its segments in the VNets tagged
`bulkhead:model=<name>` (ARM subnets carry no tags); without one, every subnet. A segment's
members are its subnet's NICs (their addresses and ASGs), or, before any workload exists, one
notional member: the subnet's range and the ASGs tagged `bulkhead:segment=<segment>`.
Services are private endpoints, named by their target sub-resource (`groupIds`).

Each member is a `Side` built layer by layer (layers.py: NIC NSG, subnet NSG, routes); a
layer without an NSG lets everything through (Azure: no NSG = allow all). Intra-subnet
traffic crosses the same NSGs. A peered VNet is an endpoint `peer:<vnet>` (peering.py); a
subnet service endpoint reaches its service through the NSGs only (service_endpoints.py).
Segment -> service chains end at the endpoint's subnet NSG, which applies only when the
subnet's `privateEndpointNetworkPolicies` is Enabled or NetworkSecurityGroupEnabled.
Internet -> segment needs only the NSGs (any workload can get a public IP or sit behind a
load balancer); segment -> internet also needs a way out.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Network

from infra.model import SERVICES, Model
from infra.reach import INTERNET, SERVICE_PREFIX, Filter, Network, Side, Step
from infra.snapshot import Snapshot
from providers.azure.observe import posture, service_endpoints
from providers.azure.observe.exposures import exposures
from providers.azure.observe.layers import MemberFilters, layer_posture
from providers.azure.observe.nsgs import nsg_filter
from providers.azure.observe.peering import peer_members, peer_side
from providers.azure.observe.routes import route_filter, routes_public_space, user_routes
from providers.azure.observe.selectors import INTERNET_MEMBER, Member, Universe
from providers.azure.observe.state import AzureState, Json, prefixes, props, ref, tags
from providers.azure.services import service_of_group_ids

POLICIES_ON = {"enabled", "networksecuritygroupenabled"}


def normalize(snapshot: Snapshot, model: Model | None = None) -> Network:
    state = AzureState.load(snapshot)
    vnets = [v for v in state.vnets if model is None or tags(v).get("bulkhead:model") == model.name]
    places = _places(state, vnets, model)
    endpoint_nics = _endpoint_members(state, vnets)
    members = {segment: _members(state, subnet, segment, model) for segment, subnet in places.items()}
    peers = peer_members(vnets)
    local: dict[str, tuple[Member, ...]] = {**members, **{s: tuple(m for m, _ in found)
                                                          for s, found in endpoint_nics.items()}, **peers}
    universe = Universe({**local, INTERNET: (_internet_member(state, vnets),),
                         **service_endpoints.members(list(places.values()))})
    vnet_len = {ref(v): min((IPv4Network(p, strict=False).prefixlen for p in
                             (props(v).get("addressSpace") or {}).get("addressPrefixes") or [] if ":" not in p),
                            default=32)  # IPv6 space holds no bulkhead endpoint
                for v in vnets}
    layered: dict[str, tuple[MemberFilters, ...]] = {}
    for segment, subnet in places.items():
        length = vnet_len.get(ref(state.subnet_vnet.get(str(subnet.get("id", "")).lower())), 32)
        layered[segment] = tuple(_filters(state, subnet, m, universe, length, local) for m in members[segment])
    sides: dict[str, tuple[Side, ...]] = {INTERNET: (Side(INTERNET),), **{
        peer: tuple(peer_side(peer, m.id, frozenset(peers) - {peer}) for m in found) for peer, found in peers.items()}}
    sides.update({segment: tuple(f.side() for f in found) for segment, found in layered.items()})
    chains = _service_chains(state, sides, endpoint_nics, universe)
    _add_service_endpoint_chains(chains, places, layered)
    if model is not None:
        segments = tuple(s for s in model.segments if "azure" in model.placement(s))
        services = tuple(SERVICE_PREFIX + s for s in SERVICES)
    else:
        segments, services = tuple(sorted(places)), tuple(sorted(endpoint_nics))
    services += tuple(sorted({se.endpoint for sub in places.values() for se in service_endpoints.of_subnet(sub)}
                             - set(services)))
    found = posture.findings(state, vnets, places, model)
    network = Network(cloud="azure", endpoints=(*segments, INTERNET, *services, *sorted(peers)), chains=chains,
                      sides=sides, posture=found, exposures=() if model is not None else exposures(state, layered))
    if model is None:
        return network
    return replace(network, posture=found + tuple(layer_posture(network, layered, model)))


def _add_service_endpoint_chains(chains: dict[tuple[str, str], tuple[tuple[Step, ...], ...]],
                                 places: dict[str, Json], layered: dict[str, tuple[MemberFilters, ...]]) -> None:
    """segment -> service through a subnet service endpoint: the sender's NSGs only (service_endpoints.py)."""
    for segment, subnet in places.items():
        for se in service_endpoints.of_subnet(subnet):
            chains[(segment, se.endpoint)] = chains.get((segment, se.endpoint), ()) + tuple(
                tuple(Step(f, se.peer) for f in member.nsg_egress()) for member in layered[segment])


def _places(state: AzureState, vnets: list[Json], model: Model | None) -> dict[str, Json]:
    """Segment -> its subnet."""
    found: dict[str, Json] = {}
    for vnet in vnets:
        for subnet in state.subnets(vnet):
            name = str(subnet.get("name"))
            if model is None:
                key = name if name not in found else f"{vnet.get('name')}/{name}"
                found[key] = subnet
            elif name in model.segments and "azure" in model.placement(name):
                found[name] = subnet
    return found


def _internet_member(state: AzureState, vnets: list[Json]) -> Member:
    """The internet; inside the `VirtualNetwork` tag when a user route of the VNets names public
    space (forced tunnelling to a firewall puts 0.0.0.0/0 there), so allows on that tag admit it."""
    routes = [r for vnet in vnets for subnet in state.subnets(vnet) for r in user_routes(state.table_of(subnet))]
    return Member(INTERNET_MEMBER.id, in_vnet=True, internet=True) if routes_public_space(routes) else INTERNET_MEMBER


def _members(state: AzureState, subnet: Json, segment: str, model: Model | None) -> tuple[Member, ...]:
    nics: dict[str, list[Json]] = {}
    for nic, cfg in state.nics_in(subnet):
        if not props(nic).get("privateEndpoint"):
            nics.setdefault(str(nic.get("id")), []).append(cfg)
    if nics:
        return tuple(_nic_member(nic_id, cfgs) for nic_id, cfgs in sorted(nics.items()))
    # No workload yet: stand for any NIC that will join the segment (its ASG, its range).
    asgs = frozenset(str(a.get("id", "")).lower() for a in state.asgs
                     if tags(a).get("bulkhead:segment") == segment
                     and (model is None or tags(a).get("bulkhead:model") == model.name))
    return (Member(f"azure:subnet/{subnet.get('name')}", prefixes(subnet), asgs),)


def _nic_member(nic_id: str, configs: list[Json]) -> Member:
    addresses = tuple(IPv4Network(props(c)["privateIPAddress"]) for c in configs
                      if ":" not in str(props(c).get("privateIPAddress") or ":"))  # IPv6 configurations: no endpoint
    asgs = frozenset(ref(a) for c in configs for a in props(c).get("applicationSecurityGroups") or [])
    return Member(nic_id, addresses, asgs)


def _endpoint_members(state: AzureState, vnets: list[Json]) -> dict[str, list[tuple[Member, Json]]]:
    """service:<name> -> (member, subnet) for each private endpoint NIC in the VNets."""
    in_vnets = {str(s.get("id", "")).lower(): s for v in vnets for s in state.subnets(v)}
    nic_by_id = {str(n.get("id", "")).lower(): n for n in state.nics}
    found: dict[str, list[tuple[Member, Json]]] = {}
    for pe in state.endpoints:
        p = props(pe)
        subnet = in_vnets.get(ref(p.get("subnet")))
        connections = (p.get("privateLinkServiceConnections") or []) + (p.get("manualPrivateLinkServiceConnections")
                                                                         or [])
        service = service_of_group_ids([g for c in connections for g in props(c).get("groupIds") or []])
        if subnet is None or service is None:
            continue
        pe_asgs = frozenset(ref(a) for a in p.get("applicationSecurityGroups") or [])
        for nic_ref in p.get("networkInterfaces") or []:
            nic = nic_by_id.get(ref(nic_ref))
            configs = props(nic).get("ipConfigurations") or [] if nic else []
            member = _nic_member(str(nic_ref.get("id")), configs)
            member = Member(member.id, member.addresses or prefixes(subnet), member.asgs | pe_asgs)
            found.setdefault(SERVICE_PREFIX + service, []).append((member, subnet))
    return found


def _filters(state: AzureState, subnet: Json, member: Member, universe: Universe, vnet_len: int,
             local: dict[str, tuple[Member, ...]]) -> MemberFilters:
    nic = next((n for n in state.nics if str(n.get("id")) == member.id), None)
    nic_nsg = state.nsg_of(nic) if nic else None
    subnet_nsg = state.nsg_of(subnet)
    route = route_filter(subnet, state.table_of(subnet), vnet_len, _public_ip(nic, subnet), local)
    found = MemberFilters(member, route)
    if nic_nsg is not None:
        found = replace(found, nic_nsg=str(nic_nsg.get("name")), nic_out=nsg_filter(nic_nsg, "Outbound", member,
                                                                                       universe),
                        nic_in=nsg_filter(nic_nsg, "Inbound", member, universe))
    if subnet_nsg is not None:
        found = replace(found, subnet_nsg=str(subnet_nsg.get("name")),
                        subnet_out=nsg_filter(subnet_nsg, "Outbound", member, universe),
                        subnet_in=nsg_filter(subnet_nsg, "Inbound", member, universe))
    return found


def _public_ip(nic: Json | None, subnet: Json) -> str | None:
    sid = str(subnet.get("id", "")).lower()
    for cfg in props(nic).get("ipConfigurations") or [] if nic else []:
        if ref(props(cfg).get("subnet")) == sid and ref(props(cfg).get("publicIPAddress")):
            return str(props(cfg)["publicIPAddress"]["id"])
    return None


def _service_chains(state: AzureState, sides: dict[str, tuple[Side, ...]],
                    endpoint_nics: dict[str, list[tuple[Member, Json]]],
                    universe: Universe) -> dict[tuple[str, str], tuple[tuple[Step, ...], ...]]:
    chains: dict[tuple[str, str], tuple[tuple[Step, ...], ...]] = {}
    for service, found in endpoint_nics.items():
        arrivals = [_endpoint_ingress(state, member, subnet, universe) for member, subnet in found]
        for segment, segment_sides in sides.items():
            if segment == INTERNET:
                continue
            chains[(segment, service)] = tuple(
                tuple(Step(f, service) for f in side.egress) + tuple(Step(f, segment) for f in arrival)
                for side in segment_sides for arrival in arrivals)
    return chains


def _endpoint_ingress(state: AzureState, member: Member, subnet: Json, universe: Universe) -> tuple[Filter, ...]:
    nsg = state.nsg_of(subnet)
    policies = str(props(subnet).get("privateEndpointNetworkPolicies", "Disabled")).lower()
    if nsg is None or policies not in POLICIES_ON:
        return ()  # NSGs do not apply to private endpoints in this subnet
    return (nsg_filter(nsg, "Inbound", member, universe),)

