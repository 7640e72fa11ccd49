"""Waivers: posture findings a team has accepted, for a reason and until a date.

They live in `bulkhead.waivers.yaml` next to the model:

    waivers:
      - check: BH-AWS-ROUTE-LEAVES-VPC
        resource: aws:rtb/rtb-0a1        # the finding's resource (its first evidence id), or
        # segment: serving               # every resource of one segment
        reason: the transit gateway is verified by the network team's own checks
        expires: 2026-06-30              # waives through this day, then the finding is back

Only posture findings can be waived: a path that differs from the model is fixed in the model
or the cloud, never accepted on the side. An expired waiver stops waiving and is reported as
such, so an acceptance cannot outlive its review. Bad entries are located problems (exit 2),
and so is a second entry for the same check on the same resource or segment: whichever of the two
waives is a guess, and when one expires the other keeps waiving, so the review it asks for never
comes. A waiver for a check of a cloud the model does not declare only warns (`stray_waivers`):
models of several clouds may sit in one folder and share the file.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from infra.checks import Check, cloud_of, declared_checks
from infra.errors import Diagnostic, ModelError, Problem, UsageError
from infra.load import SourceMap
from infra.verify import Finding, Report
from infra.yaml_parse import parse, read_limited

WAIVERS_FILE = "bulkhead.waivers.yaml"
KEYS = ("check", "resource", "segment", "reason", "expires")
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    expires: date  # the last day it waives
    resource: str | None = None
    segment: str | None = None
    file: str = WAIVERS_FILE
    line: int = 1
    index: int = 0
    column: int = 1

    @property
    def name(self) -> str:
        return f"waivers[{self.index}]"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def target(self) -> tuple[str, str, str]:
        """What it waives: its check on its segment, or on its resource as the bare id (`aws:rtb/<id>`
        and `<id>` name the same finding)."""
        if self.segment is not None:
            return (self.check, "segment", self.segment)
        resource = self.resource or ""
        kind, slash, bare = resource.partition("/")
        return (self.check, "resource", bare if slash and ":" in kind else resource)

    def expired(self, today: date) -> bool:
        return today > self.expires

    def matches(self, finding: Finding) -> bool:
        """The finding is this waiver's check, on its resource (full evidence id or bare id) or segment."""
        if finding.kind != "posture" or finding.check != self.check:
            return False
        if self.segment is not None:
            return finding.src == self.segment
        resource = finding.evidence[0] if finding.evidence else ""
        return self.resource in (resource, resource.partition("/")[2])  # `aws:rtb/<id>` or `<id>`


@dataclass(frozen=True)
class Match:
    """A finding a waiver names; `expired` waivers no longer waive it."""

    finding: Finding
    waiver: Waiver
    expired: bool


@dataclass(frozen=True)
class Waived:
    """A report with its waived findings taken out, and every waiver that named a finding."""

    report: Report
    matches: tuple[Match, ...] = ()

    @property
    def waived(self) -> tuple[Match, ...]:
        return tuple(m for m in self.matches if not m.expired)

    @property
    def expired(self) -> tuple[Match, ...]:
        return tuple(m for m in self.matches if m.expired)

    def waiver_of(self, finding: Finding) -> Match | None:
        return next((m for m in self.matches if m.finding == finding), None)


def apply_waivers(report: Report, waivers: Iterable[Waiver], today: date) -> Waived:
    """Take out every posture finding a live waiver names; remember the expired ones that name one."""
    waivers = tuple(waivers)
    kept: list[Finding] = []
    matches: list[Match] = []
    for finding in report.findings:
        named = [w for w in waivers if w.matches(finding)]
        live = next((w for w in named if not w.expired(today)), None)
        if live is not None:
            matches.append(Match(finding, live, False))
            continue
        if named:
            matches.append(Match(finding, max(named, key=lambda w: w.expires), True))
        kept.append(finding)
    return Waived(replace(report, findings=tuple(kept), matches_intent=not kept), tuple(matches))


def waivers_path(model_file: Path) -> Path:
    """Where a model's waivers live: next to it."""
    return model_file.parent / WAIVERS_FILE


def waivers_file(model_file: Path, override: Path | None) -> Path | None:
    """The waivers file a run reads: `override` (--waivers), else the one next to the model; None when the
    model has none. Anything at that name counts, readable or not: a folder or a dangling symlink there is
    a mistake to report (load_waivers does), never a reason to waive nothing in silence."""
    path = override if override is not None else waivers_path(model_file)
    if override is not None and override.is_dir():
        raise UsageError(f"--waivers {override}: is a directory, not a file; pass the waivers file itself, "
                         f"e.g. {override / WAIVERS_FILE}")
    if os.path.lexists(path):
        return path
    if override is not None:
        raise UsageError(f"--waivers {override}: no such file; check the path")
    return None


def load_waivers(path: Path, checks: Mapping[str, Check], segments: Iterable[str] | None = None) -> tuple[Waiver, ...]:
    """Read and check a waivers file; raise ModelError listing every bad entry with its line.

    `checks` are the declared posture checks (a waiver for an unknown id would waive nothing);
    `segments`, when given, the model's segment names.
    """
    file = str(path)
    try:
        text = read_limited(path, file)  # the model's reader: the same size limit, whatever the file is
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError([Diagnostic(file, 1, 1, "", f"cannot read the waivers file ({_unreadable(path, exc)})",
                                     "make it a readable UTF-8 YAML file, or remove it")]) from None
    composed = parse(text, file)  # the model's parser: same limits, same located syntax errors
    if composed.problems:
        raise ModelError(list(composed.problems))
    source = SourceMap(file, composed.root)
    if composed.root is None:
        return ()
    data = composed.data if composed.root.kind == "mapping" else None
    if not isinstance(data, dict) or set(data) - {"waivers"}:
        raise source.fail([Problem((), "a waivers file holds one key, waivers: a list of entries",
                                   "write waivers: and under it '- check: ...' entries")])
    entries = data.get("waivers") or []
    if not isinstance(entries, list):
        raise source.fail([Problem(("waivers",), "waivers must be a list", "write '- check: ...' entries under it")])
    known_segments = None if segments is None else list(segments)
    problems: list[Problem] = []
    waivers: list[Waiver] = []
    for i, entry in enumerate(entries):
        found = list(_entry_problems(("waivers", i), entry, checks, known_segments))
        problems += found
        if not found:
            line, column = source.locate(("waivers", i))
            waivers.append(_waiver(entry, file, line, column, i))
    problems += _duplicate_problems(waivers)
    if problems:
        raise source.fail(problems)
    return tuple(waivers)


def _unreadable(path: Path, exc: OSError | UnicodeDecodeError) -> str:
    """Why the waivers file could not be read, in words: a dangling symlink is not `No such file`."""
    if path.is_symlink() and not path.exists():
        return f"a symlink to {os.readlink(path)}, which does not exist"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return exc.__class__.__name__


def _waiver(entry: dict[str, Any], file: str, line: int, column: int, index: int) -> Waiver:
    return Waiver(entry["check"], entry["reason"].strip(), date.fromisoformat(str(entry["expires"])),
                  entry.get("resource"), entry.get("segment"), file, line, index, column)


def _duplicate_problems(waivers: list[Waiver]) -> Iterator[Problem]:
    """A second waiver of the same check on the same resource or segment, located with the first."""
    first: dict[tuple[str, str, str], Waiver] = {}
    for waiver in waivers:
        check, key, _ = waiver.target
        earlier = first.setdefault(waiver.target, waiver)
        if earlier is not waiver:
            written = getattr(waiver, key)
            yield Problem(("waivers", waiver.index), f"a second waiver of {check} on {key} {written}, after "
                          f"{earlier.name}", "keep one entry per finding, with one reason and one expires date",
                          see=("waivers", earlier.index))


def stray_waivers(waivers: Iterable[Waiver], clouds: Iterable[str]) -> list[Diagnostic]:
    """Warnings for waivers of checks that belong to none of `clouds` (the model's): they waive nothing
    for this model. Not errors: the file next to a model may be shared with a model of another cloud."""
    clouds = sorted(clouds)
    here = {check for cloud in clouds for check in declared_checks(cloud)}
    return [Diagnostic(w.file, w.line, w.column, f"{w.name}.check",
                       f"{w.check} is a check of {cloud_of(w.check) or 'another cloud'}, which the model does not "
                       f"declare (it declares {', '.join(clouds)}); this waiver waives nothing here",
                       "remove it, or keep it only if a model of that cloud shares this folder")
            for w in waivers if w.check not in here]


def _entry_problems(loc: Loc, entry: Any, checks: Mapping[str, Check],
                    segments: list[str] | None) -> Iterator[Problem]:
    if not isinstance(entry, dict):
        yield Problem(loc, "a waiver must be a mapping", "write check:, resource: (or segment:), reason: and expires:")
        return
    for key in entry:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            yield Problem(loc + (key,), f"unknown key '{key}'",
                          f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(KEYS)}", key=True)
    for key in ("check", "reason", "expires"):
        if key not in entry:
            yield Problem(loc, f"missing required key '{key}'", _MISSING[key])
        elif isinstance(entry[key], str) and not entry[key].strip():
            yield Problem(loc + (key,), _EMPTY[key], _MISSING[key])
        elif not isinstance(entry[key], str):
            yield Problem(loc + (key,), f"{key} must be text, not {entry[key]!r}", _MISSING[key])
    yield from _check_problems(loc, entry.get("check"), checks)
    yield from _target_problems(loc, entry, segments)
    yield from _expiry_problems(loc, entry.get("expires"))


_EMPTY = {
    "check": "check is empty",
    "reason": "reason must say why the finding is accepted (it is empty)",
    "expires": "expires is empty",
}
_MISSING = {
    "check": "name the check id the finding carries, e.g. check: BH-AWS-FLOWLOGS-OFF",
    "reason": "say why the finding is accepted (reviewers read it)",
    "expires": "give the last day the waiver holds, e.g. expires: 2026-06-30",
}


def _check_problems(loc: Loc, check: object, checks: Mapping[str, Check]) -> Iterator[Problem]:
    if isinstance(check, str) and check.strip() and check not in checks:
        # Ids are upper case and compared as written; matched here without case, so `bh-aws-...` gets its id.
        close = difflib.get_close_matches(check.upper(), list(checks), n=1)
        case = "check ids are upper case" if check != check.upper() else ""
        if close:
            fix = f"did you mean '{close[0]}'?" + (f" ({case})" if case else "")
        else:
            fix = "use an id from docs/checks.md" + (f"; {case}" if case else "")
        yield Problem(loc + ("check",), f"unknown check '{check}'", fix)


def _target_problems(loc: Loc, entry: dict[str, Any], segments: list[str] | None) -> Iterator[Problem]:
    named = [key for key in ("resource", "segment") if key in entry]
    if len(named) != 1:
        what = "both resource and segment" if named else "neither resource nor segment"
        yield Problem(loc, f"the waiver names {what}",
                      "name exactly one: the finding's resource (its first evidence id) or its segment")
        return
    key = named[0]
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        yield Problem(loc + (key,), f"{key} must be text, not {value!r}", f"write the {key} the finding names")
    elif key == "segment" and segments is not None and value not in segments:
        close = difflib.get_close_matches(value, segments, n=1)
        yield Problem(loc + (key,), f"unknown segment '{value}'",
                      f"did you mean '{close[0]}'?" if close else "name a segment of the model")


def _expiry_problems(loc: Loc, expires: object) -> Iterator[Problem]:
    if not isinstance(expires, str) or not expires.strip():
        return  # reported as missing or not text above
    try:
        date.fromisoformat(expires)
    except ValueError:
        yield Problem(loc + ("expires",), f"expires {expires!r} is not a date",
                      "write it as YYYY-MM-DD, e.g. 2026-06-30")
