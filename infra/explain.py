"""Pydantic's validation errors -> one short human problem each, plus what can still be checked.

pydantic words its errors for programmers ("Input should be a valid dictionary or instance
of Clouds"); a model author needs what is wrong with *their* value and what to write
instead. `explain` does that translation. `salvage` rebuilds the parts of an invalid model
that did validate, so the loader can also run the cross-reference checks and report every
problem in one go rather than one round per fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from infra.errors import FixableValueError, Problem
from infra.model import (
    CLOUDS,
    SERVICES,
    AwsCloud,
    AzureCloud,
    Clouds,
    Flow,
    GcpCloud,
    Guardrail,
    Internet,
    Model,
    Segment,
)
from infra.model_kubernetes import ClusterDns, KubernetesCloud, PodSelection

Loc = tuple[str | int, ...]
ItemT = TypeVar("ItemT", Flow, Guardrail)

_CLOUD_TYPES: dict[str, type[BaseModel]] = {"aws": AwsCloud, "gcp": GcpCloud, "azure": AzureCloud,
                                             "kubernetes": KubernetesCloud}
_SHAPES: list[tuple[Loc, type[BaseModel]]] = [
    (("clouds", "aws"), AwsCloud), (("clouds", "gcp"), GcpCloud), (("clouds", "azure"), AzureCloud),
    (("clouds", "kubernetes"), KubernetesCloud), (("clouds", "kubernetes", "dns"), ClusterDns),
    (("segments", "*", "kubernetes"), PodSelection),
    (("clouds",), Clouds), (("segments", "*", "internet"), Internet), (("segments", "*"), Segment),
    (("flows", "*"), Flow), (("never", "*"), Guardrail), ((), Model),
]


def allowed_keys(loc: Loc) -> list[str]:
    """The keys the model accepts in the mapping at `loc` (for 'did you mean')."""
    for pattern, cls in _SHAPES:
        if len(pattern) == len(loc) and all(p in ("*", s) for p, s in zip(pattern, loc, strict=True)):
            return [f.alias or name for name, f in cls.model_fields.items()]
    return []


def value_at(data: Any, loc: Loc) -> Any:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def explain(err: Mapping[str, Any], data: Any) -> Problem:
    """One pydantic error as a located problem with a fix."""
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    cause = (err.get("ctx") or {}).get("error")
    if loc and loc[-1] == "[key]":  # a mapping key failed: a segment name, or a label or service name
        what, fix = _split(cause, err["msg"])
        if len(loc) == 3 and loc[0] == "segments":
            return Problem(loc[:-1], f"segment name {what}", fix or "rename the segment", key=True)
        if kind == "literal_error":
            return _unknown_word(loc[:-1], loc[-2])
        return Problem(loc[:-1], what, fix or "rename the key", key=True)
    if kind == "extra_forbidden":
        allowed = allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else f"allowed keys here: {', '.join(allowed)}"
        return Problem(loc, f"unknown key '{loc[-1]}'", fix, key=True)
    if kind == "missing":
        where = _dotted(loc[:-1]) or "the top level"
        return Problem(loc[:-1], f"missing required key '{loc[-1]}'", f"add {loc[-1]}: under {where}")
    if kind == "literal_error":
        return _unknown_word(loc, value_at(data, loc))
    if isinstance(cause, FixableValueError):
        return Problem(loc, cause.what, cause.fix)
    return _typed(loc, kind, value_at(data, loc), err)


def _split(cause: object, msg: str) -> tuple[str, str]:
    if isinstance(cause, FixableValueError):
        return cause.what, cause.fix
    return _lower(msg.removeprefix("Value error, ")), ""


def _unknown_word(loc: Loc, value: Any) -> Problem:
    is_cloud = len(loc) >= 2 and loc[-2] == "clouds"
    vocab = CLOUDS if is_cloud else SERVICES
    close = difflib.get_close_matches(str(value), vocab, n=1)
    fix = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(vocab)}"
    return Problem(loc, f"unknown {'cloud' if is_cloud else 'service'} '{value}'", fix)


def _typed(loc: Loc, kind: str, value: Any, err: Mapping[str, Any]) -> Problem:
    """Type and range errors, phrased around the user's own value."""
    field = next((str(step) for step in reversed(loc) if isinstance(step, str)), "the model")
    ctx = err.get("ctx") or {}
    shown = "nothing" if value is None else f"{_kind_of(value)} ({value!r})"
    for kinds, expected, fix in _TYPES:
        if kind in kinds:
            return Problem(loc, f"{field} must be {expected}, not {shown}", fix)
    for bound, (word, fix) in _BOUNDS.items():
        if bound in ctx:
            return Problem(loc, f"{field} must be {word} {ctx[bound]}, not {value!r}", fix.format(ctx[bound]))
    if kind == "string_too_short":
        return Problem(loc, f"{field} is empty", f"write a value for {field}")
    return Problem(loc, _lower(str(err["msg"]).removeprefix("Value error, ")),
                   "see examples/ai-platform.yaml for the expected shape")


_TYPES: list[tuple[set[str], str, str]] = [
    ({"dict_type", "model_type", "model_attributes_type"}, "a mapping", "write key: value lines under it"),
    ({"tuple_type", "list_type"}, "a list", "write [a, b] or '- a' lines"),
    ({"string_type"}, "text", "write a text value (quote it if YAML reads it as a number)"),
    ({"int_type", "int_parsing", "int_from_float"}, "a whole number",
     "write a whole number without quotes or decimal point, e.g. 2"),
    ({"bool_type", "bool_parsing"}, "true or false",
     "write true or false (yes, no, on and off are text in a model: docs/model-files.md)"),
]
_BOUNDS = {
    "ge": ("at least", "use {} or more"), "gt": ("more than", "use a value above {}"),
    "le": ("at most", "use {} or less"), "lt": ("less than", "use a value below {}"),
}


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    names = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a decimal number"}
    return names.get(type(value), type(value).__name__)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _dotted(loc: Loc) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


# --- the valid parts of an invalid model --------------------------------------------------


def salvage(data: Any) -> tuple[Model, list[int], list[int]] | None:
    """The model's valid parts (a model built without validation), each kept flow's and guardrail's index.

    None when too little is valid to check references without inventing problems.
    """
    if not isinstance(data, dict) or not isinstance(data.get("segments"), dict):
        return None
    name = data.get("name")
    flows, index = _valid_items(Flow, data.get("flows"))
    never, never_index = _valid_items(Guardrail, data.get("never"))
    model = Model.model_construct(
        name=name if isinstance(name, str) else "", clouds=_valid_clouds(data.get("clouds")),
        segments={k: _valid_segment(v) for k, v in data["segments"].items() if isinstance(k, str)},
        flows=flows, never=never)
    return model, index, never_index


def _valid_clouds(raw: Any) -> Clouds:
    """Every declared cloud stays declared; one with bad settings loses them (so no cidr)."""
    if not isinstance(raw, dict):
        return Clouds()
    kept: dict[str, Any] = {}
    for name, cls in _CLOUD_TYPES.items():
        if name in raw:
            try:
                kept[name] = cls.model_validate(raw[name])
            except ValidationError:
                kept[name] = cls.model_construct()
    return Clouds.model_construct(None, **kept)


def _valid_segment(raw: Any) -> Segment:
    """The segment with its invalid keys dropped (so it is placed on every cloud if `clouds` is bad)."""
    if not isinstance(raw, dict):
        return Segment.model_validate({})
    try:
        return Segment.model_validate(raw)
    except ValidationError as exc:
        bad = {e["loc"][0] for e in exc.errors()}
    try:
        return Segment.model_validate({k: v for k, v in raw.items() if k not in bad})
    except ValidationError:
        return Segment.model_validate({})


def _valid_items(cls: type[ItemT], raw: Any) -> tuple[tuple[ItemT, ...], list[int]]:
    """The list's items that validate as `cls`, and their positions in the file."""
    if not isinstance(raw, list):
        return (), []
    items: list[ItemT] = []
    index: list[int] = []
    for i, item in enumerate(raw):
        try:
            items.append(cls.model_validate(item))
        except ValidationError:
            continue
        index.append(i)
    return tuple(items), index
