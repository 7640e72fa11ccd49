"""Subnet service endpoints: a private path to EVERY account of a service, through the NSGs only.

A subnet with a service endpoint (`Microsoft.Storage`, ...) sends that service's traffic over
the Azure backbone by a system route of its own, with no NAT, public IP or default outbound
access needed (docs/cloud-semantics.md section 6: "subnet service endpoints plus an allow to
the service tag reach every account of that service"). So the segment reaches the service
wherever its NSGs allow the service's tag (`Storage`, regional `Storage.EastUS`), `Internet`
(Azure's public space includes the service) or everything. The path is to `service:<name>`,
the same endpoint a private endpoint serves, because the model speaks of the service; but it
reaches every account, so the subnet is also a posture finding unless a service endpoint
policy narrows the accounts.

A service bulkhead has no neutral name for keeps its own (`service:sql`), so reaching it is
reported, not ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.reach import SERVICE_PREFIX, Posture
from providers.azure.observe import checks
from providers.azure.observe.selectors import Member
from providers.azure.observe.state import Json, props

# service endpoint name (lower case) -> (neutral service, its NSG service tags, lower case)
KNOWN: dict[str, tuple[str, tuple[str, ...]]] = {
    "microsoft.storage": ("object-storage", ("storage",)),
    "microsoft.storage.global": ("object-storage", ("storage",)),
    "microsoft.containerregistry": ("container-registry", ("azurecontainerregistry",)),
    "microsoft.keyvault": ("key-management", ("azurekeyvault",)),
}


@dataclass(frozen=True)
class ServiceEndpoint:
    name: str  # as the subnet lists it, e.g. Microsoft.Storage
    endpoint: str  # service:<neutral name>
    peer: str  # what the NSG rules toward it name (a Step's peer, not an endpoint)
    member: Member


def of_subnet(subnet: Json) -> list[ServiceEndpoint]:
    found = []
    for entry in props(subnet).get("serviceEndpoints") or []:
        name = str((entry or {}).get("service") or "")
        if not name:
            continue
        key = name.lower()
        neutral, tags = KNOWN.get(key, (key.removeprefix("microsoft."), (key.removeprefix("microsoft."),)))
        peer = f"azure:service-endpoint/{key}"
        found.append(ServiceEndpoint(name, SERVICE_PREFIX + neutral, peer, Member(peer, (), frozenset(), False,
                                                                                   False, frozenset(tags))))
    return found


def members(subnets: list[Json]) -> dict[str, tuple[Member, ...]]:
    """Pseudo-endpoints for the universe, so NSG rules toward a service's tag name them."""
    return {se.peer: (se.member,) for subnet in subnets for se in of_subnet(subnet)}


def open_posture(subnet: Json, segment: str | None) -> list[Posture]:
    if props(subnet).get("serviceEndpointPolicies"):
        return []
    return [checks.SERVICE_ENDPOINT_OPEN.posture(
        str(subnet.get("id")), f"subnet {subnet.get('name')} has the service endpoint {se.name} without a "
        f"service endpoint policy: wherever its NSGs allow the service's tag, it reaches every account of "
        f"{se.endpoint.removeprefix(SERVICE_PREFIX)}, in any tenant", (), segment)
        for se in of_subnet(subnet)]
