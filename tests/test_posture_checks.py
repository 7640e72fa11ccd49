"""Every posture finding names a declared check: stable, unique, well-formed ids per provider."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.load import load_model
from infra.registry import part, providers
from infra.snapshot import read_snapshot
from infra.verify import verify

SNAPSHOTS = Path(__file__).parent / "data" / "snapshots" / "aws"
ID = re.compile(r"^BH-[A-Z0-9]+-[A-Z0-9]+(-[A-Z0-9]+)*$")


def declared() -> dict[str, dict[str, object]]:
    return {cloud: {c.id: c for c in part(cloud, "observe").checks.CHECKS} for cloud in providers()}


def test_check_ids_are_unique_well_formed_and_name_their_cloud() -> None:
    seen: list[str] = []
    for cloud, checks in declared().items():
        for check_id, check in checks.items():
            assert ID.match(check_id), check_id
            assert check_id.startswith(f"BH-{cloud.upper()}-"), check_id
            assert check.severity in ("critical", "high", "medium", "low")  # type: ignore[attr-defined]
            assert check.title and check.why and check.fix  # type: ignore[attr-defined]
        seen += checks
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("case", sorted(p.name for p in SNAPSHOTS.iterdir()))
def test_every_posture_finding_of_a_snapshot_carries_a_declared_check_and_its_severity(case: str) -> None:
    checks = declared()["aws"]
    model = load_model(SNAPSHOTS / case / "model.yaml").model
    report = verify(model, part("aws", "observe").normalize(read_snapshot(SNAPSHOTS / case), model))
    for finding in (f for f in report.findings if f.kind == "posture"):
        assert finding.check in checks, finding
        assert finding.severity == checks[finding.check].severity  # type: ignore[attr-defined]
    for finding in (f for f in report.findings if f.kind != "posture"):
        assert finding.check is None


def test_the_snapshots_exercise_several_checks_so_the_test_above_is_not_vacuous() -> None:
    found: set[str | None] = set()
    for case in SNAPSHOTS.iterdir():
        model = load_model(case / "model.yaml").model
        report = verify(model, part("aws", "observe").normalize(read_snapshot(case), model))
        found |= {f.check for f in report.findings if f.kind == "posture"}
    assert len(found) >= 6 and None not in found
