"""`observe --fail-on`: which traffic classes exit 1 (default: a guardrail crossed or a violation)."""

from __future__ import annotations

import pytest

from infra.errors import UsageError
from infra.flows.gates import DEFAULT_OBSERVE_FAIL_ON, failing, parse_observe_fail_on, warned
from tests.flows.sample import classify_sample, guarded_model


def classes(rows) -> set[tuple[str, str | None]]:
    return {(r.cls, r.guardrail) for r in rows}


def test_by_default_guardrail_crossings_and_violations_fail_and_nothing_else_does():
    assert parse_observe_fail_on(None) == parse_observe_fail_on([]) == DEFAULT_OBSERVE_FAIL_ON
    assert {"guardrail", "violation"} == DEFAULT_OBSERVE_FAIL_ON
    report = classify_sample(model=guarded_model())
    assert {r.cls for r in failing(report, DEFAULT_OBSERVE_FAIL_ON)} == {"guardrail", "violation"}
    assert warned(report, DEFAULT_OBSERVE_FAIL_ON) == ()


def test_values_may_be_repeated_or_comma_separated():
    assert parse_observe_fail_on(["guardrail", "broken,unknown"]) == {"guardrail", "broken", "unknown"}


@pytest.mark.parametrize(("values", "message"), [
    (["path"], "path and posture are verify's"), (["violation,sometimes"], "--fail-on sometimes: not an observe")])
def test_an_unknown_gate_is_bad_input_naming_the_accepted_ones(values, message):
    with pytest.raises(UsageError, match=message) as raised:
        parse_observe_fail_on(values)
    assert "guardrail, violation, blocked-attempt, broken, unknown" in str(raised.value)


def test_blocked_attempts_fail_when_internal_or_on_a_guardrail_never_for_a_plain_internet_scan():
    plain = failing(classify_sample(), frozenset({"blocked-attempt"}))
    assert {(r.src, r.port) for r in plain} == {("db", 22), ("db", 443)}  # not the internet's scans of 22, 3389
    guarded = failing(classify_sample(model=guarded_model()), frozenset({"blocked-attempt"}))
    assert {(r.src, r.port, r.guardrail) for r in guarded} == {
        ("db", 22, "never[1]"), ("db", 443, "never[1]"), ("internet", 3389, "never[2]")}


def test_a_class_left_out_of_the_gates_only_warns():
    report = classify_sample(model=guarded_model())
    only_broken = frozenset({"broken"})
    assert classes(failing(report, only_broken)) == {("broken", None)}
    assert classes(warned(report, only_broken)) == {("guardrail", "never[0]"), ("violation", None)}
    assert failing(report, frozenset({"unknown"})) and not failing(classify_sample(model=guarded_model()),
                                                                  frozenset())
