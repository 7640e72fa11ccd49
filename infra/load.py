"""YAML -> Model with located diagnostics (`file:line:col: model.path: what; fix`).

Every problem is collected before anything is reported: YAML syntax, duplicate keys (YAML
loaders silently keep the last one), schema errors from pydantic, then cross-references.
Lines come from the composed YAML node tree, so a problem deep in a flow list points at
the exact item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infra.contradictions import guardrail_problems
from infra.errors import Diagnostic, ModelError, Problem
from infra.explain import explain, salvage
from infra.model import Model, reference_problems

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceMap:
    """Where each model path sits in the file: the composed YAML node tree."""

    file: str
    root: Node | None

    def locate(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the deepest node on `loc` that exists.

        Points at the key instead of the value when `key` is set (the problem is the name)
        or when the value is a block mapping or list, whose first line would be misleading.
        """
        node = self.root
        mark = node.start_mark if node is not None else None
        for depth, step in enumerate(loc):
            if isinstance(node, MappingNode):
                # The first of duplicated keys: the one the constructor (so validation) keeps.
                pair = next(((k, v) for k, v in node.value if str(k.value) == str(step)), None)
                if pair is None:
                    break
                name, node = pair
                at_key = (key and depth == len(loc) - 1) or _is_block(node)
                mark = name.start_mark if at_key else node.start_mark
            elif isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                mark = node.start_mark
            else:
                break
        return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)

    def diagnostic(self, loc: Loc, message: str, fix: str, key: bool = False) -> Diagnostic:
        line, col = self.locate(loc, key)
        return Diagnostic(self.file, line, col, dotted(loc), message, fix)

    def problem(self, problem: Problem) -> Diagnostic:
        """The problem at its place; a second place it involves (`see`) is named with its line."""
        message = problem.message
        if problem.see:
            line, col = self.locate(problem.see, key=True)
            message = f"{message} (at {self.file}:{line}:{col})"
        return self.diagnostic(problem.loc, message, problem.fix, problem.key)

    def fail(self, problems: list[Problem]) -> ModelError:
        return ModelError([self.problem(p) for p in problems])


def _is_block(node: Node) -> bool:
    return isinstance(node, MappingNode | SequenceNode) and not node.flow_style


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
    data = _construct(root, file)
    diagnostics = list(_duplicate_keys(source, root, ()))
    try:
        model = Model.model_validate(data)
    except ValidationError as exc:
        problems = [explain(err, data) for err in exc.errors()]
        problems += _problems_of_valid_parts(data, problems)
    else:
        problems = reference_problems(model) + guardrail_problems(model)
    diagnostics += [source.problem(p) for p in problems]
    if diagnostics:
        raise ModelError(_dedupe(diagnostics))
    return Loaded(model, source, text)


def _problems_of_valid_parts(data: Any, found: list[Problem]) -> list[Problem]:
    """Cross-reference problems among the parts that did validate, minus echoes of `found`."""
    salvaged = salvage(data)
    if salvaged is None:
        return []
    model, flow_index, guardrail_index = salvaged

    def related(a: Loc, b: Loc) -> bool:
        n = min(len(a), len(b))
        return a[:n] == b[:n]

    problems = reference_problems(model, flow_index) + guardrail_problems(model, flow_index, guardrail_index)
    return [p for p in problems if not any(related(p.loc, f.loc) for f in found)]


def _compose(text: str, file: str) -> Node | None:
    # The safe parser: the round-trip one also tracks comments, which costs twice the time
    # on big models and which the loader does not need (only `bulkhead pin` keeps them).
    try:
        return YAML(typ="safe", pure=True).compose(text)
    except MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None


def _syntax_error(exc: MarkedYAMLError, file: str) -> ModelError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = (exc.problem or exc.context or "invalid YAML").strip()
    hint = next((h for words, h in _SYNTAX_HINTS if words in what), "")
    return ModelError([Diagnostic(file, line, col, "", f"invalid YAML: {what}{hint}",
                                  "fix the syntax (indentation, a missing ':', quote or bracket)")])


# ruamel's wording is about parser states; say what the author most likely did.
_SYNTAX_HINTS = [
    ("expected <block end>", " (this line is indented differently from the lines above it)"),
    ("mapping values are not allowed", " (a ':' where YAML expects a value; quote it or fix the indentation)"),
    ("expected ',' or ']'", " (a '[' list is not closed)"),
    ("expected ',' or '}'", " (a '{' mapping is not closed)"),
    ("found character '\\t'", " (YAML does not allow tabs for indentation)"),
]


class _TextDates(SafeConstructor):
    """Dates stay the text they were written as: `2024-02-30` is a value to check, not a crash."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def _construct(root: Node, file: str) -> Any:
    """Python data from the composed nodes (the text is parsed once)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _TextDates
    yaml.allow_duplicate_keys = True  # reported separately with both lines; the first one is kept
    try:
        data = yaml.constructor.construct_document(root)
    except MarkedYAMLError as exc:  # e.g. an unknown !tag: composing succeeded, building did not
        raise _syntax_error(exc, file) from None
    # Round-trip through JSON so YAML-only types (dates, sets) become plain strings.
    return json.loads(json.dumps(data, default=str))


def _duplicate_keys(source: SourceMap, node: Node, loc: Loc) -> Iterator[Diagnostic]:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value) if isinstance(key, ScalarNode) else str(key)
            mark = key.start_mark
            if name in seen:
                yield Diagnostic(source.file, mark.line + 1, mark.column + 1, dotted(loc + (name,)),
                                 f"duplicate key '{name}' (first at line {seen[name]}); YAML tools disagree "
                                 "on which one wins", "merge the two entries into one")
            else:
                seen[name] = mark.line + 1
            yield from _duplicate_keys(source, value, loc + (name,))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(source, item, loc + (i,))


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diags))
