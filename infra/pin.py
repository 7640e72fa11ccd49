"""`bulkhead pin`: write each segment's assigned slot into the model file.

The edit is textual, guided by the YAML node marks: a round trip through a YAML dumper
re-indents lists, turns `api: {}` into a block and moves comments, and a user's file is
theirs. So `slot: N` is inserted where the user would have typed it (inside a `{...}`
mapping, or as one more line of a block mapping, at its indentation) and nothing else in
the file changes. Segments that already have a slot are left alone, so running it twice
changes nothing.

The file is written whole or not at all (`write_pinned`): a new file beside it, then a rename.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infra.errors import Diagnostic, ModelError

Edit = tuple[int, int, str]  # replace text[start:end] with the string


def pin_slots(text: str, slots: dict[str, int], file: str = "<model>") -> tuple[str, list[str]]:
    """Return the new text and the names of the segments that were pinned."""
    segments = _segments_node(text)
    edits: list[Edit] = []
    pinned: list[str] = []
    for key, value in segments.value:
        name = str(key.value)
        if name not in slots or _has_slot(value):
            continue
        edits.append(_edit(text, key, value, f"slot: {slots[name]}", file))
        pinned.append(name)
    for start, end, new in sorted(edits, reverse=True):  # from the end, so offsets stay valid
        text = text[:start] + new + text[end:]
    _check(text, {n: slots[n] for n in pinned}, file)
    return text, pinned


def _segments_node(text: str) -> MappingNode:
    root = YAML(typ="rt").compose(text)
    pair = next((v for k, v in root.value if k.value == "segments"), None)
    assert isinstance(pair, MappingNode), "pin runs only on a model that loaded"
    return pair


def _has_slot(value: Node) -> bool:
    return isinstance(value, MappingNode) and any(k.value == "slot" for k, _ in value.value)


def _edit(text: str, key: Node, value: Node, entry: str, file: str) -> Edit:
    if value.start_mark.index < key.end_mark.index:  # an alias: its body is written elsewhere
        line, col = key.start_mark.line + 1, key.start_mark.column + 1
        raise ModelError([Diagnostic(file, line, col, f"segments.{key.value}",
                                     "the segment is a YAML alias, so pin cannot write its slot",
                                     f"add {entry} by hand")])
    if isinstance(value, ScalarNode):  # `db:`, `db: ~` or `db: null`: a segment with defaults
        start, end = value.start_mark.index, value.end_mark.index
        colon = text.find(":", key.end_mark.index)
        if start == end:  # nothing written after the colon
            return colon + 1, colon + 1, f" {{{entry}}}"
        return start, end, f"{{{entry}}}"
    assert isinstance(value, MappingNode)
    if value.flow_style:
        if not value.value:  # `{}`: the closing brace is the last character
            close = value.end_mark.index - 1
            return close, close, entry
        at = _end_of(value.value[-1][1])
        return at, at, f", {entry}"
    return _new_line(text, value, entry)


def _new_line(text: str, mapping: MappingNode, entry: str) -> Edit:
    """One more line after the block mapping's last line, at the indentation of its keys."""
    indent = " " * mapping.value[0][0].start_mark.column
    newline = "\r\n" if "\r\n" in text else "\n"
    at = _end_of(mapping.value[-1][1])
    if at > 0 and text[at - 1] == "\n":  # a block scalar ends after its own line break
        return at, at, f"{indent}{entry}{newline}"
    eol = text.find("\n", at)
    if eol == -1:  # the last line of a file without a final newline
        return len(text), len(text), f"{newline}{indent}{entry}{newline}"
    return eol + 1, eol + 1, f"{indent}{entry}{newline}"


def _end_of(node: Node) -> int:
    """Where the text of a node ends; a block collection ends where its last leaf does."""
    while isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    return int(node.end_mark.index)


def _check(text: str, expected: dict[str, int], file: str) -> None:
    """Refuse to hand back a file that does not say what was meant (an unforeseen layout)."""
    data = YAML(typ="safe", pure=True).load(text)
    wrong = [n for n, slot in expected.items() if (data["segments"][n] or {}).get("slot") != slot]
    if wrong:
        raise ModelError([Diagnostic(file, 1, 1, "segments", f"could not pin {', '.join(wrong)} safely",
                                     "add their slot: lines by hand (see `bulkhead plan` for the slots)")])


def write_pinned(path: Path, text: str) -> None:
    """Replace the model file's content by `text` atomically, keeping its permissions and line ends.

    A crash or a full disk leaves the old file, never half of the new one. A symlink stays a
    symlink: the file it names is replaced. A file that cannot be replaced (immutable, on a
    read-only mount, in a folder bulkhead cannot write) is a located ModelError; nothing changed.
    """
    target = Path(os.path.realpath(path))  # through symlinks, as writing in place would go
    temporary: str | None = None
    try:
        status = target.stat()
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".pin")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:  # newline="": CRLF stays CRLF
            stream.write(text)
        os.chmod(temporary, stat.S_IMODE(status.st_mode))
        with contextlib.suppress(OSError):  # only root may give a file away; anyone else's is theirs already
            os.chown(temporary, status.st_uid, status.st_gid)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise ModelError([Diagnostic(str(path), 1, 1, "", f"cannot write the file ({exc.strerror or exc})",
                                     "make it writable (an immutable file: chattr -i; a read-only mount), "
                                     "or pin a writable copy")]) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
