"""A folder tree of manifests (what people keep in Git) as a snapshot: `--snapshot DIR` for kubernetes.

Every `*.yaml`, `*.yml` and `*.json` file under DIR is read (hidden folders such as `.git`
skipped), with every `---` document in it; `kind: List` and typed lists are opened by the
normalizer (objects.py), like the `<Kind>List` files `collect` writes. Documents that are not
Kubernetes objects (no `apiVersion`/`kind`: a Helm values file, a bulkhead model) are ignored.
Broken YAML or JSON, and objects the API server would refuse, are located errors
(`file:line:col: what; fix`): nothing malformed is taken for cluster state.

YAML is parsed with libyaml when available, with the tags of repeated plain scalars cached and
the documents built straight from the nodes (a 3,000-document folder in about half the time of
PyYAML's own constructor; bench/RESULTS.md); only a file with a problem is parsed again with
line marks to say where.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError as RuamelMarkedError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from infra.errors import Diagnostic, ModelError, UsageError
from infra.load import SourceMap, dotted
from infra.snapshot import Snapshot
from providers.kubernetes.observe import shapes
from providers.kubernetes.observe.objects import CORE, TEMPLATES, CheckedSnapshot, Obj, objects

SUFFIXES = (".yaml", ".yml", ".json")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CParser = getattr(yaml, "CParser", None)  # libyaml's parser and composer, when PyYAML was built with it
STR = "tag:yaml.org,2002:str"
MERGE = "tag:yaml.org,2002:merge"


class _CachedResolver(Resolver):
    """Plain scalars resolve by their text alone: manifests repeat the same keys thousands of times."""

    _tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and isinstance(value, str):
            tag = self._tags.get(value)
            if tag is None:
                if len(self._tags) > 200_000:
                    self._tags.clear()
                tag = self._tags[value] = Resolver.resolve(self, kind, value, implicit)
            return tag
        return Resolver.resolve(self, kind, value, implicit)


def _composer() -> type | None:
    """libyaml's parser and composer with the cached resolver (None without libyaml)."""
    if _CParser is None:
        return None

    class Composer(_CParser, SafeConstructor, _CachedResolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str):
            _CParser.__init__(self, stream)  # type: ignore[misc]
            SafeConstructor.__init__(self)
            _CachedResolver.__init__(self)

    return Composer


_COMPOSER = _composer()
_SCALARS = SafeConstructor()


def _value(node: Node) -> Any:
    """A composed node as Python data, as SafeLoader builds it, without its per-node bookkeeping."""
    if node.__class__ is ScalarNode:
        return node.value if node.tag == STR else _SCALARS.construct_object(node, deep=True)
    if node.__class__ is MappingNode:
        if any(k.tag == MERGE for k, _ in node.value):
            return SafeConstructor().construct_document(node)  # `<<:` merge keys: the full constructor
        return {_value(k): _value(v) for k, v in node.value}
    return [_value(item) for item in node.value]


def _load_all(text: str) -> list[Any]:
    if _COMPOSER is None:
        return list(yaml.load_all(text, Loader=LOADER))
    try:
        return [_value(node) for node in yaml.compose_all(text, Loader=_COMPOSER)]
    except TypeError:  # a mapping key that is itself a mapping or list: let PyYAML say so
        return list(yaml.load_all(text, Loader=LOADER))


def read_snapshot(directory: str | Path) -> Snapshot:
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{directory}: snapshot directory does not exist; pass a folder of Kubernetes "
                         "manifests or one written by `bulkhead collect --cloud kubernetes`")
    snapshot = CheckedSnapshot()
    texts: dict[str, str] = {}
    diagnostics: list[Diagnostic] = []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()):
        name = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts[:-1]):
            continue
        shown = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            diagnostics.append(Diagnostic(shown, 1, 1, "", f"cannot read the file ({exc.__class__.__name__})",
                                          "save it as UTF-8 text, or move it out of the folder"))
            continue
        documents, problem = _parse(text, shown, path.suffix.lower() == ".json")
        if problem is not None:
            diagnostics.append(problem)
            continue
        snapshot[name], texts[name] = documents, text
    diagnostics += _object_problems(snapshot, texts, root)
    if diagnostics:
        raise ModelError(diagnostics)
    if not any(True for _ in objects(snapshot)):
        raise UsageError(f"{directory}: no Kubernetes objects (Namespaces, Pods, workloads, NetworkPolicies) "
                         "found in its *.yaml, *.yml or *.json files")
    return snapshot


def _parse(text: str, shown: str, is_json: bool) -> tuple[list[Any], Diagnostic | None]:
    if is_json:
        try:
            return [json.loads(text)], None
        except json.JSONDecodeError as exc:
            return [], Diagnostic(shown, exc.lineno, exc.colno, "", f"invalid JSON: {exc.msg}",
                                  "fix the syntax (a missing comma, quote or bracket)")
    try:
        return _load_all(text), None  # empty documents kept: indexes match the marks
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = (exc.problem or exc.context or "invalid YAML").strip()
        return [], Diagnostic(shown, line, col, "", f"invalid YAML: {what}",
                              "fix the syntax (indentation, a missing ':', quote or bracket)")
    except yaml.YAMLError as exc:
        return [], Diagnostic(shown, 1, 1, "", f"invalid YAML: {exc}", "fix the syntax")


def _object_problems(snapshot: Snapshot, texts: dict[str, str], root: Path) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    where: dict[str, _Locator] = {}

    def locate(file: str) -> _Locator:
        if file not in where:
            where[file] = _Locator(str(root / file), texts[file])
        return where[file]

    for file, documents in snapshot.items():
        for index, document in enumerate(documents):
            if isinstance(document, dict) and _needs_version(document):
                out.append(locate(file).at(index, ("kind",), f"a {document['kind']} without apiVersion",
                                           "add apiVersion (e.g. networking.k8s.io/v1)"))
    seen: dict[tuple[str, str, str, str], Obj] = {}
    for obj in objects(snapshot):
        for problem in shapes.problems(obj):
            out.append(locate(obj.origin.file).at(obj.origin.document, obj.origin.path() + problem.path,
                                                  f"{obj.ref()}: {problem.message}", problem.fix))
        key = (obj.group, obj.kind, obj.namespace if obj.kind != "Namespace" else "", obj.name)
        if key in seen and obj.name:
            first = seen[key].origin
            out.append(locate(obj.origin.file).at(obj.origin.document, obj.origin.path() + ("metadata", "name"),
                                                  f"{obj.ref()} is also defined in {first}",
                                                  "keep one definition (the API keeps only the last one applied)"))
        seen.setdefault(key, obj)
    return out


def _needs_version(document: dict[str, Any]) -> bool:
    """A document of a kind bulkhead evaluates that the API would refuse for lack of apiVersion."""
    kind = document.get("kind")
    return isinstance(kind, str) and "apiVersion" not in document and kind in {*CORE, *TEMPLATES, "NetworkPolicy"}


class _Locator:
    """Line marks of one file's documents, parsed only when a problem needs them."""

    def __init__(self, shown: str, text: str):
        self.shown = shown
        try:
            self.nodes = list(YAML(typ="safe", pure=True).compose_all(text))
        except RuamelMarkedError:
            self.nodes = []

    def at(self, document: int, path: tuple[str | int, ...], message: str, fix: str) -> Diagnostic:
        node = self.nodes[document] if document < len(self.nodes) else None
        line, col = SourceMap(self.shown, node).locate(path) if node is not None else (1, 1)
        return Diagnostic(self.shown, line, col, dotted(path), message, fix)

