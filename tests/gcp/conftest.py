"""Deploy every GCP test model once per session into a mocked GCP and read it back.

Models: examples/ai-platform.yaml, every tests/data/models/*.yaml that declares gcp, and the
AWS-only ones moved onto GCP (same CIDR, same segments), so both clouds are held to the
same set of intents. Snapshots are read back through google-cloud-compute by collect.py.
One mocked cloud holding ai-platform stays up for the tamper tests; `tamper` restores it
after each test so every test starts from the deployed state.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials

from infra.load import load_model
from infra.model import Model
from infra.plan import make_plan
from infra.snapshot import Snapshot
from providers.gcp.mock.cloud import MockedCloud
from providers.gcp.observe.collect import collect

ROOT = Path(__file__).resolve().parents[2]
MODEL_FILES = [ROOT / "examples" / "ai-platform.yaml", *sorted((ROOT / "tests" / "data" / "models").glob("*.yaml"))]


def on_gcp(model: Model) -> Model:
    """The model itself if it declares gcp; else the same intent moved from aws onto gcp."""
    if model.clouds.gcp is not None or model.clouds.aws is None:
        return model
    data = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    aws = data["clouds"]["aws"]
    data["clouds"] = {"gcp": {"region": "us-central1", "cidr": aws["cidr"], "project": f"{model.name}-project"}}
    for segment in data["segments"].values():
        if "clouds" in segment:
            segment["clouds"] = ["gcp" if c == "aws" else c for c in segment["clouds"]]
    return Model.model_validate(data)


def gcp_models() -> dict[str, Model]:
    out = {}
    for path in MODEL_FILES:
        model = on_gcp(load_model(path).model)
        if model.clouds.gcp is not None:
            out[path.stem] = model
    return out


@dataclass
class Deployed:
    model: Model
    counts: dict[str, int]
    snapshot: Snapshot
    side: dict[str, dict[str, Any]]  # what is not Compute: service accounts, DNS (from the fake's tables)

    def items(self, kind: str) -> list[dict[str, Any]]:
        """Every item of the snapshot files named `kind` (e.g. firewalls, subnetworks-*)."""
        import fnmatch

        return [i for name, doc in sorted(self.snapshot.items())
                if fnmatch.fnmatch(name.rsplit("/", 1)[-1], f"{kind}.json") for i in doc.get("items", [])]

    def accounts(self) -> dict[str, str]:
        """Segment -> service account email, from the accounts the build created (their descriptions)."""
        import json

        return {json.loads(a["description"])["bulkhead:segment"]: email
                for email, a in self.side["serviceAccounts"].items()}


def deploy(model: Model) -> Deployed:
    with MockedCloud() as cloud:
        counts = cloud.deploy(make_plan(model).cloud("gcp"))
        return Deployed(model, counts, collect(cloud.source()), copy.deepcopy(cloud.store.side))


@pytest.fixture(scope="session")
def deployed() -> dict[str, Deployed]:
    """Model stem -> what was registered and the snapshot read back from the fake Compute API."""
    return {stem: deploy(model) for stem, model in gcp_models().items()}


@dataclass
class Live:
    cloud: MockedCloud
    model: Model

    def clients(self) -> dict[str, Any]:
        """SDK clients bound to the fake, as a user with gcloud credentials would have them."""
        from google.cloud import compute_v1

        src = self.cloud.source()
        kwargs = {"credentials": AnonymousCredentials(), "transport": "rest",
                  "client_options": ClientOptions(api_endpoint=src.endpoint)}
        return {"firewalls": compute_v1.FirewallsClient(**kwargs),
                "subnetworks": compute_v1.SubnetworksClient(**kwargs),
                "project": src.project, "region": src.region}

    def snapshot(self) -> Snapshot:
        return collect(self.cloud.source())


@pytest.fixture(scope="session")
def live_cloud() -> Iterator[Live]:
    model = load_model(ROOT / "examples" / "ai-platform.yaml").model
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("gcp"))
        yield Live(cloud, model)


@pytest.fixture
def tamper(live_cloud: Live) -> Iterator[Live]:
    """The deployed ai-platform project; whatever a test changes is undone afterwards."""
    saved = copy.deepcopy(live_cloud.cloud.store.items)
    yield live_cloud
    with live_cloud.cloud.store.lock:
        live_cloud.cloud.store.items = saved
