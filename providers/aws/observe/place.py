"""Whether the model is in the AWS snapshot at all; if not, say where was read (one line, exit 2).

A VPC or subnet tagged `bulkhead:model=<name>` means the model is deployed here, however
partially: what is missing is then a finding of the verifier. None at all means the command
looked in the wrong account or region (or at a snapshot of another network), and dozens of
"missing path" findings would only hide that.
"""

from __future__ import annotations

from infra.model import Model
from infra.shapes import wrong_place
from infra.snapshot import Snapshot
from providers.aws.observe.resources import FILES, read_resources, tags
from providers.aws.observe.topology import MODEL_TAG, SEGMENT_TAG


def check_placement(snapshot: Snapshot, model: Model) -> None:
    resources = read_resources(snapshot)
    mine = [r for key in ("Vpcs", "Subnets") for r in resources[key] if tags(r).get(MODEL_TAG) == model.name]
    if mine:
        return
    accounts = sorted({str(r["OwnerId"]) for key in ("Vpcs", "Subnets") for r in resources[key] if r.get("OwnerId")})
    regions = _regions(snapshot) or sorted({str(s["AvailabilityZone"])[:-1] for s in resources["Subnets"]
                                           if s.get("AvailabilityZone")})
    declared = model.clouds.aws.region if model.clouds.aws is not None else None
    raise wrong_place(
        model.name, "aws",
        f"account {', '.join(accounts) or 'unknown (no VPC read)'}, region {', '.join(regions) or 'unknown'}",
        f"{len(resources['Vpcs'])} VPC(s) and {len(resources['Subnets'])} subnet(s) read, none tagged "
        f"{MODEL_TAG}={model.name}",
        f"a VPC and subnets tagged {MODEL_TAG}={model.name} and {SEGMENT_TAG}=<segment>",
        f"region {declared}" if declared and declared not in regions else None)


def _regions(snapshot: Snapshot) -> list[str]:
    """The region folders of the describe files (collect writes `<region>/<File>.json`)."""
    return sorted({name.rsplit("/", 2)[-2] for name in snapshot
                   if name.count("/") >= 1 and name.rsplit("/", 1)[-1] in FILES})
