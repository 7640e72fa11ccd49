"""Rewrite the per-cloud tables of docs/checks.md from the declared checks (providers/*/observe/checks.py).

The prose around the tables is kept; each `## <Cloud>` section's table is replaced, and a
section is added for a provider that has none yet. tests/test_cli_report_options.py fails when
the document and the code disagree, so run this after adding or changing a check:

    python tools/render_checks_doc.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.registry import part, providers  # noqa: E402

TITLES = {"aws": "AWS", "gcp": "GCP", "azure": "Azure", "kubernetes": "Kubernetes"}
HEADER = "| check | severity | what | why it matters | how to fix |\n|---|---|---|---|---|\n"


def table(cloud: str) -> str:
    rows = [f"| `{c.id}` | {c.severity} | {c.title} | {c.why} | {c.fix} |"
            for c in part(cloud, "observe").checks.CHECKS]
    return HEADER + "\n".join(rows) + "\n"


def render(text: str) -> str:
    for cloud in sorted(providers(), key=lambda c: list(TITLES).index(c) if c in TITLES else len(TITLES)):
        title = TITLES.get(cloud, cloud)
        section = re.compile(rf"(^## {re.escape(title)}\n\n)(?:\|.*\n)+", re.MULTILINE)
        if section.search(text):
            text = section.sub(lambda m, c=cloud: m.group(1) + table(c), text)
        else:
            text = text.rstrip("\n") + f"\n\n## {title}\n\n" + table(cloud)
    return text


def main() -> int:
    doc = ROOT / "docs/checks.md"
    doc.write_text(render(doc.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"{doc.relative_to(ROOT)}: tables rewritten from the declared checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
