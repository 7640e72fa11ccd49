"""Read an AWS snapshot (the describe-* dump layout, docs/snapshot-formats.md) into lists.

Snapshots written by other tools load as they are: any region folder (or none), any subset
of the files, `SecurityGroups.json` with or without `SecurityGroupRules.json`. Several
region folders are merged (resource ids are unique across regions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.errors import UsageError
from infra.snapshot import Snapshot

Json = dict[str, Any]

# file name -> the response key holding the list
FILES: dict[str, str] = {
    "Vpcs.json": "Vpcs", "Subnets.json": "Subnets", "SecurityGroups.json": "SecurityGroups",
    "SecurityGroupRules.json": "SecurityGroupRules", "NetworkAcls.json": "NetworkAcls",
    "RouteTables.json": "RouteTables", "VpcEndpoints.json": "VpcEndpoints",
    "NetworkInterfaces.json": "NetworkInterfaces", "Reservations.json": "Reservations",
    "InternetGateways.json": "InternetGateways", "NatGateways.json": "NatGateways",
    "PrefixLists.json": "PrefixLists", "ManagedPrefixListEntries.json": "ManagedPrefixListEntries",
    "FlowLogs.json": "FlowLogs",
}


@dataclass
class Resources:
    """Every describe list of the snapshot, merged over regions; `has` lists the files seen."""

    lists: dict[str, list[Json]] = field(default_factory=dict)
    has: set[str] = field(default_factory=set)

    def __getitem__(self, key: str) -> list[Json]:
        return self.lists.get(key, [])

    def instances(self) -> list[Json]:
        return [i for r in self["Reservations"] for i in r.get("Instances", [])]

    def prefix_list_cidrs(self) -> dict[str, tuple[str, ...]]:
        """Prefix list id -> its CIDRs (ManagedPrefixListEntries.json: [{PrefixListId, Entries}])."""
        out: dict[str, tuple[str, ...]] = {}
        for item in self["ManagedPrefixListEntries"]:
            out[item.get("PrefixListId", "")] = tuple(e["Cidr"] for e in item.get("Entries", []) if "Cidr" in e)
        for pl in self["PrefixLists"]:  # describe_prefix_lists (AWS-managed) carries Cidrs inline
            if pl.get("Cidrs") and pl.get("PrefixListId") not in out:
                out[pl["PrefixListId"]] = tuple(pl["Cidrs"])
        return out


def read_resources(snapshot: Snapshot) -> Resources:
    found = Resources()
    for name, document in sorted(snapshot.items()):
        base = name.rsplit("/", 1)[-1]
        key = FILES.get(base)
        if key is None:
            continue
        if not isinstance(document, dict) or not isinstance(document.get(key, []), list):
            raise UsageError(f"{name}: expected the describe response {{\"{key}\": [...]}}; re-collect the snapshot")
        found.lists.setdefault(key, []).extend(document.get(key, []))
        found.has.add(key)
    if "Subnets" not in found.has:
        raise UsageError("snapshot has no Subnets.json; it is not an AWS describe-* dump "
                         "(write one with `bulkhead collect --cloud aws`)")
    return found


def tags(resource: Json) -> dict[str, str]:
    """Tags as a dict (`Tags` on most resources, `TagSet` on network interfaces)."""
    return {t["Key"]: t.get("Value", "") for t in resource.get("Tags", resource.get("TagSet", [])) or []}
