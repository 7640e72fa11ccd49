"""A model means the same whichever parser reads it, and the same as ruamel.yaml always read it.

ruamel.yaml's safe loader (YAML 1.2, the loader bulkhead used before libyaml) is the
reference: every plain scalar and every model file in the repository must give the same
data through bulkhead's composer, on libyaml and on ruamel's own parser.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from infra import yaml_parse
from infra.errors import ModelError
from infra.yaml_parse import parse
from infra.yaml_scalars import TIMESTAMP, resolve

ROOT = Path(__file__).parent.parent
EXAMPLES = settings(max_examples=2000 if os.environ.get("BULKHEAD_THOROUGH") else 300, deadline=None,
                    derandomize=not os.environ.get("BULKHEAD_THOROUGH"))


def ruamel_data(text: str):
    """What the loader used to build: ruamel's safe load, through JSON."""
    return json.loads(json.dumps(YAML(typ="safe", pure=True).load(text), default=str))


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


words = st.sampled_from(["true", "True", "TRUE", "false", "yes", "no", "on", "off", "y", "null", "Null", "~",
                         ".inf", "-.inf", "+.INF", ".nan", ".NaN", "<<", "=", "0x1F", "0o17", "0b101", "010",
                         "1_000", "1e3", "1.5e-3", "-0", "+12", "1.", ".5", "6.8523015e+5", "190:20:30",
                         "2001-12-14", "tcp/443", "8000-8100", "443", "web"])
plain = st.one_of(words, st.text(alphabet="0123456789+-._eEoxbOB", min_size=1, max_size=8))


@EXAMPLES
@given(plain)
def test_a_plain_scalar_means_what_ruamel_makes_of_it(text):
    try:
        expected = ruamel_data(f"v: {text}\n")["v"]
    except Exception:  # noqa: BLE001 - ruamel itself fails on some (`_`, `0b_`): nothing to compare
        assume(False)
    assume(resolve(text) != TIMESTAMP)  # dates are kept as written (ruamel turned times into its own str())
    original = yaml_parse.LIBYAML
    try:
        for libyaml in (original, None):
            yaml_parse.LIBYAML = libyaml
            assert same(parse(f"v: {text}\n", "m.yaml").data["v"], expected), (text, libyaml)
    finally:
        yaml_parse.LIBYAML = original


def model_files() -> list[Path]:
    return sorted([*ROOT.glob("examples/*.yaml"), *ROOT.glob("tests/data/models/*.yaml"),
                   *ROOT.glob("tests/data/bad/*.yaml")])


@pytest.mark.parametrize("path", model_files(), ids=lambda p: p.name)
def test_every_model_file_gives_the_same_data_and_problems_on_both_parsers(path, monkeypatch):
    text = path.read_text(encoding="utf-8")

    def read() -> tuple[object, list[str]]:
        try:
            composed = parse(text, str(path))
        except ModelError as exc:
            return None, [str(d) for d in exc.diagnostics]
        return composed.data, [str(d) for d in composed.problems]

    fast = read()
    monkeypatch.setattr(yaml_parse, "LIBYAML", None)
    assert read() == fast
    data, problems = fast
    if data is not None and not problems:  # ruamel reads it too: same data as ever
        assert data == ruamel_data(text)


@pytest.mark.parametrize("tagged, value", [("!!int 443", 443), ("!!float 1.5", 1.5), ("!!int ٤٤٣", None),
                                           ("!!int ４４３", None), ("!!float ١.٥", None)])
def test_a_tagged_number_is_written_with_the_digits_0_to_9_on_both_parsers(tagged, value):
    # int() and float() read any script's digits; YAML's numbers are 0-9 only.
    original = yaml_parse.LIBYAML
    try:
        for libyaml in (original, None):
            yaml_parse.LIBYAML = libyaml
            composed = parse(f"v: {tagged}\n", "m.yaml")
            if value is None:
                [problem] = composed.problems
                assert (problem.line, problem.column) == (1, 4) and "is not a valid" in problem.message
            else:
                assert (composed.data["v"], list(composed.problems)) == (value, [])
    finally:
        yaml_parse.LIBYAML = original
