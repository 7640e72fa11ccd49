"""Read-only boto3 calls -> the raw AWS snapshot (the describe-* dump layout).

One file per call, `<region>/<Name>.json`, holding the call's response as AWS returns it
(pages merged into one response object, `NextToken` and `ResponseMetadata` dropped), so
snapshots kept for other network analysers load as they are. Prefix list entries have no
describe call: `ManagedPrefixListEntries.json` holds `{"ManagedPrefixListEntries":
[{"PrefixListId": ..., "Entries": [...]}]}` (docs/snapshot-formats.md).

Only `describe_*` / `get_*` calls are made. Every botocore failure becomes a CloudError that
names the cloud, the operation and the region (exit 3). The calls are independent, so they
run at once (infra/concurrent_reads.py); each one still pages through its results in order,
and botocore's adaptive retry mode slows the client down when EC2 throttles it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from typing import Any

from infra.concurrent_reads import DEFAULT_WORKERS, read_concurrently
from infra.errors import CloudError
from infra.registry import needs
from infra.snapshot import Snapshot

# file name -> (operation, the response key holding the list)
CALLS: dict[str, tuple[str, str]] = {
    "Vpcs.json": ("describe_vpcs", "Vpcs"),
    "Subnets.json": ("describe_subnets", "Subnets"),
    "SecurityGroups.json": ("describe_security_groups", "SecurityGroups"),
    "SecurityGroupRules.json": ("describe_security_group_rules", "SecurityGroupRules"),
    "NetworkAcls.json": ("describe_network_acls", "NetworkAcls"),
    "RouteTables.json": ("describe_route_tables", "RouteTables"),
    "VpcEndpoints.json": ("describe_vpc_endpoints", "VpcEndpoints"),
    "NetworkInterfaces.json": ("describe_network_interfaces", "NetworkInterfaces"),
    "Reservations.json": ("describe_instances", "Reservations"),
    "InternetGateways.json": ("describe_internet_gateways", "InternetGateways"),
    "NatGateways.json": ("describe_nat_gateways", "NatGateways"),
    "PrefixLists.json": ("describe_managed_prefix_lists", "PrefixLists"),
    "FlowLogs.json": ("describe_flow_logs", "FlowLogs"),
}
ENTRIES_FILE = "ManagedPrefixListEntries.json"


def live_source(region: str | None = None, **_: object) -> Any:
    """A boto3 session for a real account, from the usual credential chain (env, profile, role)."""
    boto3 = needs("boto3", extra="aws")
    return boto3.Session(region_name=region) if region else boto3.Session()


def collect(source: Any, workers: int = DEFAULT_WORKERS) -> Snapshot:
    """Read the region of `source` (a boto3 Session, or an EC2 client) into a snapshot.

    `workers` calls run at once (1: one after the other; the snapshot is the same).
    """
    ec2 = _client(source, workers) if hasattr(source, "client") else source
    region = ec2.meta.region_name or "us-east-1"

    def entries(name: Hashable, response: Any) -> dict[Hashable, Callable[[], Any]]:
        if name != "PrefixLists.json":
            return {}
        return {("entries", pl): partial(read_all, ec2, "get_managed_prefix_list_entries", "Entries", region,
                                         PrefixListId=pl) for pl in _ids(response)}

    responses = read_concurrently(
        {name: partial(read_all, ec2, operation, key, region) for name, (operation, key) in CALLS.items()},
        workers, then=entries)
    snapshot: Snapshot = {f"{region}/{name}": responses[name] for name in CALLS}
    snapshot[f"{region}/{ENTRIES_FILE}"] = {"ManagedPrefixListEntries": [
        {"PrefixListId": pl, "Entries": responses[("entries", pl)]["Entries"]}
        for pl in _ids(responses["PrefixLists.json"])]}
    return snapshot


def _ids(response: dict[str, Any]) -> list[str]:
    """The prefix list ids of a response; an item of a surprising shape is left to the snapshot
    check (infra/shapes.py), which reports it, instead of crashing the read here."""
    lists = response.get("PrefixLists")
    return [pl["PrefixListId"] for pl in lists if isinstance(pl, dict) and isinstance(pl.get("PrefixListId"), str)] \
        if isinstance(lists, list) else []


def _client(session: Any, workers: int) -> Any:
    """An EC2 client that shares its connections among `workers` threads and backs off when throttled."""
    config = needs("botocore.config", extra="aws").Config(
        retries={"mode": "adaptive", "max_attempts": 10}, max_pool_connections=max(workers, 10))
    return session.client("ec2", config=config)


def read_all(client: Any, operation: str, key: str, region: str, **params: Any) -> dict[str, Any]:
    """Every page of one read call merged into one response object."""
    errors = needs("botocore.exceptions", extra="aws")
    merged: dict[str, Any] = {key: []}
    try:
        if client.can_paginate(operation):
            pages = client.get_paginator(operation).paginate(**params)
        else:
            pages = [getattr(client, operation)(**params)]
        for page in pages:
            for field, value in page.items():
                if field == key:  # a page that is not a list is kept as returned, for the snapshot check
                    merged[key] = merged[key] + value if isinstance(value, list) and isinstance(
                        merged[key], list) else value
                elif field not in ("NextToken", "ResponseMetadata"):
                    merged[field] = value
    except errors.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        message = exc.response.get("Error", {}).get("Message", str(exc))
        raise CloudError("aws", operation, f"region {region}", f"{code}: {message}") from None
    except errors.BotoCoreError as exc:  # no credentials, no endpoint, throttled past retries, ...
        raise CloudError("aws", operation, f"region {region}", f"{exc.__class__.__name__}: {exc}") from None
    return merged
