"""Deploy every Azure test model once per session into one mocked subscription, read it back.

All models share the subscription (as they would in a real one): the normalizer must pick
each model's VNet by its tag. Tamper tests start a fresh fake from a copy of the deployed
state (`tamper`), change it through azure-mgmt-network, and verify again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from infra.load import load_model
from infra.model import Model
from providers.azure.mock.cloud import MockedCloud
from providers.azure.observe.collect import collect
from tests.azure.azsession import Subscription

ROOT = Path(__file__).resolve().parents[2]
MODELS = [ROOT / "examples" / "ai-platform.yaml", *sorted((Path(__file__).parent / "models").glob("*.yaml")),
          *sorted((ROOT / "tests" / "data" / "models").glob("*.yaml"))]


@pytest.fixture(scope="session")
def subscription() -> Subscription:
    from infra.plan import make_plan

    models: dict[str, Model] = {}
    counts: dict[str, dict[str, int]] = {}
    with MockedCloud(page_size=7) as cloud:  # a small page size makes every list page
        for path in MODELS:
            model = load_model(path).model
            if "azure" not in model.clouds.declared():
                continue
            models[path.stem] = model
            counts[path.stem] = cloud.deploy(make_plan(model).cloud("azure"))
        return Subscription(models, counts, collect(cloud.source()), cloud.state())


@pytest.fixture
def tamper(subscription: Subscription) -> Callable[[], Any]:
    """`with tamper() as (cloud, client): ...` -> a fresh fake holding every deployed model."""

    @contextmanager
    def start() -> Iterator[tuple[MockedCloud, Any]]:
        with MockedCloud(state=subscription.state) as cloud:
            yield cloud, cloud.source().client()

    return start
