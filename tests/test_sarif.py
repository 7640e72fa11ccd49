"""SARIF that code scanning accepts: official schema, relative URIs, stable fingerprints, rules, failed runs.

Every log made here is also checked against the vendored official schema by tests/conftest.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from infra.cli import app
from infra.version import tool_version
from tests.sarif_schema import sarif_errors

SNAPSHOTS = Path(__file__).parent / "data" / "snapshots" / "aws"
CASE = SNAPSHOTS / "01-egress-default-kept"  # unintended paths and a posture finding
MODEL = (CASE / "model.yaml").read_text()


def sarif_of(model: Path, *extra: str, case: Path = CASE, out: Path | None = None) -> tuple[int, dict]:
    out = out or model.parent / "out.sarif"
    result = CliRunner().invoke(app, ["verify", str(model), "--cloud", "aws", "--snapshot", str(case),
                                      "--format", "sarif", "--output", str(out), *extra])
    assert result.stdout == ""  # the log went to the file
    return result.exit_code, json.loads(out.read_text())


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def test_the_vendored_schema_rejects_a_broken_log_so_checking_against_it_means_something() -> None:
    assert sarif_errors({"version": "2.1.0", "runs": []}) == []
    assert sarif_errors({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})  # a driver needs a name
    assert sarif_errors({"version": "2.0.0", "runs": []})
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": "text"}]}]}
    assert sarif_errors(broken)  # a message is an object, not a string


def test_the_model_is_named_relative_to_the_repository_root_however_it_was_typed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo(tmp_path / "repo")
    model = repo / "network" / "model.yaml"
    model.parent.mkdir()
    model.write_text(MODEL)
    locations = []
    for cwd, typed in ((repo, "network/model.yaml"), (repo / "network", "model.yaml"), (tmp_path, str(model))):
        monkeypatch.chdir(cwd)
        _, log = sarif_of(Path(typed), out=tmp_path / "out.sarif")
        run = log["runs"][0]
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
        places = [r["locations"][0]["physicalLocation"] for r in run["results"]]
        locations.append({json.dumps(place["artifactLocation"]) for place in places})
    assert locations[0] == locations[1] == locations[2] == {'{"uri": "network/model.yaml", "uriBaseId": "%SRCROOT%"}'}


def test_outside_a_repository_the_model_is_named_relative_to_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.yaml").write_text(MODEL)
    monkeypatch.chdir(tmp_path)
    _, log = sarif_of(Path("models/m.yaml"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"models/m.yaml"}


def test_fingerprints_survive_a_second_run_and_unrelated_edits_that_move_every_line(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(MODEL)
    _, first = sarif_of(model)
    _, again = sarif_of(model)
    edited = "# reviewed by the network team\n# (two comment lines move everything down)\n" + MODEL.replace(
        "  db: {}", "  db: {description: the orders database}")
    model.write_text(edited)
    _, moved = sarif_of(model)

    def prints(log: dict) -> dict[str, tuple[str, int]]:
        results = log["runs"][0]["results"]
        return {r["partialFingerprints"]["bulkheadFinding/v1"]:
                (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}

    assert prints(first) == prints(again)
    assert len(prints(first)) == len(first["runs"][0]["results"]) >= 4  # one per finding, none shared
    assert {k: rule for k, (rule, _) in prints(moved).items()} == {k: rule for k, (rule, _) in prints(first).items()}
    assert all(prints(moved)[k][1] == line + 2 for k, (_, line) in prints(first).items())


def test_a_different_finding_gets_a_different_fingerprint(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(MODEL)
    _, one = sarif_of(model)
    _, other = sarif_of(model, case=SNAPSHOTS / "12-peering-and-transit-are-not-the-internet")
    ones = {r["partialFingerprints"]["bulkheadFinding/v1"]: r["message"]["text"] for r in one["runs"][0]["results"]}
    others = {r["partialFingerprints"]["bulkheadFinding/v1"]: r["message"]["text"]
              for r in other["runs"][0]["results"]}
    for shared in set(ones) & set(others):  # the same identity may only mean the same path or resource
        assert ones[shared].split(" on ")[0] == others[shared].split(" on ")[0]
    assert set(others) - set(ones)


def test_the_log_names_the_tool_version_and_one_rule_per_kind_and_check_with_help_and_severity(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(MODEL)
    code, log = sarif_of(model)
    assert code == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["version"] == tool_version() != "0+unknown"
    rules = driver["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)) and {"guardrail", "unintended-path", "missing-path"} <= set(ids)
    assert "BH-AWS-FLOWLOGS-OFF" in ids and not any(i.startswith("BH-GCP-") for i in ids)  # this cloud's checks
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"] and rule["help"]["markdown"]
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    posture = [r for r in run["results"] if r["ruleId"].startswith("BH-")]
    assert [r["ruleId"] for r in posture] == ["BH-AWS-NACL-ALLOW-ALL"]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["automationDetails"]["id"] == "bulkhead/verify/aws/"


def test_waived_findings_stay_out_of_the_log(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(MODEL)
    (tmp_path / "bulkhead.waivers.yaml").write_text(
        "waivers:\n  - {check: BH-AWS-NACL-ALLOW-ALL, segment: db, reason: being replaced, expires: 2999-01-01}\n")
    _, log = sarif_of(model)
    rules = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert "BH-AWS-NACL-ALLOW-ALL" not in rules and "unintended-path" in rules


def test_a_run_that_cannot_read_the_cloud_still_leaves_a_valid_log_saying_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    import providers.aws.observe as observe

    ec2 = boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="y")
    monkeypatch.setattr(observe, "live_source", lambda **_: ec2)
    model = tmp_path / "model.yaml"
    model.write_text(MODEL)
    out = tmp_path / "deep" / "results.sarif"
    with Stubber(ec2) as stub:
        stub.add_client_error("describe_vpcs", "UnauthorizedOperation", "You are not authorized")
        result = CliRunner().invoke(app, ["verify", str(model), "--cloud", "aws", "--region", "eu-west-1",
                                          "--format", "sarif", "--output", str(out)])
    assert result.exit_code == 3
    assert "UnauthorizedOperation" in result.stderr
    [invocation] = json.loads(out.read_text())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 3
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "describe_vpcs" in note["message"]["text"]


@pytest.mark.parametrize("command", ["verify", "simulate"])
def test_bad_input_leaves_a_log_whose_notifications_point_at_the_lines(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(MODEL.replace("  db: {}", "  db: {descripton: x}"))
    args = [command, "bad.yaml", "--cloud", "aws", "--format", "sarif", "--output", "out.sarif"]
    result = CliRunner().invoke(app, args + (["--snapshot", str(CASE)] if command == "verify" else []))
    assert result.exit_code == 2
    assert result.stderr.startswith("bad.yaml:7:")
    [invocation] = json.loads(Path("out.sarif").read_text())["runs"][0]["invocations"]
    [note] = invocation["toolExecutionNotifications"]
    place = note["locations"][0]["physicalLocation"]
    assert place["artifactLocation"] == {"uri": "bad.yaml", "uriBaseId": "%SRCROOT%"}
    assert place["region"]["startLine"] == 7 and "unknown key 'descripton'" in note["message"]["text"]


def test_without_output_a_failed_run_prints_the_failed_log_and_the_error_apart() -> None:
    result = CliRunner().invoke(app, ["verify", str(CASE / "model.yaml"), "--cloud", "aws", "--snapshot",
                                      "/nonexistent", "--format", "sarif"])
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert result.stderr.startswith("error: /nonexistent")


def test_other_formats_go_to_the_output_file_too_and_an_unwritable_one_is_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["verify", str(CASE / "model.yaml"), "--cloud", "aws", "--snapshot", str(CASE)]
    as_json = runner.invoke(app, [*base, "--format", "json", "--output", str(tmp_path / "r.json")])
    assert (as_json.exit_code, as_json.stdout) == (1, "")
    assert json.loads((tmp_path / "r.json").read_text())["matches_intent"] is False
    as_table = runner.invoke(app, [*base, "--output", str(tmp_path / "r.txt")])
    text = (tmp_path / "r.txt").read_text()
    assert as_table.stdout == "" and "finding(s): the cloud differs from the model" in text and "\x1b[" not in text
    unwritable = runner.invoke(app, [*base, "--format", "json", "--output", str(tmp_path)])  # a directory
    assert unwritable.exit_code == 2 and "--output" in unwritable.stderr and "Traceback" not in unwritable.output


def test_a_simulate_run_that_matches_writes_a_successful_log_of_its_own_category(tmp_path: Path) -> None:
    model = Path(__file__).parents[1] / "examples" / "minimal.yaml"
    out = tmp_path / "simulate.sarif"
    result = CliRunner().invoke(app, ["simulate", str(model), "--cloud", "aws", "--format", "sarif", "--output",
                                      str(out), "--fail-on", "path,guardrail,posture"])
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    run = json.loads(out.read_text())["runs"][0]
    assert run["results"] == [] and run["invocations"] == [{"executionSuccessful": True}]
    assert run["automationDetails"]["id"] == "bulkhead/simulate/aws/"
