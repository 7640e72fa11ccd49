"""One mocked cluster holding examples/ai-platform-kubernetes.yaml for the whole session.

`tamper` hands it to a test and puts every object back afterwards, so each test starts from
the deployed state; `read_back` collects it through the official client and verifies it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.load import load_model
from infra.model import Model
from infra.plan import make_plan
from infra.verify import Report, verify
from providers.kubernetes.mock.cloud import MockedCloud
from providers.kubernetes.mock.cluster import BY_KIND
from providers.kubernetes.observe import collect, normalize

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ai-platform-kubernetes.yaml"


@dataclass
class Live:
    cloud: MockedCloud
    model: Model

    def report(self) -> Report:
        return verify(self.model, normalize(collect(self.cloud.source()), self.model))

    def put(self, obj: dict[str, Any]) -> None:
        self.cloud.cluster.put(obj)

    def edit(self, kind: str, namespace: str, name: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Change one stored object in place (as `kubectl edit` would)."""
        obj = self.cloud.cluster.get(kind, namespace, name)
        change(obj)
        resource = BY_KIND[kind]
        self.put({"apiVersion": resource.api_version, "kind": kind, **obj})

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self.cloud.cluster.delete(kind, namespace, name)


@pytest.fixture(scope="session")
def live_cluster() -> Iterator[Live]:
    model = load_model(EXAMPLE).model
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("kubernetes"))
        yield Live(cloud, model)


@pytest.fixture
def tamper(live_cluster: Live) -> Iterator[Live]:
    saved = live_cluster.cloud.cluster.state()
    yield live_cluster
    live_cluster.cloud.cluster.restore(saved)
