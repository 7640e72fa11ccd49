"""Raw snapshots as a file format (docs/snapshot-formats.md).

A snapshot is a mapping from a relative file name (e.g. `us-east-1/SecurityGroups.json`) to
the cloud API's JSON response, untouched. `collect` produces one, `normalize` reads one;
these two functions are the only way either touches the disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.errors import SnapshotError, SnapshotProblem, UsageError

REDO = "no API writes this; re-collect the snapshot with `bulkhead collect`, or restore the file"

Snapshot = dict[str, Any]


class CheckedSnapshot(dict[str, Any]):
    """A snapshot its provider's own reader has already checked, in a format of its own that no
    `Layout` describes (a folder of Kubernetes manifests): `check_snapshot` leaves its files
    alone and only asks whether the model is there."""


def write_snapshot(snapshot: Snapshot, directory: str | Path, option: str = "--out") -> list[Path]:
    """One JSON file per API response under `directory` (folders created). A folder that cannot be
    written is bad output (UsageError naming `option`, the command's flag), as an unwritable --output is."""
    root = Path(directory)
    written = []
    for name, document in sorted(snapshot.items()):
        target = root / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{option} {directory}: cannot write {target} ({exc.strerror or exc}); "
                             "pick a folder that can be written") from None
        written.append(target)
    return written


def read_snapshot(directory: str | Path) -> Snapshot:
    """Every `*.json` under `directory`, by relative name. Every unreadable file is reported at
    once (SnapshotError): broken JSON at its line and column, text that is not UTF-8, nesting
    deeper than any API response (which would exhaust the parser's recursion)."""
    from infra.shapes import MAX_DEPTH, too_deep

    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{directory}: snapshot directory does not exist; pass a folder written by "
                         "`bulkhead collect` or `bulkhead simulate --snapshot-out`")
    snapshot: Snapshot = {}
    problems: list[SnapshotProblem] = []
    for path in sorted(root.rglob("*.json")):
        name = path.relative_to(root).as_posix()
        try:
            snapshot[name] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(SnapshotProblem(str(path), "", f"invalid JSON: {exc.msg}", REDO, exc.lineno, exc.colno))
        except UnicodeDecodeError as exc:
            problems.append(SnapshotProblem(str(path), "", f"not UTF-8 text (byte {exc.start})", REDO))
        except RecursionError:
            problems.append(SnapshotProblem(str(path), "", f"the JSON nests deeper than {MAX_DEPTH} levels", REDO))
        else:
            if too_deep(snapshot[name]):
                problems.append(SnapshotProblem(str(path), "", f"the JSON nests deeper than {MAX_DEPTH} levels",
                                                REDO))
    if problems:
        raise SnapshotError(problems)
    if not snapshot:
        raise UsageError(f"{directory}: no *.json files; pass a folder written by `bulkhead collect`")
    return snapshot
