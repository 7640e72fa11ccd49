"""The Azure snapshot read into lookups (pure): collections by id, subnets with their VNet.

Snapshot files are `<subscription>/<collection>.json` = `{"value": [...]}` (ARM list shape);
every subscription folder is merged. Ids are compared lower-cased, as ARM does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any

from infra.snapshot import Snapshot

Json = dict[str, Any]


def items(snapshot: Snapshot, collection: str) -> list[Json]:
    found: list[Json] = []
    for name in sorted(snapshot):
        if name.rsplit("/", 1)[-1] == f"{collection}.json" and isinstance(snapshot[name], dict):
            found.extend(snapshot[name].get("value") or [])
    return found


def props(resource: Json | None) -> Json:
    return (resource or {}).get("properties") or {}


def ref(value: Json | None) -> str:
    return str((value or {}).get("id") or "").lower()


def tags(resource: Json) -> dict[str, str]:
    return resource.get("tags") or {}


def prefixes(subnet: Json) -> tuple[IPv4Network, ...]:
    p = props(subnet)
    raw = ([p["addressPrefix"]] if p.get("addressPrefix") else []) + list(p.get("addressPrefixes") or [])
    out = []
    for value in raw:
        try:
            out.append(IPv4Network(value, strict=False))
        except ValueError:
            continue  # IPv6 subnets carry no bulkhead endpoint
    return tuple(out)


@dataclass
class AzureState:
    vnets: list[Json]
    nsgs: dict[str, Json]
    asgs: list[Json]
    nics: list[Json]
    tables: dict[str, Json]
    endpoints: list[Json]
    public_ips: dict[str, Json]
    watchers: list[Json]
    subnet_vnet: dict[str, Json] = field(default_factory=dict)  # subnet id -> its VNet

    @classmethod
    def load(cls, snapshot: Snapshot) -> AzureState:
        def by_id(collection: str) -> dict[str, Json]:
            return {str(r.get("id", "")).lower(): r for r in items(snapshot, collection)}

        state = cls(
            vnets=items(snapshot, "virtualNetworks"), nsgs=by_id("networkSecurityGroups"),
            asgs=items(snapshot, "applicationSecurityGroups"), nics=items(snapshot, "networkInterfaces"),
            tables=by_id("routeTables"), endpoints=items(snapshot, "privateEndpoints"),
            public_ips=by_id("publicIPAddresses"), watchers=items(snapshot, "networkWatchers"))
        for vnet in state.vnets:
            for subnet in props(vnet).get("subnets") or []:
                state.subnet_vnet[str(subnet.get("id", "")).lower()] = vnet
        return state

    def subnets(self, vnet: Json) -> list[Json]:
        return list(props(vnet).get("subnets") or [])

    def nsg_of(self, resource: Json) -> Json | None:
        return self.nsgs.get(ref(props(resource).get("networkSecurityGroup")))

    def table_of(self, subnet: Json) -> Json | None:
        return self.tables.get(ref(props(subnet).get("routeTable")))

    def nics_in(self, subnet: Json) -> list[tuple[Json, Json]]:
        """(NIC, ip configuration) pairs whose configuration sits in the subnet."""
        sid = str(subnet.get("id", "")).lower()
        return [(nic, cfg) for nic in self.nics for cfg in props(nic).get("ipConfigurations") or []
                if ref(props(cfg).get("subnet")) == sid]

    def flow_logs(self) -> list[Json]:
        return [log for watcher in self.watchers for log in props(watcher).get("flowLogs") or []]
