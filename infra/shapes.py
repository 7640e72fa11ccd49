"""Checking a raw snapshot before anything reads it as cloud state (the cloud-neutral half).

Each provider declares its snapshot's files in `providers/<cloud>/observe/shapes.py`: a
`Layout` of `FileShape`s, one pydantic model per file holding the keys its collector writes
and its normalizer reads, values parsed strictly (CIDRs, ports, priorities, protocols).
Extra keys are allowed: real API responses carry more than bulkhead reads.

`check_snapshot` runs a snapshot through its cloud's layout and reports every problem at
once as `file: json.path: what is wrong; fix` (`SnapshotError`, exit 2): a file the cloud
always has and the snapshot lacks, a snapshot of another cloud (named), a document nested
too deeply, a value of the wrong type or out of range. Only then, with a model, the
provider's `check_placement` says whether any of the model's resources are there at all
(`WrongPlace`, exit 2). A normalizer is therefore never handed a document it would misread
or crash on.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_address, ip_network
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from infra.errors import FixableValueError, SnapshotError, SnapshotProblem, UsageError, WrongPlace
from infra.model import Model
from infra.snapshot import CheckedSnapshot, Snapshot
from infra.unique_ids import duplicate_problems

MAX_DEPTH = 64  # real responses nest about 10 deep; far deeper is corruption or an attack
MAX_PER_FILE = 20  # problems shown per file; the rest are counted
RESTORE = "no cloud API returns this; re-collect the snapshot, or restore the value the API returned"


class Shape(BaseModel):
    """A snapshot document or item: the keys bulkhead reads, strictly typed; any others allowed.

    Strict: "443" is not a port, 1 is not `true`, null is not a list. A field that may be
    absent has a default; it is nullable only where the cloud's own output writes null.
    """

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


def absent() -> Any:
    """The default of a key that may be missing but, when present, must have its type (never null).

    Defaults are not validated, so the model only checks what the snapshot holds.
    """
    return Field(default=None)


@dataclass(frozen=True)
class FileShape:
    pattern: str  # the file's base name, fnmatch-style: "Subnets.json", "subnetworks-*.json"
    model: type[Shape]
    call: str  # the API call that writes it, for the reader
    required: bool = False  # every snapshot of the cloud has it (per folder)
    shown: str = ""  # how to name it when missing ("subnetworks-<region>.json"); default the pattern
    unique: tuple[str, ...] = ()  # the ids the normalizer keys on ("Subnets[].SubnetId"): each appears once

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name.rsplit("/", 1)[-1], self.pattern)

    @property
    def title(self) -> str:
        return self.shown or self.pattern


# Checks of a file that passed its shape which a pydantic model does not say well (every
# object of a Kubernetes list against what the API server would accept): (file, document) -> problems.
MoreChecks = Callable[[str, Any], list[SnapshotProblem]]
# Checks across the files that passed their shapes (a reference in one file to an item of
# another): {file: document} -> problems.
AcrossChecks = Callable[[dict[str, Any]], list[SnapshotProblem]]


@dataclass(frozen=True)
class Layout:
    """A cloud's snapshot: its files, the folder level they sit in, and how to collect one."""

    cloud: str
    folder: str  # what a folder stands for: "region", "project", "subscription"
    files: tuple[FileShape, ...]
    collect: str  # the command that writes a snapshot of this cloud
    ids: Literal["snapshot", "file"] = "snapshot"  # how far a FileShape's `unique` ids must be unique
    fold_case: bool = False  # ids compare case-blind (ARM's)
    more: MoreChecks | None = None  # run on a file once its shape holds
    across: AcrossChecks | None = None  # run on every file whose shape holds, together

    def shape_of(self, name: str) -> FileShape | None:
        return next((f for f in self.files if f.matches(name)), None)

    def recognized(self, snapshot: Snapshot) -> list[str]:
        """The snapshot's files that are files of this cloud."""
        return sorted(name for name in snapshot if self.shape_of(name) is not None)

    @property
    def fix(self) -> str:
        return f"re-collect the snapshot with `{self.collect}`, or restore what the API returned"


# ---- values parsed strictly (used by every provider's shapes) ----


def _text(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _network(value: str, kind: str, what: str) -> str:
    if not _parses(value, kind):
        raise FixableValueError(f"{_text(value)} is not {what}", RESTORE)
    return value


_KINDS: dict[str, type[IPv4Network] | type[IPv6Network]] = {"v4": IPv4Network, "v6": IPv6Network}


@functools.lru_cache(maxsize=8192)
def _parses(value: str, kind: str) -> bool:
    """`kind` "v4", "v6" or "any". Cached: a snapshot repeats a few thousand CIDRs over tens of
    thousands of rules."""
    try:
        ip_network(value, strict=False) if kind == "any" else _KINDS[kind](value, strict=False)
    except ValueError:
        return False
    return True


def cidr_text(value: str) -> str:
    return _network(value, "any", "an IPv4 or IPv6 CIDR")


def _cidr4(value: str) -> str:
    return _network(value, "v4", "an IPv4 CIDR")


def _cidr6(value: str) -> str:
    return _network(value, "v6", "an IPv6 CIDR")


def _address(value: str) -> str:
    if not _is_address(value):
        raise FixableValueError(f"{_text(value)} is not an IP address", RESTORE)
    return value


@functools.lru_cache(maxsize=8192)
def _is_address(value: str) -> bool:
    try:
        ip_address(value)
    except ValueError:
        return False
    return True


def _address4(value: str) -> str:
    try:
        IPv4Address(value)
    except ValueError:
        raise FixableValueError(f"{_text(value)} is not an IPv4 address", RESTORE) from None
    return value


Cidr = Annotated[str, AfterValidator(cidr_text)]
Cidr4 = Annotated[str, AfterValidator(_cidr4)]
Cidr6 = Annotated[str, AfterValidator(_cidr6)]
Address = Annotated[str, AfterValidator(_address)]
Address4 = Annotated[str, AfterValidator(_address4)]


def port_text(value: str, low: int = 0, high: int = 65535) -> tuple[int, int]:
    """`"443"` or `"8000-8100"` -> (low, high), else a FixableValueError."""
    lo, dash, hi = (part.strip() for part in value.strip().partition("-"))
    # int() would take "+5", "1_0" and "٤٤٣" too; isdigit() the last one as well.
    if not (value.isascii() and lo.isdigit() and (hi.isdigit() or not dash)):
        raise FixableValueError(f"{_text(value)} is not a port or a port range (\"443\", \"8000-8100\")", RESTORE)
    first, last = int(lo), int(hi) if dash else int(lo)
    if not (low <= first <= high and low <= last <= high):
        raise FixableValueError(f"{_text(value)} is out of the port range {low}-{high}", RESTORE)
    if first > last:
        raise FixableValueError(f"the range {_text(value)} is reversed", RESTORE)
    return first, last


# ---- the check ----


def check_snapshot(cloud: str, snapshot: Snapshot, model: Model | None = None, where: str | None = None,
                   nesting_checked: bool = False) -> None:
    """Raise SnapshotError (every problem) or WrongPlace; return when the snapshot may be read.

    `where` is the snapshot folder, prefixed to file names; None for a live read.
    `nesting_checked`: `infra.snapshot.read_snapshot` read it, which refuses documents nested
    too deeply already (the check walks every value, so it is not done twice).
    """
    from infra.registry import part

    observe = part(cloud, "observe")
    layout: Layout | None = getattr(observe, "SNAPSHOT_LAYOUT", None)
    if layout is not None and not isinstance(snapshot, CheckedSnapshot):
        problems = layout_problems(layout, snapshot, nesting_checked)
        if problems:
            raise SnapshotError([_within(p, where) for p in problems])
    placement: Callable[[Snapshot, Model], None] | None = getattr(observe, "check_placement", None)
    if model is not None and placement is not None:
        placement(snapshot, model)


def _within(problem: SnapshotProblem, where: str | None) -> SnapshotProblem:
    """The file as the user knows it: under the snapshot folder, or as a live read would save it."""
    root = where.rstrip("/") if where else ""
    if not problem.file:
        return replace(problem, file=root or "(live read)")
    return replace(problem, file=f"{root}/{problem.file}" if root else problem.file)


def layout_problems(layout: Layout, snapshot: Snapshot, nesting_checked: bool = False) -> list[SnapshotProblem]:
    mine = layout.recognized(snapshot)
    if not mine:
        return [not_this_cloud(layout, snapshot)]
    problems = _missing_files(layout, mine)
    readable = {}
    for name in mine:
        found = document_problems(name, snapshot[name], layout, nesting_checked)
        problems += found
        if not found:
            readable[name] = snapshot[name]
    problems += duplicate_problems(layout, readable)
    return problems + (layout.across(readable) if layout.across is not None else [])


def _folder(name: str) -> str:
    return name.rsplit("/", 1)[0] + "/" if "/" in name else ""


def _missing_files(layout: Layout, mine: list[str]) -> list[SnapshotProblem]:
    out = []
    for folder in sorted({_folder(n) for n in mine}):
        here = [n for n in mine if _folder(n) == folder]
        for shape in layout.files:
            if shape.required and not any(shape.matches(n) for n in here):
                what = f"the {layout.folder} folder" if folder else "the snapshot"
                out.append(SnapshotProblem(
                    f"{folder}{shape.title}", "", f"file is missing: every {layout.cloud} snapshot has one "
                    f"({shape.call}), and without it {what} would read as a network with nothing in it",
                    layout.fix))
    return out


def not_this_cloud(layout: Layout, snapshot: Snapshot) -> SnapshotProblem:
    """The problem of a snapshot holding no file of `layout`: which cloud it looks like, if any."""
    names = ", ".join(sorted({f.title for f in layout.files if f.required}))
    others = [(cloud, found) for cloud, found in _other_layouts(layout.cloud, snapshot) if found]
    if others:
        cloud, found = max(others, key=lambda o: len(o[1]))
        shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
        return SnapshotProblem("", "", f"this is not {_a(layout.cloud)} snapshot: it looks like {_a(cloud)} "
                               f"snapshot ({shown})", f"pass --cloud {cloud}, or the folder of {_a(layout.cloud)} "
                               f"snapshot (it holds {names})")
    return SnapshotProblem("", "", f"no file of {_a(layout.cloud)} snapshot found (expected {names})",
                           f"pass a folder written by `{layout.collect}`")


def _a(cloud: str) -> str:
    return f"{'an' if cloud[:1] in 'aeiou' else 'a'} {cloud}"


def _other_layouts(cloud: str, snapshot: Snapshot) -> Iterator[tuple[str, list[str]]]:
    from infra.registry import part, providers

    for other in sorted(providers()):
        if other == cloud:
            continue
        try:
            layout = getattr(part(other, "observe"), "SNAPSHOT_LAYOUT", None)
        except UsageError:  # that provider's extra is not installed: it cannot be what this is
            continue
        if layout is not None:  # in the layout's order: the files every snapshot has first name it best
            found = {n.rsplit("/", 1)[-1] for n in layout.recognized(snapshot)}
            yield other, [n for f in layout.files for n in sorted(found) if f.matches(n)]


def document_problems(name: str, document: Any, layout: Layout, nesting_checked: bool = False) -> list[SnapshotProblem]:
    """Every problem of one file against its shape (at most MAX_PER_FILE, then a count)."""
    shape = layout.shape_of(name)
    if shape is None:
        return []
    if not nesting_checked and too_deep(document):
        return [SnapshotProblem(name, "", f"the JSON nests deeper than {MAX_DEPTH} levels",
                                f"no {layout.cloud} API response does; {layout.fix}")]
    try:
        shape.model.model_validate(document)
    except ValidationError as exc:
        problems = [_problem(name, error, layout, shape) for error in exc.errors(include_url=False)]
    else:
        problems = layout.more(name, document) if layout.more is not None else []
    if len(problems) > MAX_PER_FILE:
        more = len(problems) - MAX_PER_FILE
        problems = problems[:MAX_PER_FILE] + [SnapshotProblem(
            name, "", f"and {more} more problem(s) like these", layout.fix)]
    return problems


def too_deep(document: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether the document nests more than `limit` lists/objects (iterative: no recursion).

    One level at a time: a snapshot holds ~100,000 objects, read twice per verify.
    """
    level = [document] if isinstance(document, dict | list) else []
    depth = 1
    while level:
        if depth > limit:
            return True
        level = [child for value in level for child in (value.values() if isinstance(value, dict) else value)
                 if isinstance(child, dict | list)]
        depth += 1
    return False


def json_path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "$"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return _text(value)


_EXPECTED = {
    "string_type": "text", "int_type": "a whole number", "int_from_float": "a whole number",
    "bool_type": "true or false", "list_type": "a list", "dict_type": "an object", "model_type": "an object",
    "model_attributes_type": "an object", "float_type": "a number",
}


_BOUNDS = {"greater_than_equal": "at least", "less_than_equal": "at most", "greater_than": "above",
           "less_than": "below"}


def _problem(name: str, error: Any, layout: Layout, shape: FileShape) -> SnapshotProblem:
    loc = tuple(error["loc"])
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return SnapshotProblem(name, json_path(loc), "missing", f"every such item the {layout.cloud} API returns "
                               f"has '{loc[-1]}'; {layout.fix}")
    if kind in _EXPECTED and not loc:
        keys = ", ".join(f'"{k}": ...' for k in shape.model.model_fields)
        what = f"the document is {_kind(value) if not isinstance(value, str) else 'text'}, not the " \
               f"{shape.call} response {{{keys}}}"
        return SnapshotProblem(name, "$", what, layout.fix)
    cause = (error.get("ctx") or {}).get("error")
    if kind == "value_error" and isinstance(cause, FixableValueError):
        return SnapshotProblem(name, json_path(loc), cause.what, cause.fix)
    return SnapshotProblem(name, json_path(loc), _what(error), layout.fix)


def _what(error: Any) -> str:
    """What is wrong with one value, as a pydantic error describes it (without where or the fix)."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "missing"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {_kind(value)}"
    if kind == "value_error" and isinstance(ctx.get("error"), FixableValueError):
        return str(ctx["error"].what)
    if kind in _BOUNDS:
        return f"{_kind(value)} is out of range ({_BOUNDS[kind]} {next(iter(ctx.values()), '?')})"
    if kind == "literal_error":
        return f"{_kind(value)} is not one of {ctx.get('expected', '')}"
    return str(error["msg"])


def embedded_document(text: str, model: type[Shape], what: str, fix: str) -> None:
    """Check a JSON document an API returns as text (an AWS policy document) against `model`.

    Raise FixableValueError naming the path inside the document (the first problem, then a
    count), so the snapshot's line locates both the key holding the text and the spot in it.
    """
    deep = f"{what} nests deeper than {MAX_DEPTH} levels"
    try:
        document = json.loads(text)
    except ValueError:
        raise FixableValueError(f"{what} is not JSON text", fix) from None
    except RecursionError:  # deeper than the parser goes, so far deeper than the limit
        raise FixableValueError(deep, fix) from None
    if too_deep(document):
        raise FixableValueError(deep, fix)
    try:
        model.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise FixableValueError(f"{what}: {json_path(tuple(first['loc']))}: {_what(first)}{more}", fix) from None


def wrong_place(model: str, cloud: str, where: str, seen: str, expected: str, declared: str | None) -> WrongPlace:
    """The one line every cloud gives when none of the model's resources are where it looked."""
    hint = f" (the model declares {declared})" if declared else ""
    return WrongPlace(f"{model}: nothing of the model was found on {cloud} in {where}: {seen}; expected {expected}"
                      f"{hint}; read the place the model is deployed in, or deploy it")
