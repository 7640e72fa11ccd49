"""Raw snapshots as a file format (docs/snapshot-formats.md).

A snapshot is a mapping from a relative file name (e.g. `us-east-1/SecurityGroups.json`) to
the cloud API's JSON response, untouched. `collect` produces one, `normalize` reads one;
these two functions are the only way either touches the disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.errors import UsageError

Snapshot = dict[str, Any]


def write_snapshot(snapshot: Snapshot, directory: str | Path) -> list[Path]:
    root = Path(directory)
    written = []
    for name, document in sorted(snapshot.items()):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
        written.append(target)
    return written


def read_snapshot(directory: str | Path) -> Snapshot:
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{directory}: snapshot directory does not exist; pass a folder written by "
                         "`bulkhead collect` or `bulkhead simulate --snapshot-out`")
    snapshot: Snapshot = {}
    for path in sorted(root.rglob("*.json")):
        name = path.relative_to(root).as_posix()
        try:
            snapshot[name] = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: not a JSON document ({exc}); re-collect the snapshot") from None
    if not snapshot:
        raise UsageError(f"{directory}: no *.json files; pass a folder written by `bulkhead collect`")
    return snapshot
