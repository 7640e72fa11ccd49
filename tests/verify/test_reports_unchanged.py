"""The reports of frozen snapshots, byte for byte as the verifier wrote them before its engine was
made faster (issue 15): the rewrite changed how paths are computed, never what is reported.

tests/data/reports/golden-cases.json.gz holds, per case, a snapshot and its model (or none: an
audit) and the JSON report that commit 6a8946e wrote for them: the mocked deployments of the
test suite (the shared AWS account with every test model, the tampered and red-team accounts,
random models, GCP, Azure and Kubernetes), read back once and frozen, since a mocked cloud
names its resources anew on every deploy; small synthetic networks of bench/verify_bench.py,
plain and tampered; and the reports of the 13 hand-written AWS snapshots in
tests/data/snapshots/aws. A report that changes on purpose is re-frozen with
tools/refreeze_golden_reports.py, and the diff of the reports reviewed.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from infra import report as reports
from infra.load import load_model
from infra.model import Model
from infra.reach import evaluate
from infra.registry import part
from infra.snapshot import read_snapshot
from infra.verify import verify

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "reports" / "golden-cases.json.gz"


@functools.cache
def cases() -> dict[str, dict[str, Any]]:
    return {case["name"]: case for case in json.loads(gzip.decompress(GOLDEN.read_bytes()))}


def report_of(case: dict[str, Any]) -> dict[str, Any]:
    """The JSON report (or, without a model, the audit) of a case, as the CLI writes it."""
    if "files" in case:
        folder = ROOT / case["files"]
        model: Model | None = load_model(folder / "model.yaml").model
        snapshot = read_snapshot(folder)
    else:
        model = Model.model_validate(case["model"]) if case["model"] is not None else None
        snapshot = case["snapshot"]
    network = part(case["cloud"], "observe").normalize(snapshot, model)
    if model is None:
        return reports.audit_json(network, evaluate(network))
    return reports.report_json(verify(model, network))


def test_the_frozen_cases_cover_every_cloud_audits_tampering_and_the_hand_written_snapshots() -> None:
    names = set(cases())
    assert {c["cloud"] for c in cases().values()} == {"aws", "gcp", "azure", "kubernetes"}
    assert sum(n.startswith("hand-written/") for n in names) == 13
    assert sum(n.startswith("aws-tamper-") for n in names) == 13
    assert any(c.get("model", 0) is None for c in cases().values())  # audits
    assert any(c["report"].get("findings") for c in cases().values())  # and reports that differ from intent


@pytest.mark.parametrize("name", sorted(cases()))
def test_a_frozen_snapshot_reports_exactly_what_it_reported_before(name: str) -> None:
    case = cases()[name]
    assert json.dumps(report_of(case), indent=2) == json.dumps(case["report"], indent=2)
