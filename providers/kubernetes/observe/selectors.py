"""Kubernetes label selectors, and an index that finds what they select without scanning everything.

A LabelSelector is the AND of its `matchLabels` pairs and its `matchExpressions`:
`In` (the key is set to one of the values), `NotIn` (the key is absent or set to none of them),
`Exists`, `DoesNotExist`. An empty selector (`{}`) selects everything; a missing one is not a
selector at all (the caller decides what absence means).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

Operator = Literal["In", "NotIn", "Exists", "DoesNotExist"]
OPERATORS: tuple[Operator, ...] = ("In", "NotIn", "Exists", "DoesNotExist")
Labels = Mapping[str, str]


@dataclass(frozen=True)
class Expression:
    key: str
    operator: Operator
    values: frozenset[str] = frozenset()

    def matches(self, labels: Labels) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present


@dataclass(frozen=True)
class Selector:
    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Expression, ...] = ()

    @classmethod
    def of(cls, raw: Mapping[str, Any] | None) -> Selector:
        """From the API's JSON (already shape-checked): `{matchLabels, matchExpressions}`."""
        raw = raw or {}
        labels = tuple(sorted((str(k), str(v)) for k, v in (raw.get("matchLabels") or {}).items()))
        expressions = tuple(
            Expression(str(e["key"]), cast(Operator, e["operator"]), frozenset(str(v) for v in e.get("values") or ()))
            for e in raw.get("matchExpressions") or ())
        return cls(labels, expressions)

    @property
    def empty(self) -> bool:
        return not self.labels and not self.expressions

    def matches(self, labels: Labels) -> bool:
        return (all(labels.get(k) == v for k, v in self.labels)
                and all(e.matches(labels) for e in self.expressions))

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.labels]
        for e in self.expressions:
            values = ",".join(sorted(e.values))
            parts.append(f"{e.key} {e.operator} ({values})" if e.values else f"{e.operator} {e.key}")
        return "{" + ", ".join(parts) + "}"


T = TypeVar("T")


class LabelIndex(Generic[T]):
    """Items by their labels: a selector with matchLabels looks up its rarest pair instead of
    testing every item, so selecting costs what it selects (plus one scan for selectors made of
    expressions only). The results keep the items' insertion order."""

    def __init__(self, items: Iterable[tuple[T, Labels]]):
        self.items: list[tuple[T, Labels]] = list(items)
        self.by_pair: dict[tuple[str, str], list[int]] = {}
        for position, (_, labels) in enumerate(self.items):
            for pair in labels.items():
                self.by_pair.setdefault(pair, []).append(position)

    def select(self, selector: Selector) -> list[T]:
        if selector.empty:
            return [item for item, _ in self.items]
        candidates: Iterable[int] = range(len(self.items))
        if selector.labels:
            postings: list[list[int]] = [self.by_pair.get(pair, []) for pair in selector.labels]
            rarest = min(postings, key=len)
            candidates = rarest
        return [self.items[i][0] for i in candidates if selector.matches(self.items[i][1])]
