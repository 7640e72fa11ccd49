"""The GCP address book for `observe` (pure, from the snapshot).

Segments own their subnets' ranges (primary and secondary), found by the labels bulkhead writes
into subnet descriptions (labels.py), as verify finds them. Inside the network are every
subnet range of the model's networks. Google APIs answer on the Private Google Access VIPs
for every API at once, so those addresses belong to `service:google-apis`, an alias that may
be any of the services: traffic to it is intended when the sender may use some service.
There are no interface addresses to read: VPC Flow Logs say which end reported (`reporter`).
"""

from __future__ import annotations

from infra.flows.addresses import AddressBook
from infra.model import SERVICES, Model
from infra.reach import SERVICE_PREFIX
from infra.snapshot import Snapshot
from providers.gcp.observe import labels
from providers.gcp.observe.normalize import items
from providers.gcp.services import API_VIPS

GOOGLE_APIS = SERVICE_PREFIX + "google-apis"


def flow_book(snapshot: Snapshot, model: Model) -> AddressBook:
    subnets = items(snapshot, "subnetworks-*.json")
    owners: list[tuple[str, str]] = []
    networks: set[str] = set()
    for subnet in subnets:
        found = labels.read_description(subnet.get("description"))
        segment = found.get(labels.SEGMENT_KEY)
        if found.get(labels.MODEL_KEY) == model.name and segment in model.segments:
            owners += [(r, segment) for r in _ranges(subnet)]
            networks.add(subnet.get("network", ""))
    local = [r for s in subnets if s.get("network", "") in networks for r in _ranges(s)]
    owners += [(vip.with_prefixlen, GOOGLE_APIS) for vip in API_VIPS]
    return AddressBook(owners, local, aliases={GOOGLE_APIS: frozenset(SERVICE_PREFIX + s for s in SERVICES)})


def _ranges(subnet: dict) -> list[str]:
    return [subnet["ipCidrRange"], *(r["ipCidrRange"] for r in subnet.get("secondaryIpRanges") or [])]
