"""YAML -> Model with located diagnostics (`file:line:col: model.path: what; fix`).

Every problem is collected before anything is reported: YAML syntax, duplicate keys (YAML
loaders silently keep the last one), schema errors from pydantic, then cross-references.
Lines come from the composed YAML node tree, so a problem deep in a flow list points at
the exact item. Parsing (libyaml or ruamel.yaml, and the limits a file must stay within)
is infra/yaml_parse.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.contradictions import guardrail_problems
from infra.errors import Diagnostic, ModelError, Problem
from infra.explain import explain, salvage
from infra.model import Model, reference_problems
from infra.yaml_compose import Loc, Node, dotted
from infra.yaml_parse import parse, read_limited

__all__ = ["Loaded", "Loc", "SourceMap", "dotted", "load_model", "parse_model"]


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
        at: Node | None = node
        for depth, step in enumerate(loc):
            if node is not None and node.kind == "mapping":
                # The first of duplicated keys: the one the composer (so validation) keeps.
                pair = next(((k, v) for k, v in node.value if str(k.value) == str(step)), None)
                if pair is None:
                    break
                name, node = pair
                at = name if (key and depth == len(loc) - 1) or _is_block(node) else node
            elif node is not None and node.kind == "sequence" and isinstance(step, int) and step < len(node.value):
                node = at = node.value[step]
            else:
                break
        return (at.line, at.column) if at is not None else (1, 1)

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
    return node.kind != "scalar" and not node.flow


@dataclass(frozen=True)
class Loaded:
    model: Model
    source: SourceMap
    text: str


def load_model(path: str | Path) -> Loaded:
    """Read, parse and validate a model file; raise ModelError listing every problem."""
    file = str(path)
    try:
        text = read_limited(Path(path), file)
    except FileNotFoundError:
        raise ModelError([Diagnostic(file, 1, 1, "", "file does not exist",
                                     "check the path, or start from examples/minimal.yaml")]) from None
    except (OSError, UnicodeDecodeError) as exc:  # a directory, no permission, a name too long, a symlink loop...
        raise ModelError([Diagnostic(file, 1, 1, "", f"cannot read the file ({_reason(exc)})",
                                     "pass a readable UTF-8 YAML file")]) from None
    return parse_model(text, file)


def _reason(exc: OSError | UnicodeDecodeError) -> str:
    """Why a file could not be read: its errno's words (`File name too long`), else the error's name."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return exc.__class__.__name__


def parse_model(text: str, file: str = "<model>") -> Loaded:
    composed = parse(text, file)
    root, data = composed.root, composed.data
    source = SourceMap(file, root)
    if root is None:
        raise ModelError([Diagnostic(file, 1, 1, "", "the file is empty",
                                     "start from examples/minimal.yaml")])
    if root.kind != "mapping":
        kind = "a list" if root.kind == "sequence" else "a single value"
        raise source.fail([Problem((), f"the top level is {kind}, not a mapping",
                                   "write name:, clouds:, segments: and flows: at the top level")])
    diagnostics = list(composed.problems)
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


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diags))
