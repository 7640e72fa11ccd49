"""Report drift across a refactoring of the verifier: what an engine change does to real reports.

A change meant to make the verifier faster (or tidier) must not change what it reports. This is a
developer's aid for such a change, not a test: it pins nothing in the repository. Run `freeze`
on the commit before the change and `compare` after it; it lists every case whose report
changed, with a unified diff of the first few.

    .venv/bin/python tools/report_drift.py freeze /tmp/before.json.gz   # on the old commit
    .venv/bin/python tools/report_drift.py compare /tmp/before.json.gz  # on the new one

The cases (tools/data/report-cases.json.gz) are snapshots and models frozen once because a
mocked cloud names its resources anew on every deploy: the test suite's mocked deployments of
every cloud (the shared AWS account, tampered and red-team accounts, random models, GCP, Azure,
Kubernetes), small synthetic networks of bench/verify_bench.py plain and tampered, and the
hand-written AWS snapshots under tests/data/snapshots/aws (read from there). A case without a
model is an audit.
"""

from __future__ import annotations

import difflib
import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tools" / "data" / "report-cases.json.gz"
SHOWN_DIFFS = 3


def cases() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(gzip.decompress(CASES.read_bytes()))
    return found


def report_of(case: dict[str, Any]) -> dict[str, Any]:
    """The JSON report (or, without a model, the audit) of a case, as the CLI writes it."""
    from infra import report as reports
    from infra.load import load_model
    from infra.model import Model
    from infra.reach import evaluate
    from infra.registry import part
    from infra.snapshot import read_snapshot
    from infra.verify import verify

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


def freeze(out: Path) -> int:
    reports = {case["name"]: report_of(case) for case in cases()}
    out.write_bytes(gzip.compress(json.dumps(reports, sort_keys=True).encode(), mtime=0))
    print(f"{len(reports)} reports written to {out}")
    return 0


def compare(before: Path) -> int:
    frozen: dict[str, Any] = json.loads(gzip.decompress(before.read_bytes()))
    changed = []
    for case in cases():
        old, new = frozen.get(case["name"]), report_of(case)
        if old != new:
            changed.append((case["name"], old, new))
    for name, old, new in changed[:SHOWN_DIFFS]:
        print("".join(difflib.unified_diff(json.dumps(old, indent=2).splitlines(True),
                                           json.dumps(new, indent=2).splitlines(True), f"{name} before",
                                           f"{name} now", n=2)))
    for name, _, _ in changed:
        print(f"changed: {name}")
    print(f"{len(changed)} of {len(frozen)} reports changed")
    return 1 if changed else 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("freeze", "compare"):
        print("usage: tools/report_drift.py freeze|compare FILE.json.gz", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    command, file = argv[0], Path(argv[1])
    return freeze(file) if command == "freeze" else compare(file)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
