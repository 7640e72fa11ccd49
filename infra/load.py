"""YAML -> Model with located diagnostics (`file:line:col: model.path: what; fix`).

Every problem is collected before anything is reported: YAML syntax, duplicate keys (YAML
loaders silently keep the last one), schema errors from pydantic, then cross-references.
Lines come from the composed YAML node tree, so a problem deep in a flow list points at
the exact item.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infra.errors import Diagnostic, ModelError, Problem
from infra.model import (
    CLOUDS,
    SERVICES,
    AwsCloud,
    AzureCloud,
    Clouds,
    Flow,
    GcpCloud,
    Internet,
    Model,
    Segment,
    reference_problems,
)

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceMap:
    """Where each model path sits in the file: the composed YAML node tree."""

    file: str
    root: Node | None

    def locate(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the deepest node on `loc`; of the key itself if `key`."""
        node = self.root
        mark = node.start_mark if node is not None else None
        for step in loc:
            if isinstance(node, MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == step), None)
                if pair is None:
                    break
                mark = pair[0].start_mark if key and step == loc[-1] else pair[1].start_mark
                node = pair[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                mark = node.start_mark
            else:
                break
        return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)

    def diagnostic(self, loc: Loc, message: str, fix: str, key: bool = False) -> Diagnostic:
        line, col = self.locate(loc, key)
        return Diagnostic(self.file, line, col, dotted(loc), message, fix)

    def fail(self, problems: list[Problem]) -> ModelError:
        return ModelError([self.diagnostic(p.loc, p.message, p.fix) for p in problems])


@dataclass(frozen=True)
class Loaded:
    model: Model
    source: SourceMap
    text: str


def dotted(loc: Loc) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def load_model(path: str | Path) -> Loaded:
    """Read, parse and validate a model file; raise ModelError listing every problem."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError([Diagnostic(file, 1, 1, "", "file does not exist",
                                     "check the path, or start from examples/minimal.yaml")]) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ModelError([Diagnostic(file, 1, 1, "", f"cannot read the file ({exc.__class__.__name__})",
                                     "pass a readable UTF-8 YAML file")]) from None
    return parse_model(text, file)


def parse_model(text: str, file: str = "<model>") -> Loaded:
    root = _compose(text, file)
    source = SourceMap(file, root)
    if root is None:
        raise ModelError([Diagnostic(file, 1, 1, "", "the file is empty",
                                     "start from examples/minimal.yaml")])
    if not isinstance(root, MappingNode):
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        raise source.fail([Problem((), f"the top level is {kind}, not a mapping",
                                   "write name:, clouds:, segments: and flows: at the top level")])
    duplicates = list(_duplicate_keys(root, ()))
    data = _construct(text)
    problems: list[Diagnostic] = [source.diagnostic(loc, msg, fix, key=True) for loc, msg, fix in duplicates]
    try:
        model = Model.model_validate(data)
    except ValidationError as exc:
        problems += [_diagnostic(source, data, err) for err in exc.errors()]
        raise ModelError(_dedupe(problems)) from None
    problems += [source.diagnostic(p.loc, p.message, p.fix) for p in reference_problems(model)]
    if problems:
        raise ModelError(_dedupe(problems))
    return Loaded(model, source, text)


def _compose(text: str, file: str) -> Node | None:
    try:
        return YAML(typ="rt").compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = (exc.problem or exc.context or "invalid YAML").strip()
        raise ModelError([Diagnostic(file, line, col, "", f"invalid YAML: {what}",
                                     "fix the syntax (indentation, a missing ':' or quote)")]) from None


def _construct(text: str) -> Any:
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_duplicate_keys = True  # reported separately with both lines
    # Round-trip through JSON so YAML-only types (dates, sets) become plain strings or fail.
    return json.loads(json.dumps(yaml.load(text), default=str))


def _duplicate_keys(node: Node, loc: Loc):
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else str(key)
            if name in seen:
                yield (loc + (name,), f"duplicate key '{name}' (first at line {seen[name]}); "
                       "YAML keeps only the last one", "merge the two entries into one")
            else:
                seen[name] = key.start_mark.line + 1
            yield from _duplicate_keys(value, loc + (name,))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, loc + (i,))


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diags))


# --- pydantic errors -> one clear line each -----------------------------------------------

_ALLOWED: list[tuple[Loc, type[BaseModel]]] = [
    (("clouds", "aws"), AwsCloud), (("clouds", "gcp"), GcpCloud), (("clouds", "azure"), AzureCloud),
    (("clouds",), Clouds), (("segments", "*", "internet"), Internet), (("segments", "*"), Segment),
    (("flows", "*"), Flow), ((), Model),
]


def _keys_of(loc: Loc) -> list[str]:
    for pattern, cls in _ALLOWED:
        if len(pattern) == len(loc) and all(p in ("*", s) for p, s in zip(pattern, loc, strict=True)):
            return [f.alias or name for name, f in cls.model_fields.items()]
    return []


def _value_at(data: Any, loc: Loc) -> Any:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _diagnostic(source: SourceMap, data: Any, err: Any) -> Diagnostic:
    loc: Loc = tuple(err["loc"])
    kind, msg = err["type"], err["msg"].removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":  # an invalid segment name (a dict key)
        loc = loc[:-1]
        return source.diagnostic(loc, f"segment name {msg}", "rename the segment", key=True)
    if kind == "extra_forbidden":
        allowed = _keys_of(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
        return source.diagnostic(loc, f"unknown key '{loc[-1]}'", fix, key=True)
    if kind == "missing":
        return source.diagnostic(loc[:-1], f"missing required key '{loc[-1]}'",
                                 f"add {loc[-1]}: under {dotted(loc[:-1]) or 'the top level'}")
    if kind == "literal_error":
        value = _value_at(data, loc)
        vocab = CLOUDS if "clouds" in loc else SERVICES
        what = "cloud" if "clouds" in loc else "service"
        close = difflib.get_close_matches(str(value), vocab, n=1)
        fix = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(vocab)}"
        return source.diagnostic(loc, f"unknown {what} '{value}'", fix)
    fix = _FIXES.get(kind, "see examples/ai-platform.yaml for the expected shape")
    return source.diagnostic(loc, msg[0].lower() + msg[1:] if msg else kind, fix)


_FIXES = {
    "dict_type": "write a mapping (key: value lines)",
    "model_type": "write a mapping (key: value lines)",
    "tuple_type": "write a list ([a, b] or '- a' lines)",
    "list_type": "write a list ([a, b] or '- a' lines)",
    "string_type": "write a text value",
    "int_type": "write a whole number",
    "int_parsing": "write a whole number",
    "too_short": "add at least one entry",
    "greater_than_equal": "use a larger value",
    "less_than_equal": "use a smaller value",
    "value_error": "",
}
