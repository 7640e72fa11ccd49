"""Azure flow logs for `bulkhead observe`: blobs read through azure-storage-blob, read from files,
or saved.

Where the blobs are comes from the snapshot: the Network Watcher flow logs (collect.py stores
them under their watcher) whose target is one of the model's VNets (VNet flow logs, container
`insights-logs-flowlogflowevent`, blobs under `flowLogResourceID=<the flow log's id>/`) or an
NSG of them (NSG flow logs, `insights-logs-networksecuritygroupflowevent`, under
`resourceId=<the NSG's id>/`), in the storage account the flow log names. Blobs are per hour
(`y=/m=/d=/h=` in the name): hours outside the window are not downloaded. One blob at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.errors import CloudError, UsageError
from infra.flows.addresses import AddressBook
from infra.flows.files import expand, read_bytes, save
from infra.flows.records import FlowRecord, Tally, Window
from infra.model import Model
from infra.registry import needs
from infra.snapshot import Snapshot
from providers.azure.observe.flowbook import flow_book, model_vnets
from providers.azure.observe.flowlog_blobs import parse_blob
from providers.azure.observe.state import AzureState, props, ref

VNET_CONTAINER = "insights-logs-flowlogflowevent"
NSG_CONTAINER = "insights-logs-networksecuritygroupflowevent"
HOUR = re.compile(r"y=(\d{4})/m=(\d{2})/d=(\d{2})/h=(\d{2})")

__all__ = ["download_flow_logs", "flow_book", "flow_file_records", "flow_records", "flow_source"]


@dataclass(frozen=True, order=True)
class Destination:
    flow_log: str
    account: str
    container: str
    prefix: str


@dataclass(frozen=True)
class BlobSource:
    """How to reach a storage account: a credential (None: anonymous) and the account URL's form."""

    credential: Any = None
    endpoint: str = "https://{account}.blob.core.windows.net"

    def url(self, account: str) -> str:
        return self.endpoint.format(account=account)


def flow_source(**_: object) -> BlobSource:
    """The live storage accounts, read with DefaultAzureCredential (az login, environment, managed identity)."""
    identity = needs("azure.identity", extra="azure")
    return BlobSource(identity.DefaultAzureCredential())


def destinations(snapshot: Snapshot, model: Model) -> list[Destination]:
    state = AzureState.load(snapshot)
    vnets = model_vnets(state, model)
    targets = {ref(v) for v in vnets} | {ref(props(s).get("networkSecurityGroup")) for v in vnets
                                         for s in state.subnets(v) if props(s).get("networkSecurityGroup")}
    found = []
    for log in state.flow_logs():
        p = props(log)
        target = str(p.get("targetResourceId", ""))
        if target.lower() not in targets or p.get("enabled") is False or not p.get("storageId"):
            continue
        account = str(p["storageId"]).rstrip("/").rsplit("/", 1)[-1]
        if "/virtualnetworks/" in target.lower():
            found.append(Destination(str(log.get("id")), account, VNET_CONTAINER,
                                     f"flowLogResourceID={str(log.get('id')).upper()}/"))
        else:
            found.append(Destination(str(log.get("id")), account, NSG_CONTAINER, f"resourceId={target.upper()}/"))
    return sorted(found)


def flow_records(snapshot: Snapshot, model: Model, book: AddressBook, source: BlobSource, window: Window,
                 tally: Tally) -> Iterator[FlowRecord]:
    for name, data in fetch(snapshot, model, source, window):
        yield from parse_blob(data, name, tally)


def flow_file_records(paths: Iterable[str | Path], snapshot: Snapshot, model: Model, book: AddressBook,
                      tally: Tally) -> Iterator[FlowRecord]:
    for path in expand(paths):
        data = read_bytes(path, tally)
        if data is not None:
            yield from parse_blob(data, str(path), tally)


def download_flow_logs(snapshot: Snapshot, model: Model, source: BlobSource, window: Window, out: Path) -> list[Path]:
    written = []
    for name, data in fetch(snapshot, model, source, window):
        target = out / name
        save(target, data, out)
        written.append(target)
    return written


def fetch(snapshot: Snapshot, model: Model, source: BlobSource, window: Window) -> Iterator[tuple[str, bytes]]:
    found = destinations(snapshot, model)
    if not found:
        raise UsageError(f"the snapshot has no enabled flow log on the VNets of '{model.name}' or their NSGs; "
                         "deploy the stack (it turns VNet flow logs on) or re-collect the snapshot")
    blob = needs("azure.storage.blob", extra="azure")
    errors = needs("azure.core.exceptions", extra="azure")
    for destination in found:
        where = f"{destination.account}/{destination.container}"
        try:
            service = blob.BlobServiceClient(account_url=source.url(destination.account), credential=source.credential)
            container = service.get_container_client(destination.container)
            for item in container.list_blobs(name_starts_with=destination.prefix):
                if _hour_overlaps(item.name, window):
                    yield f"{where}/{item.name}", container.download_blob(item.name).readall()
        except errors.AzureError as exc:
            message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CloudError("azure", "read flow-log blobs", where, message) from None


def _hour_overlaps(name: str, window: Window) -> bool:
    match = HOUR.search(name)
    if not match:
        return True
    year, month, day, hour = map(int, match.groups())
    start = int(datetime(year, month, day, hour, tzinfo=UTC).timestamp())
    return window.holds(start, start + 3599)
