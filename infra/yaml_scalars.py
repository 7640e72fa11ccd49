"""What a YAML scalar means: its tag (YAML 1.2 core schema) and its Python value.

The model has always been read as YAML 1.2 (ruamel.yaml's default: `yes`, `on` and `no`
are text, `010` is ten), and a model must mean the same whichever parser read it, so
bulkhead resolves plain scalars itself instead of taking the C parser's YAML 1.1 rules.
The patterns follow ruamel.yaml's 1.2 resolver (digit separators `_` allowed, `0o` octal);
tests/test_yaml_scalars.py compares every rule with ruamel's own resolution.

Values are what JSON can hold, since the loader used to round-trip through JSON: dates and
binary stay the text the author wrote.
"""

from __future__ import annotations

import math
import re
from typing import Any

TAG = "tag:yaml.org,2002:"
STR, NULL, BOOL, INT, FLOAT = TAG + "str", TAG + "null", TAG + "bool", TAG + "int", TAG + "float"
MERGE, VALUE, TIMESTAMP, BINARY = TAG + "merge", TAG + "value", TAG + "timestamp", TAG + "binary"
SEQ, MAP = TAG + "seq", TAG + "map"
# Standard collection tags; sets, ordered maps and pairs are read as the plain collection.
SEQUENCE_TAGS = frozenset({SEQ, TAG + "omap", TAG + "pairs"})
MAPPING_TAGS = frozenset({MAP, TAG + "set"})
SCALAR_TAGS = frozenset({STR, NULL, BOOL, INT, FLOAT, MERGE, VALUE, TIMESTAMP, BINARY})

# (tag, pattern) in the order they are tried: first match wins.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (BOOL, re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")),
    (FLOAT, re.compile(r"""(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                           |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                           |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
                           |[-+]?\.(?:inf|Inf|INF)
                           |\.(?:nan|NaN|NAN))\Z""", re.X)),
    # ruamel tries a rule only on texts starting with one of its first characters: `_1` is text.
    (INT, re.compile(r"(?=[-+0-9])(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)\Z")),
    (MERGE, re.compile(r"<<\Z")),
    (NULL, re.compile(r"(?:~|null|Null|NULL|)\Z")),
    (TIMESTAMP, re.compile(r"""(?:[0-9]{4}-[0-9]{2}-[0-9]{2}
                               |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}
                               (?:[Tt]|[\ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
                               (?:[\ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)\Z""", re.X)),
    (VALUE, re.compile(r"=\Z")),
)
# Most scalars of a model repeat (ports, segment names, `tcp`): resolve each text once.
_resolved: dict[str, str] = {}


def resolve(text: str) -> str:
    """The tag of a plain (unquoted, untagged) scalar."""
    tag = _resolved.get(text)
    if tag is None:
        tag = next((t for t, pattern in _RULES if pattern.match(text)), STR)
        if len(_resolved) < 100_000:
            _resolved[text] = tag
    return tag


def construct(tag: str, text: str) -> Any:
    """The value of a scalar with a standard tag; raises ValueError when the text does not fit it."""
    if tag == STR:
        return text
    if tag in (INT, FLOAT) and not text.isascii():
        raise ValueError(text)  # `!!int ٤٤٣`: int() and float() take any script's digits, YAML only 0-9
    if tag == INT and text.isdigit():  # the common case, ports; `010` is ten in YAML 1.2
        return int(text)
    if tag == NULL:
        return None
    if tag == BOOL:
        return _bool(text)
    if tag == INT:
        return _int(text)
    if tag == FLOAT:
        return _float(text)
    return text  # str, timestamp, binary, merge and value keys: the text as written


def _bool(text: str) -> bool:
    words = {"true": True, "false": False, "yes": True, "no": False, "y": True, "n": False, "on": True,
             "off": False}  # an explicit !!bool takes YAML 1.1's words too
    if text.lower() not in words:
        raise ValueError(text)
    return words[text.lower()]


def _int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits)  # int("") raises ValueError: `_` alone is not a number


def _float(text: str) -> float:
    digits = text.replace("_", "").lower()
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    if digits == ".inf":
        return sign * math.inf
    if digits == ".nan":
        return math.nan
    return sign * float(digits)


def key_text(value: Any) -> str:
    """A mapping key as JSON writes it (`true`, `null`, `1.5`): the model's keys are names."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)
