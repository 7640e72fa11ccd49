"""Good snapshots to corrupt: tests/data/snapshot-baseline.yaml deployed into each mocked cloud
and read back by that cloud's collector, once per test session (per xdist worker).

`running(cloud)` serves the same deployment again for live reads: GCP, Azure and Kubernetes from
the fake's saved state (no second deploy), AWS (moto keeps no state outside its mock) deployed anew.
The cluster also runs a Deployment of its own (with a named container port), so that its
snapshot holds a workload controller for the corrupted-snapshot cases to change.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.load import load_model
from infra.model import Model
from infra.plan import make_plan
from infra.registry import part
from infra.snapshot import Snapshot

MODEL_FILE = Path(__file__).parent / "data" / "snapshot-baseline.yaml"


@dataclass(frozen=True)
class Baseline:
    model_file: Path
    model: Model
    snapshot: Snapshot
    state: Any  # the fake's state after the deploy (GCP, Azure); None for AWS


WEB_DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "frontend", "namespace": "web"},
    "spec": {"selector": {"matchLabels": {"app": "frontend"}}, "template": {
        "metadata": {"labels": {"app": "frontend"}},
        "spec": {"containers": [{"name": "main", "image": "registry.invalid/frontend:1",
                                 "ports": [{"name": "https", "containerPort": 443}]}]}}}}


@functools.cache
def baseline(cloud: str) -> Baseline:
    model = load_model(MODEL_FILE).model
    with part(cloud, "mock").MockedCloud() as mocked:
        mocked.deploy(make_plan(model).cloud(cloud))
        if cloud == "kubernetes":
            mocked.cluster.put(WEB_DEPLOYMENT)
        snapshot = part(cloud, "observe").collect(mocked.source())
        return Baseline(MODEL_FILE, model, snapshot, _saved(cloud, mocked))


def _saved(cloud: str, mocked: Any) -> Any:
    if cloud == "gcp":
        store = mocked.store
        return copy.deepcopy((store.project, store.region, store.items, store.side, store.iam))
    if cloud == "azure":
        return copy.deepcopy(mocked.arm.store)
    if cloud == "kubernetes":
        return mocked.cluster.state()
    return None


@contextmanager
def running(cloud: str) -> Iterator[Any]:
    """A mocked cloud holding the baseline deployment, for as long as the `with` lasts."""
    done = baseline(cloud)
    mock = part(cloud, "mock")
    if cloud == "azure":
        mocked = mock.MockedCloud(state=done.state)
    elif cloud == "gcp":
        project, region, items, side, iam = copy.deepcopy(done.state)
        mocked = mock.MockedCloud(project=project, region=region)
        mocked.store.items, mocked.store.side, mocked.store.iam = items, side, iam
    elif cloud == "kubernetes":
        mocked = mock.MockedCloud()
        mocked.cluster.restore(copy.deepcopy(done.state))
    else:
        mocked = mock.MockedCloud()
    with mocked:
        if cloud == "aws":
            mocked.deploy(make_plan(done.model).cloud(cloud))
        yield mocked
