"""One model on several clouds: each cloud, read back through its own SDK, shows the same paths.

Every multi-cloud model is deployed into each of its mocked clouds through the registry (as
`bulkhead simulate` does; tests/deployments.py: AWS shares one account with the other AWS
tests), collected, normalized and evaluated; the observed matrices are
compared over the segments the clouds share (plus the internet and the services those
segments use). A cloud that opens or closes something the others do not fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.load import load_model
from infra.model import Model
from infra.ports import PortSet
from infra.reach import INTERNET, SERVICE_PREFIX, evaluate
from infra.registry import part
from tests.deployments import snapshot

ROOT = Path(__file__).resolve().parents[2]
MULTI = [ROOT / "examples" / "ai-platform.yaml", Path(__file__).parent / "models" / "az-three-clouds.yaml"]


def matrix(path: Path, cloud: str) -> dict[tuple[str, str, str], PortSet]:
    model = load_model(path).model
    network = part(cloud, "observe").normalize(snapshot(cloud, path), model)
    return {(p.src, p.dst, p.protocol): p.ports for p in evaluate(network)}


def shared(model: Model, a: str, b: str) -> set[str]:
    segments = {s for s in model.segments if a in model.placement(s) and b in model.placement(s)}
    services = {SERVICE_PREFIX + svc for s in segments for svc in model.segments[s].services}
    return segments | services | {INTERNET}


def restricted(found: dict[tuple[str, str, str], PortSet], keep: set[str]) -> dict[tuple[str, str, str], PortSet]:
    return {key: ports for key, ports in found.items() if key[0] in keep and key[1] in keep}


@pytest.mark.parametrize("path", MULTI, ids=lambda p: p.stem)
def test_every_cloud_of_a_model_shows_the_same_matrix_over_their_shared_segments(path: Path) -> None:
    model = load_model(path).model
    clouds = model.clouds.declared()
    assert len(clouds) >= 2 and "azure" in clouds
    found = {cloud: matrix(path, cloud) for cloud in clouds}
    assert found["azure"], "the azure network shows no path at all"
    for other in clouds:
        if other == "azure":
            continue
        keep = shared(model, "azure", other)
        assert restricted(found["azure"], keep) == restricted(found[other], keep), other
