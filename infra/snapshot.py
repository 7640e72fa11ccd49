"""Raw snapshots as a file format (docs/snapshot-formats.md).

A snapshot is a mapping from a relative file name (e.g. `us-east-1/SecurityGroups.json`) to
the cloud API's JSON response, untouched. `collect` produces one, `normalize` reads one;
these two functions are the only way either touches the disk.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.errors import SnapshotError, SnapshotProblem, UsageError

REDO = "no API writes this; re-collect the snapshot with `bulkhead collect`, or restore the file"
NOT_A_FILE = "put the JSON file `bulkhead collect` wrote in its place, or remove it"

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
    deeper than any API response (which would exhaust the parser's recursion), and what stands
    where a file should but is none (a folder, a FIFO, a symlink loop: never opened)."""
    from infra.shapes import MAX_DEPTH, too_deep

    root = snapshot_folder(directory, "a folder written by `bulkhead collect` or `bulkhead simulate --snapshot-out`")
    snapshot: Snapshot = {}
    paths, problems = snapshot_files(root, lambda name: name.endswith(".json"))
    for path in paths:
        name = path.relative_to(root).as_posix()
        try:
            snapshot[name] = load_json(regular_text(path))
        except BadJson as exc:
            problems.append(SnapshotProblem(str(path), exc.path, exc.what, REDO, exc.line, exc.column))
        except NotAFile as exc:
            problems.append(SnapshotProblem(str(path), "", str(exc), NOT_A_FILE))
        except OSError as exc:  # gone, or made unreadable, since it was listed
            problems.append(SnapshotProblem(str(path), "", f"cannot be read ({exc.strerror})", NOT_A_FILE))
        except UnicodeDecodeError as exc:
            problems.append(SnapshotProblem(str(path), "", f"not UTF-8 text (byte {exc.start})", REDO))
        except RecursionError:
            problems.append(SnapshotProblem(str(path), "", f"the JSON nests deeper than {MAX_DEPTH} levels", REDO))
        else:
            if too_deep(snapshot[name]):
                problems.append(SnapshotProblem(str(path), "", f"the JSON nests deeper than {MAX_DEPTH} levels",
                                                REDO))
    if problems:
        raise SnapshotError(sorted(problems, key=lambda p: p.file))
    if not snapshot:
        raise UsageError(f"{directory}: no *.json files; pass a folder written by `bulkhead collect`")
    return snapshot


def snapshot_folder(directory: str | Path, wanted: str) -> Path:
    """`directory` as a folder to read, or a UsageError saying what it is instead (`wanted`: what to pass)."""
    root = Path(directory)
    try:
        mode = os.stat(root).st_mode
    except OSError as exc:
        gone = exc.errno == errno.ENOENT and not root.is_symlink()
        what = "snapshot directory does not exist" if gone else _unreachable(root, exc)
    else:
        if stat.S_ISDIR(mode):
            return root
        what = "is a file, not a folder" if stat.S_ISREG(mode) else f"is not a folder ({_special(mode)})"
    raise UsageError(f"{directory}: {what}; pass {wanted}")


# ---- what stands where a snapshot file should ----


class NotAFile(Exception):
    """A snapshot entry that is not a regular file: its text is what is wrong with it."""


def snapshot_files(root: Path, wanted: Callable[[str], bool], skip_hidden_folders: bool = False,
                   fix: str = NOT_A_FILE) -> tuple[list[Path], list[SnapshotProblem]]:
    """The entries under `root` whose names are `wanted`, sorted, and a problem for each one that is
    no file to read (a folder, a FIFO, a symlink loop or to nothing) or a folder seen twice.

    Symlinked folders are followed: a region folder linked in from elsewhere is part of the
    snapshot its user put together, and skipping it in silence would read as a region with
    nothing in it. Each real folder is read once; a link back to one already read (`self -> .`,
    `us-east-2 -> us-east-1`) is reported instead, since it would read the same files twice or
    forever. `fix` is said of an entry that is no file.
    """
    files: list[Path] = []
    problems: list[SnapshotProblem] = []
    read = {_identity(root)}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(SnapshotProblem(str(folder), "", f"the folder cannot be read ({exc.strerror})",
                                            "make it readable, or move it out of the snapshot"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if wanted(entry.name):
                problem = _not_a_file(path, fix)
                if problem is None:
                    files.append(path)
                else:
                    problems.append(problem)
            elif _is_folder(entry) and not (skip_hidden_folders and entry.name.startswith(".")):
                identity = _identity(path)
                if identity in read:
                    problems.append(_read_twice(path))
                    continue
                read.add(identity)
                pending.append(path)
    return sorted(files), problems


def _identity(path: Path) -> tuple[int, int]:
    found = os.stat(path)
    return found.st_dev, found.st_ino


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # through a symlink too
    except OSError:  # a symlink loop: no folder, and not named like a file to read
        return False


def _read_twice(path: Path) -> SnapshotProblem:
    what = f"a symlink to {os.readlink(path)}" if path.is_symlink() else "a second path (a mount) to a folder"
    return SnapshotProblem(str(path), "", f"{what}, a folder read already (a loop, or the same files twice); it "
                           "was not followed", "remove the link, or copy the folder it stands for")


def _not_a_file(path: Path, fix: str) -> SnapshotProblem | None:
    """Why `path` is no file to read (stat only, nothing opened), or None for a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return SnapshotProblem(str(path), "", _unreachable(path, exc), fix)
    if stat.S_ISDIR(mode):
        return SnapshotProblem(str(path), "", "is a directory, not a file", fix)
    if not stat.S_ISREG(mode):
        return SnapshotProblem(str(path), "", f"not a regular file ({_special(mode)})", fix)
    return None


def _unreachable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symlink loop (the link leads back to itself)"
    if path.is_symlink():
        return f"a symlink to nothing ({os.readlink(path)} does not exist)"
    return f"cannot be read ({exc.strerror})"


def _special(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"))
    return next((what for test, what in kinds if test(mode)), "a special file")


def regular_text(path: Path) -> str:
    """The file's UTF-8 text. Opened without blocking and checked again once open (it may have been
    swapped since it was listed): a FIFO would block the read forever, a device never end."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise NotAFile(f"not a regular file ({_special(mode)})" if not stat.S_ISDIR(mode)
                           else "is a directory, not a file")
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read()
    finally:
        os.close(handle)
    return data.decode("utf-8")


# ---- JSON read strictly ----


class BadJson(ValueError):
    """JSON text no API writes: `what` is wrong at `line`:`column` (broken text) or at `path` (a key twice)."""

    def __init__(self, what: str, line: int = 0, column: int = 0, path: str = ""):
        super().__init__(what)
        self.what, self.line, self.column, self.path = what, line, column, path


class KeyTwice(BadJson):
    """A key written twice in one object, at `path`."""


class NumberTooLarge(BadJson):
    """A number with more digits than Python reads an int of."""


class LoneSurrogate(BadJson):
    """A `\\ud800` escape with no partner: json reads it, but the text is not Unicode that UTF-8 can hold."""


class _KeyTwice(Exception):
    pass


def load_json(text: str) -> Any:
    """`json.loads`, refusing what it would read silently or crash on: a key twice in one object
    (json keeps the last one; no API writes one twice, and readers disagree on which one wins),
    a number past Python's limit on the digits of an int (a ValueError from inside json), and a
    lone surrogate escape (json reads it into a str no report can then be written with)."""
    try:
        document = json.loads(text, object_pairs_hook=_keys_once)
    except json.JSONDecodeError as exc:
        raise BadJson(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except _KeyTwice:
        path, key = _first_key_twice(text)
        raise KeyTwice(f"duplicate key '{key}'; JSON readers disagree on which one wins", path=path) from None
    except ValueError:  # the only other one json raises: `Exceeds the limit (4300 digits)`
        raise _number_too_large(text) from None
    if _SURROGATE_START.search(text) is not None:  # one scan in C; only then are the escapes looked at
        _refuse_lone_surrogates(text)
    return document


_SURROGATE_START = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_lone_surrogates(text: str) -> None:
    """Raise LoneSurrogate at the first `\\uD800`-`\\uDFFF` escape that is not a high one directly
    followed by a low one (the pair json reads as one character, as an emoji is written)."""
    pair_end = -1
    for found in _SURROGATE_ESCAPE.finditer(text):
        start = found.start()
        if start < pair_end or _backslash_escaped(text, start):
            continue  # the low half of a pair, or `\\ud800`: a backslash, then text
        if found.group()[3] in "89abAB":  # \uD8xx-\uDBxx: a high half
            low = _SURROGATE_ESCAPE.match(text, found.end())
            if low is not None and low.group()[3] in "cdefCDEF":
                pair_end = low.end()
                continue
        line = text.count("\n", 0, start) + 1
        raise LoneSurrogate(f"{found.group()} is not valid Unicode (a lone surrogate), which no UTF-8 report "
                            "can hold", line, start - text.rfind("\n", 0, start))


def _backslash_escaped(text: str, at: int) -> bool:
    """The backslash at `at` follows an odd number of backslashes, so it is itself escaped text."""
    before = at
    while before > 0 and text[before - 1] == "\\":
        before -= 1
    return (at - before) % 2 == 1


def _keys_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Called for every object of a snapshot (a few hundred thousand): only lengths are compared here."""
    built = dict(pairs)
    if len(built) != len(pairs):
        raise _KeyTwice
    return built


class _Twice(dict[str, Any]):
    key = ""


def _marking(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    built = dict(pairs)
    if len(built) == len(pairs):
        return built
    marked = _Twice(built)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.key = key
            break
        seen.add(key)
    return marked


def _first_key_twice(text: str) -> tuple[str, str]:
    """(the JSON path of a key written twice, the key): the text read again, only once refused."""
    from infra.shapes import json_path

    pending: list[tuple[tuple[str | int, ...], Any]] = [((), json.loads(text, object_pairs_hook=_marking))]
    while pending:
        loc, value = pending.pop()
        if isinstance(value, _Twice):
            return json_path((*loc, value.key)), value.key
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        pending += reversed([((*loc, step), child) for step, child in children])
    return "", "?"  # not reached: a refused text holds a marked object


def _number_too_large(text: str) -> NumberTooLarge:
    limit = sys.get_int_max_str_digits()
    found = re.search(rf"\d{{{limit + 1},}}", text)
    start = found.start() if found else 0
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    digits = f"{len(found.group()):,} digits" if found else "too many digits"
    return NumberTooLarge(f"invalid JSON: number too large ({digits}, over the {limit:,} an int is read with)",
                          line, column)
