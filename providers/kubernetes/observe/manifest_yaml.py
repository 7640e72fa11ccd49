"""One manifest file's text -> its documents, with the line marks to locate a problem in them.

YAML goes through bulkhead's own YAML layer (infra/yaml_parse.py: libyaml's events composed
by infra/yaml_compose.py), the one the model loader uses, so a manifest folder gets the same
limits (nesting depth, values once aliases are expanded, file size, characters YAML does not
allow) and the same located messages. Two things differ from a model, and are set here:

- Manifests mean what kubectl reads, and kubectl reads YAML 1.1 scalars (its YAML library
  resolves `on`, `yes` and `off` to booleans and `010` to eight), so a label written
  `enabled: on` is a boolean, which the API refuses as a label value, here too. Timestamps
  stay the text written (the API's JSON has no other kind).
- A file may hold any number of `---` documents, and objects nest deeper than a model does
  (a CustomResourceDefinition's schema): the limits are per file and larger.

JSON files are read by the json module (much faster than any YAML parser); only when a
problem must be located in one is it composed again, through the same layer, for its marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from infra.errors import Diagnostic, ModelError
from infra.load import SourceMap, dotted
from infra.shapes import too_deep
from infra.snapshot import BadJson, KeyTwice, NumberTooLarge, load_json
from infra.yaml_compose import Limits, Node, Scalars
from infra.yaml_parse import parse_documents
from infra.yaml_scalars import BOOL, FLOAT, INT, NULL, SCALAR_TAGS, STR

MAX_BYTES = 64 * 1024 * 1024  # `kubectl get -A -o yaml` of a large cluster is tens of MB
LIMITS = Limits(
    depth=100,  # a Deployment is ~10 levels deep, a CustomResourceDefinition's schema a few dozen
    values=10_000_000,  # per file, aliases expanded: a 64 MB file holds a few million
    documents=None,
    subject="the file",
    depth_fix="no Kubernetes object nests this deep; split the value or move the file out of the folder",
    tag_fix="remove the tag; a manifest uses plain YAML values")
WHAT = "a manifest"
SYNTAX_FIX = "fix the syntax (a missing comma, quote or bracket)"
LONG_NUMBER_FIX = "write the number the object means (no Kubernetes field holds one this long)"

_RESOLVER = Resolver()  # PyYAML's YAML 1.1 rules, as kubectl's YAML library applies them
_CONSTRUCTOR = SafeConstructor()
_BUILD = {INT: SafeConstructor.construct_yaml_int, FLOAT: SafeConstructor.construct_yaml_float,
          BOOL: SafeConstructor.construct_yaml_bool}
_tags: dict[str, str] = {}  # manifests repeat the same keys and values thousands of times


def _resolve(text: str) -> str:
    tag = _tags.get(text)
    if tag is None:
        tag = _RESOLVER.resolve(ScalarNode, text, (True, False))
        if len(_tags) < 200_000:
            _tags[text] = tag
    return tag


def _construct(tag: str, text: str) -> Any:
    if tag == STR:
        return text
    if tag == INT and text.isdigit() and (text[0] != "0" or text == "0"):  # the common case; 010 is octal
        return int(text)
    if tag == NULL:
        return None
    build = _BUILD.get(tag)
    if build is None:
        return text  # timestamps, binary, merge and value keys: the text as written
    try:
        return build(_CONSTRUCTOR, ScalarNode(tag, text))
    except (KeyError, ConstructorError) as exc:  # `!!bool maybe`
        raise ValueError(text) from exc


YAML_1_1 = Scalars(_resolve, _construct, SCALAR_TAGS)


def size_problem(size: int, shown: str) -> Diagnostic | None:
    if size <= MAX_BYTES:
        return None
    return Diagnostic(shown, 1, 1, "", f"the file is {size:,} bytes, over the limit of {MAX_BYTES:,} for a manifest",
                      "split it into several files, or move it out of the folder if it holds no manifests")


@dataclass
class ManifestFile:
    """A file's documents, the problems composing them found (per document) and where they are."""

    shown: str  # the path as the user gave it, for messages
    text: str
    is_json: bool
    documents: list[Any]
    problems: list[tuple[Diagnostic, ...]]  # per document
    nodes: list[Node | None] | None = None  # per document; composed on demand for JSON
    _sources: dict[int, SourceMap] = field(default_factory=dict)

    def at(self, document: int, path: tuple[str | int, ...], message: str, fix: str) -> Diagnostic:
        """A problem at `path` inside `document`, at its line and column."""
        if self.nodes is None:
            self.nodes = _nodes(self.text, self.shown)
        node = self.nodes[document] if document < len(self.nodes) else None
        if document not in self._sources:
            self._sources[document] = SourceMap(self.shown, node)
        line, col = self._sources[document].locate(path) if node is not None else (1, 1)
        return Diagnostic(self.shown, line, col, dotted(path), message, fix)


def read_text(text: str, shown: str, is_json: bool) -> ManifestFile:
    """Parse one file; raise ModelError (located) when it is not YAML / JSON at all."""
    if is_json:
        try:
            return ManifestFile(shown, text, True, [_json(text, shown)], [()])
        except KeyTwice:  # composed as YAML (JSON is YAML): the key located, and worded as in YAML
            pass
    composed = parse_documents(text, shown, LIMITS, YAML_1_1, WHAT)
    return ManifestFile(shown, text, False, [c.data for c in composed], [c.problems for c in composed])


def _json(text: str, shown: str) -> Any:
    too_deep_here = ModelError([Diagnostic(shown, 1, 1, "", f"values are nested more than {LIMITS.depth} levels "
                                           "deep", LIMITS.depth_fix)])
    try:
        document = load_json(text)
    except KeyTwice:
        raise
    except BadJson as exc:
        fix = LONG_NUMBER_FIX if isinstance(exc, NumberTooLarge) else SYNTAX_FIX
        raise ModelError([Diagnostic(shown, exc.line, exc.column, "", exc.what, fix)]) from None
    except RecursionError:  # past the interpreter's own limit
        raise too_deep_here from None
    if too_deep(document, LIMITS.depth):
        raise too_deep_here
    return document


def _nodes(text: str, shown: str) -> list[Node | None]:
    """The documents' node trees, for their marks (JSON is YAML); only a file with a problem pays for this."""
    try:
        return [c.root for c in parse_documents(text, shown, LIMITS, YAML_1_1, WHAT)]
    except ModelError:
        return []
