"""Whether the model is in the GCP snapshot at all; if not, say where was read (one line, exit 2).

GCP resources carry bulkhead's labels in the subnet description (labels.py). A subnet labelled
`bulkhead:model=<name>` means the model is deployed here, however partially (a missing
segment is then the posture finding BH-GCP-SEGMENT-NOT-FOUND). None at all means the wrong
project or region was read, or a snapshot of another network.
"""

from __future__ import annotations

import fnmatch
import re

from infra.model import Model
from infra.shapes import wrong_place
from infra.snapshot import Snapshot
from providers.gcp.observe import labels

SUBNETWORKS = "subnetworks-*.json"
PROJECT_IN_LINK = re.compile(r"/projects/([^/]+)/")


def check_placement(snapshot: Snapshot, model: Model) -> None:
    files = [name for name in sorted(snapshot) if fnmatch.fnmatchcase(name.rsplit("/", 1)[-1], SUBNETWORKS)]
    subnets = [s for name in files for s in snapshot[name].get("items", [])]
    if any(labels.read_description(s.get("description")).get(labels.MODEL_KEY) == model.name for s in subnets):
        return
    regions = sorted({name.rsplit("/", 1)[-1][len("subnetworks-"):-len(".json")] for name in files})
    projects = sorted({name.split("/", 1)[0] for name in snapshot if "/" in name}) or sorted(
        {m.group(1) for s in subnets if (m := PROJECT_IN_LINK.search(str(s.get("selfLink", ""))))})
    gcp = model.clouds.gcp
    declared = [f"{what} {value}" for what, value, read in
                (("project", gcp.project if gcp else None, projects), ("region", gcp.region if gcp else None, regions))
                if value and value not in read]
    networks = {s.get("network") for s in subnets}
    raise wrong_place(
        model.name, "gcp", f"project {', '.join(projects) or 'unknown'}, region {', '.join(regions) or 'unknown'}",
        f"{len(subnets)} subnet(s) in {len(networks)} network(s) read, none labelled {labels.MODEL_KEY}={model.name}",
        f"subnets whose description holds {labels.MODEL_KEY}={model.name} and {labels.SEGMENT_KEY}=<segment>",
        " and ".join(declared) or None)
