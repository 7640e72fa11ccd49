"""ARM JSON shaped by azure-mgmt-network's own models, so the fake's field names cannot drift.

Pulumi azure-native inputs are the ARM properties flattened into one camelCase object
(`addressPrefix` rather than `properties.addressPrefix`, at every nesting level). `to_rest`
puts each key where the SDK model says it lives and refuses keys the model does not know;
`flatten` is the way back (what azure-native reports as a resource's outputs).
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Any

from azure.mgmt.network import models
from azure.mgmt.network._utils import model_base


class UnknownField(ValueError):
    """An input the SDK model has no field for: the fake would serve something Azure never does."""


@cache
def _fields(cls: type) -> dict[str, tuple[str, type | None]]:
    """REST name -> (python attribute, nested model class or None) for one SDK model class."""
    cls()  # the model base computes its field table on first instantiation
    hints = typing.get_type_hints(cls, localns={"_models": models})
    table: dict[str, tuple[str, type | None]] = {}
    for attr, field in cls._attr_to_rest_field.items():  # type: ignore[attr-defined]
        table[field._rest_name] = (attr, _model_in(hints.get(attr)))
    return table


def _model_in(hint: Any) -> type | None:
    """The SDK model class inside Optional[...] / list[...] / dict[str, ...], if any."""
    if isinstance(hint, type) and issubclass(hint, model_base.Model):
        return hint
    for arg in typing.get_args(hint):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def to_rest(cls: type, flat: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Pulumi's flattened inputs for model `cls` -> ARM REST JSON (`properties` nested back)."""
    fields = _fields(cls)
    properties_cls = fields.get("properties", ("", None))[1]
    out: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for key, value in flat.items():
        if key != "properties" and key in fields:
            out[key] = _convert(fields[key][1], value, f"{where}.{key}")
        elif properties_cls is not None and key in _fields(properties_cls):
            props[key] = _convert(_fields(properties_cls)[key][1], value, f"{where}.{key}")
        else:
            raise UnknownField(f"{cls.__name__} has no field '{key}' (at {where or 'top level'})")
    if props:
        out["properties"] = props
    return out


def _convert(nested: type | None, value: Any, where: str) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the Pulumi mock runtime hands every number over as a float
    if isinstance(value, list):
        return [_convert(nested, v, where) for v in value]
    if isinstance(value, dict):
        if nested is None:  # a free-form map (tags)
            return {k: _convert(None, v, where) for k, v in value.items()}
        return to_rest(nested, value, where)
    return value


def flatten(rest: Any) -> Any:
    """ARM REST JSON -> the flattened shape azure-native uses for outputs."""
    if isinstance(rest, list):
        return [flatten(v) for v in rest]
    if not isinstance(rest, dict):
        return rest
    out = {k: flatten(v) for k, v in rest.items() if k != "properties"}
    if isinstance(rest.get("properties"), dict):
        out.update(flatten(rest["properties"]))
    return out


def canonical(cls: type, rest: dict[str, Any]) -> dict[str, Any]:
    """Round-trip REST JSON through the SDK model (what the SDK itself would send or read)."""
    result: dict[str, Any] = cls(rest).as_dict()
    return result
