"""A live read whose responses have a surprising shape does not crash the collector: what the API
returned is kept as returned and the snapshot check reports it (exit 2), as for a saved snapshot."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from infra.errors import SnapshotError
from infra.shapes import check_snapshot


class Answers:
    """An SDK stand-in: every call returns the canned answer for its operation, else `empty`."""

    def __init__(self, answers: dict[str, Any], empty: Any):
        self.answers, self.empty = answers, empty

    def call(self, operation: str) -> Any:
        return lambda *args, **kwargs: self.answers.get(operation, self.empty)


class Ec2(Answers):
    meta = SimpleNamespace(region_name="r1")

    def can_paginate(self, operation: str) -> bool:
        return False

    def __getattr__(self, operation: str) -> Any:
        if not operation.startswith(("describe_", "get_")):
            raise AttributeError(operation)
        return self.call(operation)


def problems(cloud: str, snapshot: dict[str, Any]) -> list[str]:
    with pytest.raises(SnapshotError) as caught:
        check_snapshot(cloud, snapshot)
    return [str(p) for p in caught.value.problems]


def test_aws_collect_keeps_a_non_list_page_and_skips_prefix_lists_without_ids():
    from providers.aws.observe.collect import collect

    lists = [{"PrefixListName": "x"}, "pl-2", {"PrefixListId": "pl-1"}]
    ec2 = Ec2({"describe_subnets": {"Subnets": "oops"}, "describe_managed_prefix_lists": {"PrefixLists": lists},
               "get_managed_prefix_list_entries": {"Entries": None}}, {})
    snapshot = collect(ec2)
    assert snapshot["r1/Subnets.json"] == {"Subnets": "oops"}
    assert snapshot["r1/ManagedPrefixListEntries.json"] == {"ManagedPrefixListEntries": [
        {"PrefixListId": "pl-1", "Entries": None}]}
    found = problems("aws", snapshot)
    assert any(p.startswith("r1/Subnets.json: Subnets: expected a list, found 'oops'") for p in found)
    assert any(p.startswith("r1/PrefixLists.json: PrefixLists[0].PrefixListId: missing") for p in found)
    assert any(p.startswith("r1/PrefixLists.json: PrefixLists[1]: expected an object, found 'pl-2'") for p in found)
    assert any(p.startswith("r1/ManagedPrefixListEntries.json: ManagedPrefixListEntries[0].Entries: expected a list")
               for p in found)


class Item(dict):
    def as_dict(self) -> dict[str, Any]:
        return dict(self)


class Operations:
    def __init__(self, items: list[Item]):
        self.items = items

    def __getattr__(self, name: str) -> Any:
        return lambda *args: list(self.items)


def test_azure_collect_skips_children_of_parents_it_cannot_name_and_the_check_reports_them():
    from providers.azure.observe.collect import collect

    group = "/subscriptions/s1/resourceGroups/g/providers/Microsoft.Network"
    vnets = [Item(name="no-id", properties={}), Item(id=f"{group}/virtualNetworks/v", name="v", properties="text"),
             Item(id="/elsewhere/v2", name="v2", properties={})]
    client = SimpleNamespace(
        virtual_networks=Operations(vnets), network_security_groups=Operations([]),
        application_security_groups=Operations([]), network_interfaces=Operations([]), route_tables=Operations([]),
        nat_gateways=Operations([]), private_endpoints=Operations([]), public_ip_addresses=Operations([]),
        network_watchers=Operations([]), security_rules=Operations([]), default_security_rules=Operations([]),
        subnets=Operations([Item(id=f"{group}/virtualNetworks/v/subnets/a", name="a", properties={})]),
        flow_logs=Operations([]))
    snapshot = collect(SimpleNamespace(client=lambda: client, subscription_id="s1"))
    listed = snapshot["s1/virtualNetworks.json"]["value"]
    assert [v.get("properties") for v in listed] == [{}, "text", {}]  # nothing listed under the unnamed ones
    found = problems("azure", snapshot)
    assert any(p.startswith("s1/virtualNetworks.json: value[0].id: missing") for p in found)
    assert any(p.startswith("s1/virtualNetworks.json: value[1].properties: expected an object, found 'text'")
               for p in found)
