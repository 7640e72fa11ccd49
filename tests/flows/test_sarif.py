"""`observe --format sarif`: verify's conventions (relative URI, version, rules with help and
security-severity, fingerprints), one result per flow that needs attention, each at its model line.

Every log made here is also checked against the vendored official schema by tests/conftest.py
(observe's logs go through infra.sarif.completed_log, which it wraps).
"""

from __future__ import annotations

from pathlib import Path

from infra.flows.sarif import OBSERVE_RULES, observe_log
from infra.load import load_model
from infra.sarif import Run, artifact
from tests.flows.sample import GUARDED, MODEL, ROOT, SAMPLE, classify_sample

PRINT = "bulkheadFinding/v1"


def log_of(model_file: Path = GUARDED, **sample: object) -> dict:
    loaded = load_model(model_file)
    report = classify_sample(model=loaded.model, **sample)  # type: ignore[arg-type]
    return observe_log(report, loaded, Run("9.9.9", "observe", "aws", artifact(model_file, ROOT)))


def results_by(log: dict) -> dict[tuple[str, str], dict]:
    """(rule, message up to the first ':' after the endpoints) -> result."""
    return {(r["ruleId"], r["message"]["text"].split(": ")[1]): r for r in log["runs"][0]["results"]}


def line_at(result: dict, model_file: Path = GUARDED) -> str:
    region = result["locations"][0]["physicalLocation"]["region"]
    return model_file.read_text().splitlines()[region["startLine"] - 1][region["startColumn"] - 1:]


def test_observe_logs_are_among_those_the_suite_checks_against_the_official_schema(
        every_sarif_log_follows_the_official_schema):
    log = log_of()
    assert every_sarif_log_follows_the_official_schema[-1] is log


def test_the_log_follows_verifys_conventions_for_code_scanning():
    run = log_of()["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("bulkhead", "9.9.9")
    assert run["automationDetails"]["id"] == "bulkhead/observe/aws/"
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {
        "tests/flows/models/guarded.yaml"}
    assert [rule["id"] for rule in driver["rules"]] == list(OBSERVE_RULES)
    for rule in driver["rules"]:
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["shortDescription"]["text"]
        assert float(rule["properties"]["security-severity"]) > 0
    severity = {rule["id"]: float(rule["properties"]["security-severity"]) for rule in driver["rules"]}
    assert severity["observe/guardrail"] > severity["observe/violation"] > severity["observe/blocked-attempt"]
    assert all(run["results"][i]["ruleId"] == driver["rules"][r["ruleIndex"]]["id"]
               for i, r in enumerate(run["results"]))


def test_a_guardrail_crossing_or_attempt_is_placed_on_the_guardrail_entry_it_concerns():
    found = results_by(log_of())
    crossing = found[("observe/guardrail", "edge -> db on tcp/5432")]
    assert crossing["level"] == "error" and crossing["properties"]["guardrail"] == "never[0]"
    assert line_at(crossing).startswith("to: db") and "crossed guardrail never[0] (edge never reaches db" in \
        crossing["message"]["text"]
    exfiltration = found[("observe/guardrail-attempt", "db -> internet on tcp/443")]
    assert line_at(exfiltration).startswith("internet]")  # the second entry of never[1]'s to: list
    assert "tried to cross guardrail never[1]" in exfiltration["message"]["text"]
    scan = found[("observe/guardrail-attempt", "internet -> edge on tcp/3389")]
    assert line_at(scan).startswith("to: edge, ports: [3389]")


def test_other_traffic_is_placed_on_the_flow_or_the_segment_line_it_belongs_to():
    found = results_by(log_of())
    assert line_at(found[("observe/broken", "edge -> app on tcp/8080")]).startswith("{from: edge, to: app")
    assert line_at(found[("observe/violation", "edge -> app on ip-47")]).startswith("{from: edge, to: app")
    assert line_at(found[("observe/unused", "ops -> db on udp/8125")]).startswith("{from: ops, to: [app, db]")
    assert line_at(found[("observe/unknown", "unknown -> db on tcp/5432")]).startswith("db: {}")
    plain = results_by(log_of(MODEL))  # without guardrails: plain attempts, at the sender's segment
    assert line_at(plain[("observe/blocked-attempt", "db -> internet on tcp/443")], MODEL).startswith("db: {}")


def test_internet_scans_that_try_no_guardrail_raise_no_alert_and_intended_traffic_none():
    found = results_by(log_of())
    assert ("observe/blocked-attempt", "internet -> edge on tcp/22") not in found
    assert not any(rule == "observe/intended" for rule, _ in found)
    plain = results_by(log_of(MODEL))
    assert not any(what.startswith("internet ->") for rule, what in plain if rule == "observe/blocked-attempt")


def test_fingerprints_are_one_per_result_and_ignore_counts_and_times(tmp_path):
    whole = log_of()
    prints = {r["partialFingerprints"][PRINT]: r for r in whole["runs"][0]["results"]}
    assert len(prints) == len(whole["runs"][0]["results"])
    again = tmp_path / "sample.log"  # the broken edge -> app attempt (lines 25-26) once more, later
    again.write_text(SAMPLE.read_text() + "".join(
        line.replace("17145662", "17145692") + "\n" for line in SAMPLE.read_text().splitlines()[24:26]))
    later = {r["partialFingerprints"][PRINT]: r for r in log_of(path=again)["runs"][0]["results"]}
    assert set(later) == set(prints)
    broken = next(k for k, r in prints.items() if r["ruleId"] == "observe/broken")
    assert prints[broken]["properties"]["records"] == 1 and later[broken]["properties"]["records"] == 2
    assert later[broken]["message"]["text"] != prints[broken]["message"]["text"]


def test_traffic_with_the_internet_or_a_service_is_placed_on_the_segments_internet_or_services_line(tmp_path):
    sample = tmp_path / "sample.log"
    sample.write_text(SAMPLE.read_text() + "".join(line + "\n" for line in (
        "2 123456789012 eni-e1 198.51.100.7 10.40.1.10 51000 8443 6 7 500 1714568000 1714568059 ACCEPT OK",
        "2 123456789012 eni-a1 10.40.2.10 52.216.8.1 40003 80 6 13 1100 1714568000 1714568059 ACCEPT OK")))
    found = results_by(log_of(MODEL, path=sample))
    assert line_at(found[("observe/violation", "internet -> edge on tcp/8443")], MODEL).startswith("ingress: [443]")
    assert line_at(found[("observe/violation", "app -> service:object-storage on tcp/80")], MODEL).startswith(
        "services: [object-storage]")
