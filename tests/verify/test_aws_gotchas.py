"""Hand-written AWS snapshots, one per gotcha of docs/cloud-semantics.md section 5 (items 1-13).

Each folder holds a plain describe-* dump (`us-east-1/*.json`), the model it was meant to
implement (`model.yaml`) and, written by hand, every open path and every finding expected
(`expected.json`). Paths are compared exactly; findings by (kind, src, dst, protocol, ports)
exactly, with the listed evidence ids required in the finding's evidence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.load import load_model
from infra.ports import json_ports
from infra.reach import evaluate
from infra.snapshot import read_snapshot
from infra.verify import verify
from providers.aws.observe.normalize import normalize

ROOT = Path(__file__).parent.parent / "data" / "snapshots" / "aws"
CASES = sorted(p.name for p in ROOT.iterdir() if p.is_dir())


def _load(case: str):
    folder = ROOT / case
    model = load_model(folder / "model.yaml").model
    expected = json.loads((folder / "expected.json").read_text())
    return model, read_snapshot(folder), expected


def test_there_is_one_snapshot_per_aws_gotcha_one_to_thirteen() -> None:
    assert [int(name.split("-")[0]) for name in CASES] == list(range(1, 14))


@pytest.mark.parametrize("case", CASES)
def test_the_open_paths_of_a_gotcha_snapshot_are_exactly_the_hand_written_ones(case: str) -> None:
    model, snapshot, expected = _load(case)
    observed = evaluate(normalize(snapshot, model))
    got = sorted([p.src, p.dst, p.protocol, json_ports(p.protocol, p.ports)] for p in observed)
    assert got == sorted(expected["paths"])


@pytest.mark.parametrize("case", CASES)
def test_the_findings_of_a_gotcha_snapshot_are_exactly_the_hand_written_ones(case: str) -> None:
    model, snapshot, expected = _load(case)
    report = verify(model, normalize(snapshot, model))
    got = [(f.kind, f.src if f.kind != "posture" else None, f.dst, f.protocol,
            json_ports(f.protocol, f.ports) if f.protocol and f.ports is not None else None, f.evidence)
           for f in report.findings]
    want = [tuple(item) for item in expected["findings"]]
    assert sorted(g[:5] for g in got) == sorted(tuple(w[:5]) for w in want)
    for kind, src, dst, protocol, ports, evidence in want:
        matches = [g for g in got if g[:5] == (kind, src, dst, protocol, ports) and set(evidence) <= set(g[5])]
        assert matches, f"no {kind} {src}->{dst} {protocol} {ports} with evidence {evidence}: {got}"
    assert report.matches_intent == (not want)
