"""The Azure stack's settings and its checks of the stack's provider configuration (pure).

The program deploys through the stack's default azure-native provider (subscription, tenant,
credentials as configured) and names the model's region on every resource. An
`azure-native:location` that says otherwise is refused rather than silently overruled.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.stack_template import StackSetting

STACK_SETTINGS: tuple[StackSetting, ...] = (
    StackSetting("flowLogs", "boolean", "create the VNet flow log", True),
    StackSetting("flowLogStorageId", "string", "an existing storage account (resource id) for the flow logs; "
                 "empty: the stack creates one", ""),
    StackSetting("flowLogRetentionDays", "integer", "days the flow logs are kept", 90),
    StackSetting("networkWatcherGroup", "string", "the resource group of the region's Network Watcher",
                 "NetworkWatcherRG"),
    StackSetting("networkWatcherName", "string", "the region's Network Watcher; empty: the one Azure names "
                 "after the region (NetworkWatcher_eastus)", ""),
)


def provider_values(cloud_settings: Mapping[str, object]) -> dict[str, str]:
    """Nothing: every resource names the model's region itself."""
    return {}


def location_problems(region: str, configured: str | None) -> list[str]:
    """`configured`: the stack's azure-native:location (None when unset). 'East US' means eastus."""
    if configured and configured.replace(" ", "").lower() != region.replace(" ", "").lower():
        return [f"azure: azure-native:location is {configured} but the model deploys to {region} "
                f"(clouds.azure.region); set `pulumi config set azure-native:location {region}` or remove it"]
    return []
