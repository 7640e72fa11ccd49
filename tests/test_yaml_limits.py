"""A model file stays within limits (size, nesting, values after aliases) on either parser.

Each limit is tried just inside and just past it, on libyaml and on ruamel.yaml (the
`parser` fixture), with the limit lowered where the real one would need a large file.
Anchors, aliases and merge keys inside the limits keep working.
"""

from __future__ import annotations

import pytest

from infra import yaml_compose, yaml_parse
from infra.errors import ModelError
from infra.load import load_model, parse_model
from infra.yaml_parse import parse

HEAD = "name: shop\nclouds:\n  aws: {region: us-east-1, cidr: 10.0.0.0/16}\n"


def problems(text: str) -> list[str]:
    try:
        composed = parse(text, "m.yaml")
    except ModelError as exc:
        return [str(d) for d in exc.diagnostics]
    return [str(d) for d in composed.problems]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(parser, tmp_path, monkeypatch):
    monkeypatch.setattr(yaml_parse, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text(HEAD + "segments:\n" + "".join(f"  s{i}: {{}}\n" for i in range(100)))
    with pytest.raises(ModelError) as caught:
        load_model(path)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.column) == (1, 1)
    assert f"the file is {path.stat().st_size:,} bytes, over the limit of 1,000" in diagnostic.message
    with pytest.raises(ModelError):
        parse_model(path.read_text(), str(path))  # text handed over directly is measured too


def test_a_file_at_the_size_limit_loads(parser, tmp_path, monkeypatch):
    text = HEAD + "segments:\n  web: {}\n"
    monkeypatch.setattr(yaml_parse, "MAX_BYTES", len(text))
    path = tmp_path / "m.yaml"
    path.write_text(text)
    assert list(load_model(path).model.segments) == ["web"]


def test_fifty_thousand_levels_of_nesting_are_refused_at_the_first_level_too_deep(parser):
    # PyYAML's own C composer crashes the interpreter on this; ruamel's overflows the stack.
    for text in ("[" * 50_000 + "]" * 50_000, "a: " + "{b: " * 50_000 + "1" + "}" * 50_000):
        [message] = problems(text)
        assert "values are nested more than 32 levels deep here" in message
    assert problems("[" * 50_000 + "]" * 50_000)[0].startswith("m.yaml:1:33:")


def test_nesting_of_block_lists_is_limited_the_same_way(parser):
    text = "".join(f"{'  ' * i}-\n" for i in range(40)) + "  " * 40 + "- x\n"
    [message] = problems(text)
    assert message.startswith("m.yaml:33:")
    assert "nested more than 32 levels" in message


def test_nesting_exactly_at_the_depth_limit_composes_and_one_more_level_does_not(parser):
    limit = yaml_compose.MAX_DEPTH
    assert problems("[" * limit + "]" * limit) == []
    assert parse("[" * limit + "]" * limit, "m.yaml").root.height == limit
    assert problems("[" * (limit + 1) + "]" * (limit + 1))[0].startswith(f"m.yaml:1:{limit + 1}:")


def test_an_alias_that_nests_too_deep_once_expanded_is_named(parser):
    deep = "[" * 20 + "x" + "]" * 20
    text = f"a: &a {deep}\nb: [{'[' * 15}*a{']' * 15}]\n"
    [message] = problems(text)
    assert message.startswith("m.yaml:2:20:")  # at the alias
    assert "nested more than 32 levels deep here once *a is expanded" in message


def test_values_up_to_the_limit_compose_and_one_more_is_refused_at_the_alias(parser, monkeypatch):
    monkeypatch.setattr(yaml_compose, "MAX_VALUES", 100)
    # the top mapping 1 + key/value pairs: a (1 + list of 1 + 9) = 11, then each *a adds 10
    text = "a: &a [x, x, x, x, x, x, x, x, x]\nb: [" + ", ".join(["*a"] * 8) + "]\n"
    composed = parse(text, "m.yaml")
    assert composed.root.size == 1 + 1 + 10 + 1 + 1 + 8 * 10 == 94
    assert problems(text.replace("b: [", "b: [x, x, x, x, x, x, ")) == []  # 100 values exactly
    [message] = problems(text.replace("b: [", "b: [x, x, x, x, x, x, x, "))
    assert "more than 100 values once aliases are expanded" in message
    assert message.startswith("m.yaml:2:")


def test_the_billion_laughs_are_refused_at_the_alias_that_passes_a_million_values(parser):
    levels = "abcdefghi"
    text = "a: &a [" + ", ".join(["lol"] * 9) + "]\n" + "".join(
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, c in zip(levels, levels[1:], strict=False))
    assert len(text) < 600
    [message] = problems(text)
    assert message.startswith("m.yaml:7:")  # g: the second *f passes 1,000,000
    assert "(*f alone repeats 597,871)" in message


@pytest.mark.parametrize("text, line, column", [
    ("a: &x [1, *x]\n", 1, 11),
    ("a: &x {b: *x}\n", 1, 11),
    ("a: &x\n  <<: *x\n", 2, 7),
    ("a: &x\n  - [*x]\n", 2, 6),
])
def test_an_alias_inside_its_own_anchor_is_refused_where_it_is_written(parser, text, line, column):
    [message] = problems(text)
    assert message.startswith(f"m.yaml:{line}:{column}:")
    assert "alias *x is inside its own anchor &x" in message


def test_an_anchor_name_used_again_names_the_latest_value_written_before_the_alias(parser):
    composed = parse("a: &x [1]\nb: [*x, &x [2]]\nc: *x\n", "m.yaml")
    assert composed.data == {"a": [1], "b": [[1], [2]], "c": [2]}


def test_every_control_character_is_reported_at_its_line_and_column(parser):
    text = "name: sh\x00op\nclouds: {}\nsegments: {web: {description: \x07bell}}\n"
    assert problems(text) == [
        "m.yaml:1:9: a NUL byte (U+0000) is not allowed in YAML; remove it; a model is plain UTF-8 text",
        "m.yaml:3:31: the control character U+0007 is not allowed in YAML; remove it; a model is plain UTF-8 text"]


def test_tabs_line_breaks_and_non_ascii_text_are_allowed(parser):
    text = "a:\r\n  b: 'caf\u00e9\t\u2014 \U0001f600' # ok\r\n"
    assert parse(text, "m.yaml").data == {"a": {"b": "caf\u00e9\t\u2014 \U0001f600"}}


@pytest.mark.parametrize("text, what", [
    ("segments:\n  [web, api]: {}\n", "a list is used as a mapping key"),
    ("segments:\n  ? {web: 1}\n  : {}\n", "a mapping is used as a mapping key"),
])
def test_a_collection_used_as_a_mapping_key_is_a_located_problem(parser, text, what):
    [message] = problems(text)
    assert message.startswith("m.yaml:2:")
    assert f"segments: {what}" in message


def test_anchors_aliases_and_merge_keys_within_the_limits_mean_what_they_say(parser):
    with_aliases = HEAD + (
        "segments:\n"
        "  base: &base {clouds: [aws], internet: {egress: [443]}}\n"
        "  web: {<<: *base, description: front}\n"
        "  api: {<<: [*base, {description: ignored, services: [logging]}], description: back}\n"
        "flows:\n"
        "  - &http {from: web, to: api, ports: &ports [80, 443]}\n"
        "  - {<<: *http, from: base}\n"
        "  - {from: api, to: base, ports: *ports}\n")
    written_out = HEAD + (
        "segments:\n"
        "  base: {clouds: [aws], internet: {egress: [443]}}\n"
        "  web: {clouds: [aws], internet: {egress: [443]}, description: front}\n"
        "  api: {clouds: [aws], internet: {egress: [443]}, services: [logging], description: back}\n"
        "flows:\n"
        "  - {from: web, to: api, ports: [80, 443]}\n"
        "  - {from: base, to: api, ports: [80, 443]}\n"
        "  - {from: api, to: base, ports: [80, 443]}\n")
    assert parse_model(with_aliases).model == parse_model(written_out).model
