"""Good snapshots to corrupt: tests/data/snapshot-baseline.yaml deployed into each mocked cloud
and read back by that cloud's collector, once per test session (per xdist worker)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

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


@functools.cache
def baseline(cloud: str) -> Baseline:
    model = load_model(MODEL_FILE).model
    with part(cloud, "mock").MockedCloud() as mocked:
        mocked.deploy(make_plan(model).cloud(cloud))
        snapshot = part(cloud, "observe").collect(mocked.source())
    return Baseline(MODEL_FILE, model, snapshot)
