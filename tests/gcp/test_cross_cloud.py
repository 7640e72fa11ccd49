"""The same model on AWS and on GCP yields the same observed path matrix.

For every model (the example and tests/data/models) placed on both clouds, each is deployed
into its mocked cloud (tests/deployments.py: AWS shares one account with the other AWS tests),
read back through its SDK and normalized by its own semantics; the
observed paths among the segments placed on both clouds (plus the internet and services)
must be identical. Two independent builds and two independent normalizers agreeing is strong
evidence that neither drifted from the neutral model.
"""

from __future__ import annotations

import pytest

from infra.load import load_model
from infra.reach import evaluate
from tests.deployments import snapshot
from tests.gcp.conftest import MODEL_FILES

BOTH = [p for p in MODEL_FILES if {"aws", "gcp"} <= set(load_model(p).model.clouds.declared())]


def matrix(cloud: str, path, keep: set[str]) -> set[tuple[str, str, str, object]]:
    from infra.registry import part

    model = load_model(path).model
    observed = evaluate(part(cloud, "observe").normalize(snapshot(cloud, path), model))
    return {(p.src, p.dst, p.protocol, p.ports) for p in observed if p.src in keep and p.dst in keep}


@pytest.mark.parametrize("path", BOTH, ids=[p.stem for p in BOTH])
def test_aws_and_gcp_observe_the_same_paths_among_shared_segments(path) -> None:
    model = load_model(path).model
    shared = {s for s in model.segments if {"aws", "gcp"} <= set(model.placement(s))}
    keep = shared | {"internet"} | {f"service:{s}" for s in ("object-storage", "container-registry",
                                                              "key-management", "logging", "ml-api")}
    aws, gcp = matrix("aws", path, keep), matrix("gcp", path, keep)
    assert aws, "the shared segments must have paths, or the comparison proves nothing"
    assert sorted(aws - gcp, key=str) == [] and sorted(gcp - aws, key=str) == []


def test_there_are_models_on_both_clouds_to_compare() -> None:
    assert {p.stem for p in BOTH} >= {"ai-platform", "other-clouds"}
