"""YAML parser events -> a located node tree and the plain data it means, within limits.

Both parsers (libyaml through PyYAML, or ruamel.yaml in pure Python) emit the same event
stream, so bulkhead composes it itself, in one pass and without recursion: the same limits,
the same YAML 1.2 values and the same messages whichever parser read the file. (PyYAML's
own C composer recurses once per level with no limit and crashes the interpreter on a file
nested some thousands of levels deep.)

Limits keep a hostile or broken file from costing minutes and gigabytes: nesting depth and
the number of values once aliases are expanded (a few hundred bytes of nested aliases name
billions of values). Aliases are not copied: an alias's node and data are its anchor's
own, so the tree is a graph and each count is kept per node.

A model is one document read with YAML 1.2's scalar rules and the model's limits (the
defaults). Other YAML bulkhead reads passes its own `Limits` and `Scalars`: a folder of
Kubernetes manifests holds many `---` documents per file, nests deeper, and means what
kubectl reads (YAML 1.1 scalars); `compose_all` gives one `Composed` per document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from infra.errors import Diagnostic, ModelError, printable
from infra.yaml_scalars import (
    MAP,
    MAPPING_TAGS,
    MERGE,
    SCALAR_TAGS,
    SEQ,
    SEQUENCE_TAGS,
    STR,
    construct,
    key_text,
    resolve,
)

MAX_DEPTH = 32  # a model is 5 levels deep (segments.<name>.internet.ingress[0])
MAX_VALUES = 1_000_000  # after expanding aliases; a 1,000-segment / 5,000-flow model has ~45,000

Kind = Literal["scalar", "sequence", "mapping"]
Loc = tuple[str | int, ...]


class Node(NamedTuple):
    """One composed value with where it starts (1-based); shared wherever an alias names it."""

    kind: Kind
    tag: str  # resolved: `tag:yaml.org,2002:int` for a plain 443
    value: Any  # the text, a tuple of nodes, or a tuple of (key, value) node pairs
    line: int
    column: int
    flow: bool  # written `[...]` / `{...}` rather than as indented lines
    size: int  # values in it once its aliases are expanded, itself included
    height: int  # levels in it once its aliases are expanded, itself included


@dataclass(frozen=True)
class Limits:
    """What one file may hold, and how to say it went past: the model's unless a reader passes its own."""

    depth: int
    values: int  # per file, once aliases are expanded
    documents: int | None = 1  # None: any number of `---` documents
    subject: str = "the model"  # "the model holds more than ... values"
    depth_fix: str = "a model is a few levels deep (segments.<name>.internet.ingress); flatten this value"
    tag_fix: str = "remove the tag; a model uses plain YAML values"


def model_limits() -> Limits:
    """The model's limits (read when a composer starts, so a test may lower them)."""
    return Limits(MAX_DEPTH, MAX_VALUES)


@dataclass(frozen=True)
class Scalars:
    """How plain scalars are read: `resolve(text)` gives the tag, `construct(tag, text)` the value
    (ValueError when the text does not fit); `tags` are the scalar tags it knows."""

    resolve: Callable[[str], str]
    construct: Callable[[str, str], Any]
    tags: frozenset[str]


YAML_1_2 = Scalars(resolve, construct, SCALAR_TAGS)


@dataclass(frozen=True)
class Composed:
    root: Node | None
    data: Any
    problems: tuple[Diagnostic, ...]  # found while composing; the data leaves those parts out


def dotted(loc: Loc) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{printable(step)}" if out else printable(step))
    return out



@dataclass
class _Open:
    """A sequence or mapping whose end has not been read yet."""

    kind: Kind
    tag: str
    anchor: str | None
    line: int
    column: int
    flow: bool
    data: Any
    items: list[Any] = field(default_factory=list)
    key: Node | None = None  # a mapping's key waiting for its value
    name: str | None = None  # that key as text; None when it cannot be one
    seen: dict[str, int] = field(default_factory=dict)  # key -> line, for duplicates
    merged: dict[str, Any] | None = None  # what `<<` keys bring in
    size: int = 1
    height: int = 1


# `"\ud800"` in a double-quoted scalar: ruamel.yaml reads it (libyaml refuses, then ruamel reads it
# again), but the text cannot be encoded, so printing or writing a report of it would crash later.
_SURROGATE = re.compile("[\ud800-\udfff]")
_IN_PROGRESS = object()  # an anchor whose collection is still open
_node = tuple.__new__  # Node(...) without the generated __new__: composing makes one per value


class Composer:
    """Feed it every event of one stream; `compose` gives the composed document, `compose_all` every one."""

    def __init__(self, file: str, limits: Limits | None = None, scalars: Scalars = YAML_1_2):
        self.file = file
        self.limits = limits or model_limits()
        self.scalars = scalars
        self.stack: list[_Open] = []
        self.anchors: dict[str, Any] = {}  # name -> (node, data), or _IN_PROGRESS
        self.problems: list[Diagnostic] = []
        self.root: tuple[Node, Any] | None = None
        self.documents = 0
        self.values = 0
        self.done: list[Composed] = []
        self._first_problem = 0  # where the current document's problems start

    def compose(self, events: Iterable[Any]) -> Composed:
        """The one document of the stream (root None when the stream holds none)."""
        done = self.compose_all(events)
        return done[0] if done else Composed(None, None, tuple(self.problems))

    def compose_all(self, events: Iterable[Any]) -> list[Composed]:
        """Every document of the stream, in order, each with the problems found in it."""
        # Both libraries name their event classes alike; dispatch on the name (looked up once per class).
        handlers: dict[str, Callable[[Any], None]] = {
            "ScalarEvent": self._scalar, "AliasEvent": self._alias, "DocumentStartEvent": self._document,
            "DocumentEndEvent": self._document_end,
            "MappingStartEvent": self._mapping, "SequenceStartEvent": self._sequence,
            "MappingEndEvent": self._end, "SequenceEndEvent": self._end}
        by_class: dict[type, Callable[[Any], None] | None] = {}
        for event in events:
            cls = type(event)
            handler = by_class[cls] if cls in by_class else by_class.setdefault(cls, handlers.get(cls.__name__))
            if handler is not None:
                handler(event)
        return self.done

    # -- events ------------------------------------------------------------------------------

    def _document(self, event: Any) -> None:
        self.documents += 1
        if self.limits.documents is not None and self.documents > self.limits.documents:
            self._fail(event.start_mark, "invalid YAML: a second document starts here",
                       "keep one model per file (remove the '---' line and what follows it)")

    def _document_end(self, _: Any) -> None:
        node, data = self.root if self.root is not None else (None, None)
        self.done.append(Composed(node, data, tuple(self.problems[self._first_problem:])))
        self._first_problem = len(self.problems)
        self.root = None
        self.anchors = {}  # an anchor names a value of its own document only

    def _scalar(self, event: Any) -> None:
        mark = event.start_mark
        self.values += 1
        if self.values > self.limits.values or len(self.stack) >= self.limits.depth:
            self._count(0, mark)
            self._deep(len(self.stack) + 1, mark, None)
        tag = event.tag
        text = event.value
        lone = _SURROGATE.search(text)
        if lone is not None:
            self._problem(mark, f"U+{ord(lone.group()):04X} in this text is not valid Unicode (a lone surrogate, "
                          "from a \\u escape); no UTF-8 file or report can hold it",
                          "write the character itself, or \\U0001F600 (eight digits) for one past U+FFFF")
        implicit = tag is None or tag == "!"
        if implicit:
            tag = self.scalars.resolve(text) if event.implicit[0] else STR
        data = text if tag == STR else self._value(tag, text, mark, implicit)
        node = _node(Node, ("scalar", tag, text, mark.line + 1, mark.column + 1, False, 1, 1))
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, data)
        self._attach(node, data)

    def _mapping(self, event: Any) -> None:
        self._start(event, "mapping")

    def _sequence(self, event: Any) -> None:
        self._start(event, "sequence")

    def _start(self, event: Any, kind: Kind) -> None:
        mark = event.start_mark
        self._count(1, mark)
        self._deep(len(self.stack) + 1, mark, None)
        tag = event.tag
        if tag in (None, "!"):
            tag = SEQ if kind == "sequence" else MAP
        elif tag not in (SEQUENCE_TAGS if kind == "sequence" else MAPPING_TAGS):
            self._problem(mark, f"invalid YAML: the tag '{tag}' does not fit a {kind}", self.limits.tag_fix)
        if event.anchor is not None:
            self.anchors[event.anchor] = _IN_PROGRESS
        self.stack.append(_Open(kind, tag, event.anchor, mark.line + 1, mark.column + 1, bool(event.flow_style),
                                {} if kind == "mapping" else []))

    def _end(self, _: Any) -> None:
        done = self.stack.pop()
        data = done.data
        if done.merged:
            data = {**done.merged, **data}
        node = _node(Node, (done.kind, done.tag, tuple(done.items), done.line, done.column, done.flow, done.size,
                            done.height))
        if done.anchor is not None:
            self.anchors[done.anchor] = (node, data)
        self._attach(node, data)

    def _alias(self, event: Any) -> None:
        mark, name = event.start_mark, event.anchor
        target: Any = self.anchors.get(name)
        if target is None:
            self._fail(mark, f"invalid YAML: alias *{name} has no anchor &{name} before it",
                       f"write &{name} on the value to repeat, earlier in the file")
        if target is _IN_PROGRESS:
            self._fail(mark, f"alias *{name} is inside its own anchor &{name}, so the value would contain "
                       "itself forever", f"point *{name} at an anchor that is defined before and outside it")
        node, data = target
        self._count(node.size, mark, name)
        self._deep(len(self.stack) + node.height, mark, name)
        self._attach(node, data)

    # -- building ----------------------------------------------------------------------------

    def _attach(self, node: Node, data: Any) -> None:
        if not self.stack:
            self.root = (node, data)
            return
        parent = self.stack[-1]
        parent.size += node.size
        if node.height >= parent.height:
            parent.height = node.height + 1
        if parent.kind == "sequence":
            parent.items.append(node)
            parent.data.append(data)
        elif parent.key is None:
            parent.key = node
            parent.name = self._key_name(node, data)
        else:
            key, name = parent.key, parent.name
            parent.key = parent.name = None
            parent.items.append((key, node))
            if name is not None:
                self._entry(parent, key, name, node, data)

    def _key_name(self, key: Node, data: Any) -> str | None:
        if key.kind == "scalar":
            return data if data.__class__ is str else key_text(data)
        what = "a list" if key.kind == "sequence" else "a mapping"
        self.problems.append(Diagnostic(self.file, key.line, key.column, dotted(self._loc()),
                                        f"{what} is used as a mapping key",
                                        "a key is a plain name: write `name: value`"))
        return None

    def _entry(self, parent: _Open, key: Node, name: str, node: Node, data: Any) -> None:
        if name in parent.seen:
            self.problems.append(Diagnostic(
                self.file, key.line, key.column, dotted(self._loc() + (name,)),
                f"duplicate key '{name}' (first at line {parent.seen[name]}); YAML tools disagree on which one wins",
                "merge the two entries into one"))
            return
        parent.seen[name] = key.line
        if key.tag == MERGE:
            parent.merged = self._merge(node, data)
        else:
            parent.data[name] = data

    def _merge(self, node: Node, data: Any) -> dict[str, Any]:
        """`<<: *defaults` or `<<: [*a, *b]`: the first mapping listed wins, the node's own keys win over all."""
        parts = list(zip(node.value, data, strict=True)) if node.kind == "sequence" else [(node, data)]
        merged: dict[str, Any] = {}
        for part, part_data in reversed(parts):
            if part.kind == "mapping":
                merged.update(part_data)
            else:
                self._problem_at(part, "invalid YAML: '<<' merges a mapping or a list of mappings",
                                 "point << at an anchored mapping, e.g. `<<: *defaults`")
        return merged

    def _value(self, tag: str, text: str, mark: Any, implicit: bool) -> Any:
        if tag not in self.scalars.tags:
            known = tag in SEQUENCE_TAGS or tag in MAPPING_TAGS
            self._problem(mark, f"invalid YAML: the tag '{tag}' does not fit a single value" if known else
                          f"invalid YAML: unknown tag '{tag}'", self.limits.tag_fix)
            return text
        try:
            return self.scalars.construct(tag, text)
        except ValueError:
            if implicit:  # plain text that only looks like a number (`_`, `0b_`)
                return text
            self._problem(mark, f"invalid YAML: '{text}' is not a valid {tag.rsplit(':', 1)[-1]}",
                          "remove the tag or fix the value")
            return text

    # -- where and what ----------------------------------------------------------------------

    def _loc(self) -> Loc:
        """The model path of the innermost open collection (for messages)."""
        loc: list[str | int] = []
        for frame in self.stack[:-1]:
            if frame.kind == "sequence":
                loc.append(len(frame.items))
            elif frame.name is not None:
                loc.append(frame.name)
        return tuple(loc)

    def _count(self, values: int, mark: Any, alias: str | None = None) -> None:
        self.values += values
        limit = self.limits.values
        if self.values > limit:
            what = f" (*{alias} alone repeats {values:,})" if alias else ""
            self._fail(mark, f"{self.limits.subject} holds more than {limit:,} values once aliases are expanded"
                       f"{what}", "write the values out, or repeat smaller anchors; aliases of aliases multiply")

    def _deep(self, depth: int, mark: Any, alias: str | None) -> None:
        if depth > self.limits.depth:
            via = f" once *{alias} is expanded" if alias else ""
            self._fail(mark, f"values are nested more than {self.limits.depth} levels deep here{via}",
                       self.limits.depth_fix)

    def _problem(self, mark: Any, message: str, fix: str) -> None:
        self.problems.append(Diagnostic(self.file, mark.line + 1, mark.column + 1, "", message, fix))

    def _problem_at(self, node: Node, message: str, fix: str) -> None:
        self.problems.append(Diagnostic(self.file, node.line, node.column, "", message, fix))

    def _fail(self, mark: Any, message: str, fix: str) -> None:
        """A problem after which the rest of the file cannot be read sensibly."""
        raise ModelError([*self.problems, Diagnostic(self.file, mark.line + 1, mark.column + 1, "", message, fix)])
