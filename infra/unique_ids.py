"""The ids a normalizer keys on appear once: a snapshot holding one id twice is refused.

Normalizers index resources by id (a subnet by `SubnetId`, an ARM resource by `id`); with two
items under one id, which one is the cloud's state is a guess (the last one wins in an index,
both count in a list), and the two readings can disagree badly enough to crash. No API
returns an id twice, so a second occurrence is corruption: a hand edit, two snapshots
merged, a copy pasted in.

Each `FileShape` names its ids as paths (`"Subnets[].SubnetId"`, `"value[].properties.subnets[].id"`);
the `Layout` says how far an id must be unique (the whole snapshot when the normalizer merges
every folder, one file where the cloud's names are only unique per region) and whether ids
compare case-blind (ARM's do).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from infra.errors import SnapshotProblem

if TYPE_CHECKING:
    from infra.shapes import Layout

Loc = tuple[str | int, ...]


def duplicate_problems(layout: Layout, documents: dict[str, Any]) -> list[SnapshotProblem]:
    """Every id seen a second time within its scope, located at the second occurrence."""
    from infra.shapes import json_path

    seen: dict[tuple[str, str, str], tuple[str, Loc]] = {}
    problems = []
    for name in sorted(documents):
        shape = layout.shape_of(name)
        if shape is None:
            continue
        scope = name if layout.ids == "file" else shape.pattern
        for path in shape.unique:
            for loc, value in ids_at(documents[name], _steps(path)):
                key = (scope, path, value.lower() if layout.fold_case else value)
                if key not in seen:
                    seen[key] = (name, loc)
                    continue
                first, where = seen[key]
                at = json_path(where) if first == name else f"{first}: {json_path(where)}"
                problems.append(SnapshotProblem(
                    name, json_path(loc), f"{value!r} appears a second time (first at {at})",
                    f"the {layout.cloud} API returns each {path.rsplit('.', 1)[-1]} once; {layout.fix}"))
    return problems


def _steps(path: str) -> list[str]:
    """`Subnets[].SubnetId` -> ["Subnets", "[]", "SubnetId"]."""
    out: list[str] = []
    for part in path.split("."):
        out += [part[:-2], "[]"] if part.endswith("[]") else [part]
    return out


def ids_at(document: Any, steps: list[str], loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """The text values at `steps` below `document`, with their locations (other values skipped)."""
    if not steps:
        if isinstance(document, str):
            yield loc, document
        return
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if isinstance(document, list):
            for index, item in enumerate(document):
                yield from ids_at(item, rest, (*loc, index))
    elif isinstance(document, dict) and step in document:
        yield from ids_at(document[step], rest, (*loc, step))
