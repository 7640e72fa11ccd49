"""Neutral service names -> Azure Private Link targets (pure; used by build and by normalize).

Every neutral service is reached through a private endpoint whose `groupIds` names the
sub-resource of the target account (Azure's "target sub-resource"); the private DNS zones
make the account's public name resolve to the endpoint's private address inside the VNet.

`logging` maps to an Azure Monitor Private Link Scope (AMPLS, group `azuremonitor`): it is
the one private endpoint that carries Log Analytics ingestion and queries and Application
Insights. Its zones include the blob zone, which is shared with `object-storage` (one zone
per VNet; both endpoints register their records in it).
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.model import SERVICES, ServiceName


@dataclass(frozen=True)
class AzureService:
    service: ServiceName
    group_id: str  # the private endpoint's target sub-resource
    target_kind: str  # the ARM resource type of the target account
    zones: tuple[str, ...]  # private DNS zones linked to the VNet


AZURE_SERVICES: dict[ServiceName, AzureService] = {
    s.service: s for s in (
        AzureService("object-storage", "blob", "Microsoft.Storage/storageAccounts",
                     ("privatelink.blob.core.windows.net",)),
        AzureService("container-registry", "registry", "Microsoft.ContainerRegistry/registries",
                     ("privatelink.azurecr.io",)),
        AzureService("key-management", "vault", "Microsoft.KeyVault/vaults",
                     ("privatelink.vaultcore.azure.net",)),
        AzureService("logging", "azuremonitor", "Microsoft.Insights/privateLinkScopes",
                     ("privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com",
                      "privatelink.ods.opinsights.azure.com", "privatelink.agentsvc.azure-automation.net",
                      "privatelink.blob.core.windows.net")),
        AzureService("ml-api", "amlworkspace", "Microsoft.MachineLearningServices/workspaces",
                     ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net")),
    )
}
assert set(AZURE_SERVICES) == set(SERVICES), "every neutral service needs an Azure mapping"

BY_GROUP_ID: dict[str, ServiceName] = {s.group_id.lower(): s.service for s in AZURE_SERVICES.values()}

# Subnet and NSG names of the shared endpoint subnets contain "_", which a segment name
# (a DNS label) never does, so they cannot collide with a segment's subnet.
ENDPOINTS_PREFIX = "endpoints_"


def endpoint_subnet_name(service: str) -> str:
    return ENDPOINTS_PREFIX + service


def service_of_subnet(name: str) -> str | None:
    """The neutral service whose endpoints live in the subnet `name`, if it is one of bulkhead's."""
    if name.startswith(ENDPOINTS_PREFIX) and name[len(ENDPOINTS_PREFIX):] in AZURE_SERVICES:
        return name[len(ENDPOINTS_PREFIX):]
    return None


def service_of_group_ids(group_ids: list[str] | None) -> ServiceName | None:
    for group in group_ids or ():
        if group.lower() in BY_GROUP_ID:
            return BY_GROUP_ID[group.lower()]
    return None
