"""Whether the model is in the Azure snapshot at all; if not, say where was read (one line, exit 2).

The model's virtual network carries the tag `bulkhead:model=<name>`. A tagged VNet means the
model is deployed here, however partially (missing segment subnets are then findings). None
means the wrong subscription was read, or a snapshot of another network. Azure lists are per
subscription and span every region, so the regions named are those of the VNets read.
"""

from __future__ import annotations

import re

from infra.model import Model
from infra.shapes import wrong_place
from infra.snapshot import Snapshot
from providers.azure.observe.state import items, tags

MODEL_TAG = "bulkhead:model"
SUBSCRIPTION_IN_ID = re.compile(r"^/subscriptions/([^/]+)/", re.IGNORECASE)


def check_placement(snapshot: Snapshot, model: Model) -> None:
    vnets = items(snapshot, "virtualNetworks")
    if any(tags(v).get(MODEL_TAG) == model.name for v in vnets):
        return
    subscriptions = sorted({name.split("/", 1)[0] for name in snapshot if "/" in name}) or sorted(
        {m.group(1) for v in vnets if (m := SUBSCRIPTION_IN_ID.match(str(v.get("id", ""))))})
    regions = sorted({str(v["location"]) for v in vnets if v.get("location")})
    declared = model.clouds.azure.region if model.clouds.azure is not None else None
    raise wrong_place(
        model.name, "azure",
        f"subscription {', '.join(subscriptions) or 'unknown'} (every region read"
        f"{'; virtual networks in ' + ', '.join(regions) if regions else ''})",
        f"{len(vnets)} virtual network(s) read, none tagged {MODEL_TAG}={model.name}",
        f"a virtual network tagged {MODEL_TAG}={model.name} with subnets named after the segments",
        f"region {declared}" if declared and declared not in regions else None)
