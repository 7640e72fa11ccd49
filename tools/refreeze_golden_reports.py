"""Re-freeze the expected reports of tests/verify/test_reports_unchanged.py from the current code.

Usage: .venv/bin/python tools/refreeze_golden_reports.py

Only after a change that is MEANT to change reports (a new finding, a new key): the test pins
what the verifier reports, so re-freezing makes it agree with whatever the code does now.
Review what changed (the script prints the names of the cases whose report differs).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.verify.test_reports_unchanged import GOLDEN, cases, report_of

    frozen = list(cases().values())
    for case in frozen:
        now = report_of(case)
        if now != case["report"]:
            print(f"{case['name']}: report changed")
            case["report"] = now
    text = json.dumps(frozen, separators=(",", ":"))
    GOLDEN.write_bytes(gzip.compress(text.encode(), mtime=0))


if __name__ == "__main__":
    main()
