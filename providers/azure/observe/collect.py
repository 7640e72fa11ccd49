"""Read an Azure subscription's network state through azure-mgmt-network (the only I/O).

Each list call's items are written untouched (the models' own REST JSON) as ARM list
documents, `<subscription>/<collection>.json` = `{"value": [...]}`; children that ARM lists
per parent (subnets, security and default rules, flow logs) are stored inline in their
parent, exactly as ARM's GET of the parent returns them. Read-only calls only.

The lists run at once (infra/concurrent_reads.py) on one client (azure-core clients are
safe to share between threads) with the SDK's own retry policy; then the children of every
parent, at once too. Each list still follows its `nextLink` pages in order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from infra.concurrent_reads import DEFAULT_WORKERS, read_concurrently
from infra.errors import CloudError, UsageError
from infra.registry import needs
from infra.snapshot import Snapshot

COLLECTIONS = ("virtualNetworks", "networkSecurityGroups", "applicationSecurityGroups", "networkInterfaces",
               "routeTables", "natGateways", "privateEndpoints", "publicIPAddresses", "networkWatchers")


@dataclass(frozen=True)
class AzureSource:
    """Where to read from: a subscription, a credential and (for the fake) a plain-http endpoint."""

    subscription_id: str
    credential: Any
    base_url: str | None = None  # None: the public ARM endpoint
    client_options: dict[str, Any] = field(default_factory=dict)

    def client(self) -> Any:
        """An azure-mgmt-network NetworkManagementClient."""
        kwargs = dict(self.client_options)
        if self.base_url:
            kwargs["base_url"] = self.base_url
        network = needs("azure.mgmt.network", extra="azure")
        return network.NetworkManagementClient(self.credential, self.subscription_id, **kwargs)


def live_source(subscription: str | None = None, region: str | None = None, **options: Any) -> AzureSource:
    """A real subscription through azure-identity's DefaultAzureCredential (az login, env, MSI).

    The subscription comes from `subscription` or AZURE_SUBSCRIPTION_ID. `region` is accepted
    for the generic CLI (`--region`) and ignored: Azure lists are per subscription, and the
    normalizer picks the model's VNet by its tag wherever it is.
    """
    del region
    subscription = subscription or os.environ.get("AZURE_SUBSCRIPTION_ID")
    if not subscription:
        raise UsageError("azure: set AZURE_SUBSCRIPTION_ID to the subscription to read "
                         "(`az account show --query id -o tsv`)")
    identity = needs("azure.identity", extra="azure")  # in the azure extra; `az login` gives it a session
    return AzureSource(subscription, identity.DefaultAzureCredential(), client_options=dict(options))


def collect(source: AzureSource, workers: int = DEFAULT_WORKERS) -> Snapshot:
    """Read the subscription's network state; `workers` calls run at once (1: one after the other)."""
    client = source.client()
    sub = source.subscription_id
    children: dict[str, tuple[tuple[str, Callable[[str, str], Iterable[Any]]], ...]] = {
        "networkSecurityGroups": (("securityRules", client.security_rules.list),
                                  ("defaultSecurityRules", client.default_security_rules.list)),
        "virtualNetworks": (("subnets", client.subnets.list),),
        "networkWatchers": (("flowLogs", client.flow_logs.list),)}

    def children_of(collection: Hashable, parents: Any) -> dict[Hashable, Callable[[], Any]]:
        found: dict[Hashable, Callable[[], Any]] = {}
        for i, parent in enumerate(parents):
            where = _parent(parent)
            if where is None:
                continue
            for key, operation in children.get(str(collection), ()):
                found[(collection, i, key)] = partial(_read, f"{key} of {where[1]}",
                                                      partial(_list_children, operation, *where))
        return found

    read = read_concurrently({collection: partial(_read, collection, partial(_list_all, client, collection))
                              for collection in COLLECTIONS}, workers, then=children_of)
    for key, items in read.items():
        if isinstance(key, tuple):
            collection, i, child = key
            read[collection][i]["properties"][child] = items
    return {f"{sub}/{collection}.json": {"value": read[collection]} for collection in COLLECTIONS}


def _parent(parent: Any) -> tuple[str, str] | None:
    """(resource group, name) of a parent whose children can be listed; None for a surprising
    shape (no id, name or properties object), which the snapshot check then reports."""
    if not isinstance(parent, dict) or not isinstance(parent.get("name"), str):
        return None
    parts = str(parent.get("id", "")).split("/")
    lowered = [p.lower() for p in parts]
    if "resourcegroups" not in lowered[:-1] or not isinstance(parent.setdefault("properties", {}), dict):
        return None
    return parts[lowered.index("resourcegroups") + 1], parent["name"]


def _list_all(client: Any, collection: str) -> list[dict[str, Any]]:
    operations: dict[str, Callable[[], Iterable[Any]]] = {
        "virtualNetworks": client.virtual_networks.list_all,
        "networkSecurityGroups": client.network_security_groups.list_all,
        "applicationSecurityGroups": client.application_security_groups.list_all,
        "networkInterfaces": client.network_interfaces.list_all,
        "routeTables": client.route_tables.list_all,
        "natGateways": client.nat_gateways.list_all,
        "privateEndpoints": client.private_endpoints.list_by_subscription,
        "publicIPAddresses": client.public_ip_addresses.list_all,
        "networkWatchers": client.network_watchers.list_all,
    }
    return _dump(operations[collection]())


def _list_children(operation: Callable[[str, str], Iterable[Any]], group: str, name: str) -> list[dict[str, Any]]:
    return _dump(operation(group, name))


def _dump(pages: Iterable[Any]) -> list[dict[str, Any]]:
    return [item.as_dict() for item in pages]


def _read(what: str, call: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    errors = needs("azure.core.exceptions", extra="azure")
    try:
        return call()
    except errors.AzureError as exc:
        raise CloudError("azure", "list", what, _first_line(exc)) from None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
