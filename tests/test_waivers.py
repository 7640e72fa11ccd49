"""Posture that can be owned: --fail-on gates, waivers next to the model, expiry, bad waiver files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.checks import declared_checks
from infra.cli import app
from infra.errors import ModelError, UsageError
from infra.gate import DEFAULT_FAIL_ON, failing, parse_fail_on
from infra.verify import Finding
from infra.waivers import Waiver, load_waivers

SNAPSHOT = Path(__file__).parent / "data" / "snapshots" / "aws" / "12-peering-and-transit-are-not-the-internet"
# The snapshot's paths as the model intends them: only its four posture findings remain
# (two NACL entries that allow everything, two routes that leave the VPC), all on db.
POSTURE_ONLY = (SNAPSHOT / "model.yaml").read_text() + "  - {from: db, to: web, ports: [443]}\n"
ROUTES = """waivers:
  - check: BH-AWS-ROUTE-LEAVES-VPC
    segment: db
    reason: the transit gateway and the peering are verified by the network team
    expires: {expires}
"""
NACLS = """  - check: BH-AWS-NACL-ALLOW-ALL
    resource: acl-db#200-out
    reason: replies to the peered range, until the NACL module is replaced
    expires: 2999-12-31
  - check: BH-AWS-NACL-ALLOW-ALL
    resource: aws:nacl/acl-db#200-in
    reason: same
    expires: 2999-12-31
"""


def model_in(tmp_path: Path, waivers: str | None = None) -> Path:
    model = tmp_path / "model.yaml"
    model.write_text(POSTURE_ONLY)
    if waivers is not None:
        (tmp_path / "bulkhead.waivers.yaml").write_text(waivers)
    return model


def run(model: Path, *options: str):
    return CliRunner().invoke(app, ["verify", str(model), "--cloud", "aws", "--snapshot", str(SNAPSHOT), *options])


def test_posture_findings_only_warn_by_default_and_fail_when_asked(tmp_path: Path) -> None:
    model = model_in(tmp_path)
    warned = run(model)
    assert warned.exit_code == 0
    assert "4 posture finding(s) only warn" in warned.stdout and "--fail-on guardrail,path,posture" in warned.stdout
    assert run(model, "--fail-on", "posture").exit_code == 1
    assert run(model, "--fail-on", "path,guardrail,posture").exit_code == 1
    assert run(model, "--fail-on", "path", "--fail-on", "guardrail").exit_code == 0


def test_path_findings_fail_by_default_and_not_when_only_posture_is_asked() -> None:
    case = SNAPSHOT.parent / "07-nacl-stateless-and-subnet-scoped"  # one unintended, one missing path
    model = case / "model.yaml"
    assert run_case(model, case).exit_code == 1
    assert run_case(model, case, "--fail-on", "posture").exit_code == 0
    assert run_case(model, case, "--fail-on", "guardrail").exit_code == 0


def run_case(model: Path, case: Path, *options: str):
    return CliRunner().invoke(app, ["verify", str(model), "--cloud", "aws", "--snapshot", str(case), *options])


def test_an_unknown_fail_on_value_is_bad_input_naming_the_choices(tmp_path: Path) -> None:
    result = run(model_in(tmp_path), "--fail-on", "path,postures")
    assert result.exit_code == 2
    assert "--fail-on postures: unknown; use one or more of guardrail, path, posture" in result.stderr
    with pytest.raises(UsageError):
        parse_fail_on(["nothing"])
    assert parse_fail_on(None) == DEFAULT_FAIL_ON == parse_fail_on(["", " "])


def test_each_gate_fails_exactly_its_kinds() -> None:
    findings = [Finding(kind, "m") for kind in ("guardrail", "unintended-path", "missing-path", "posture")]
    assert [f.kind for f in failing(findings, frozenset({"path"}))] == ["unintended-path", "missing-path"]
    assert [f.kind for f in failing(findings, frozenset({"guardrail"}))] == ["guardrail"]
    assert [f.kind for f in failing(findings, frozenset({"posture"}))] == ["posture"]
    assert [f.kind for f in failing(findings, DEFAULT_FAIL_ON)] == ["guardrail", "unintended-path", "missing-path"]


def test_live_waivers_take_their_findings_out_and_the_json_keeps_them_apart(tmp_path: Path) -> None:
    model = model_in(tmp_path, ROUTES.format(expires="2999-12-31") + NACLS)
    result = run(model, "--fail-on", "posture", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["findings"] == [] and doc["matches_intent"] is True
    assert len(doc["waived"]) == 4
    route = next(f for f in doc["waived"] if f["check"] == "BH-AWS-ROUTE-LEAVES-VPC")
    assert route["waiver"] == {"file": str(tmp_path / "bulkhead.waivers.yaml"), "line": 2,
                               "reason": "the transit gateway and the peering are verified by the network team",
                               "expires": "2999-12-31", "expired": False}
    assert route["severity"] == declared_checks()["BH-AWS-ROUTE-LEAVES-VPC"].severity


def test_a_waiver_takes_out_only_what_it_names(tmp_path: Path) -> None:
    model = model_in(tmp_path, ROUTES.format(expires="2999-12-31"))
    result = run(model, "--fail-on", "posture", "--format", "json")
    assert result.exit_code == 1  # the NACL findings are not waived
    doc = json.loads(result.stdout)
    assert {f["check"] for f in doc["findings"]} == {"BH-AWS-NACL-ALLOW-ALL"}
    assert {f["check"] for f in doc["waived"]} == {"BH-AWS-ROUTE-LEAVES-VPC"}
    table = run(model)
    assert "waived (" in table.stdout and "2999-12-31" in table.stdout  # the table of what is waived, until when


def test_a_reason_is_shown_in_the_waived_table_as_written_not_as_rich_markup(tmp_path: Path) -> None:
    reason = "[/x] [bold]y[/bold] :fire:"  # "[/x]" as Rich markup is a crash; the others would be restyled
    model = model_in(tmp_path, ROUTES.format(expires="2999-12-31").replace(
        "the transit gateway and the peering are verified by the network team", json.dumps(reason)))
    table = run(model)
    assert table.exit_code == 0, table.output
    assert reason in table.stdout and "BH-AWS-ROUTE-LEAVES-VPC" in table.stdout


def test_an_expired_waiver_stops_waiving_and_says_so(tmp_path: Path) -> None:
    model = model_in(tmp_path, ROUTES.format(expires="2001-01-31") + NACLS)
    result = run(model, "--fail-on", "posture", "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    back = [f for f in doc["findings"] if f["check"] == "BH-AWS-ROUTE-LEAVES-VPC"]
    assert len(back) == 2 and all(f["waiver"]["expired"] for f in back)
    assert doc["matches_intent"] is False
    waivers = tmp_path / "bulkhead.waivers.yaml"
    assert f"{waivers}:2: waivers[0]: expired on 2001-01-31; BH-AWS-ROUTE-LEAVES-VPC on aws:rtb/" in result.stderr
    assert "is reported again" in result.stderr
    validated = CliRunner().invoke(app, ["validate", str(model)])
    assert validated.exit_code == 0 and "3 waivers (1 expired)" in validated.stdout
    assert "expired on 2001-01-31" in validated.stderr


def test_a_waiver_matches_its_check_on_its_resource_or_segment_and_nothing_else() -> None:
    finding = Finding("posture", "m", ("aws:rtb/rtb-1#0.0.0.0/0",), src="db", check="BH-AWS-ROUTE-LEAVES-VPC")
    until = date(2999, 1, 1)

    def waiver(check: str = "BH-AWS-ROUTE-LEAVES-VPC", resource: str | None = None,
               segment: str | None = None) -> Waiver:
        return Waiver(check, "r", until, resource, segment)

    assert waiver(resource="aws:rtb/rtb-1#0.0.0.0/0").matches(finding)
    assert waiver(resource="rtb-1#0.0.0.0/0").matches(finding)
    assert waiver(segment="db").matches(finding)
    assert not waiver(resource="rtb-2#0.0.0.0/0").matches(finding)
    assert not waiver(segment="web").matches(finding)
    assert not waiver("BH-AWS-FLOWLOGS-OFF", segment="db").matches(finding)
    path = Finding("unintended-path", "m", ("aws:rtb/rtb-1#0.0.0.0/0",), src="db", dst="web")
    assert not waiver(segment="db").matches(path)  # paths are never waived
    assert not waiver(segment="db").expired(until) and waiver(segment="db").expired(date(2999, 1, 2))


BAD_WAIVERS = """waivers:
  - check: BH-AWS-ROUTE-LEAVES-VCP
    segment: db
    reason: typo in the id
    expires: 2999-01-01
  - check: BH-AWS-FLOWLOGS-OFF
    resource: aws:vpc/vpc-1
    segment: db
    expires: 2999-02-30
  - check: BH-AWS-FLOWLOGS-OFF
    segmnet: dbb
    reason: ""
    expires: soon
  - check: BH-AWS-FLOWLOGS-OFF
    segment: dbb
    reason: no such segment
    expires: 2999-01-01
"""


def test_every_bad_waiver_entry_is_a_located_problem_with_its_fix(tmp_path: Path) -> None:
    path = tmp_path / "bulkhead.waivers.yaml"
    path.write_text(BAD_WAIVERS)
    with pytest.raises(ModelError) as caught:
        load_waivers(path, declared_checks(), ["web", "db"])
    found = [(d.line, d.column, d.path, d.message) for d in caught.value.diagnostics]
    assert found == [
        (2, 12, "waivers[0].check", "unknown check 'BH-AWS-ROUTE-LEAVES-VCP'"),
        (6, 5, "waivers[1]", "missing required key 'reason'"),
        (6, 5, "waivers[1]", "the waiver names both resource and segment"),
        (9, 14, "waivers[1].expires", "expires '2999-02-30' is not a date"),
        (10, 5, "waivers[2]", "the waiver names neither resource nor segment"),
        (11, 5, "waivers[2].segmnet", "unknown key 'segmnet'"),
        (12, 13, "waivers[2].reason", "reason must say why the finding is accepted (it is empty)"),
        (13, 14, "waivers[2].expires", "expires 'soon' is not a date"),
        (15, 14, "waivers[3].segment", "unknown segment 'dbb'"),
    ]
    fixes = {d.path: d.fix for d in caught.value.diagnostics}
    assert fixes["waivers[0].check"] == "did you mean 'BH-AWS-ROUTE-LEAVES-VPC'?"
    assert fixes["waivers[2].segmnet"] == "did you mean 'segment'?"
    assert fixes["waivers[3].segment"] == "did you mean 'db'?"


def refused(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(ModelError) as caught:
        load_waivers(path, declared_checks(), ["web", "db"])
    return [str(d) for d in caught.value.diagnostics]


def test_a_check_id_in_the_wrong_case_gets_its_id_and_is_told_ids_are_upper_case(tmp_path: Path) -> None:
    [lower] = refused(tmp_path, "waivers:\n  - {check: bh-aws-route-leaves-vpc, segment: db, reason: r, "
                                "expires: 2999-01-01}\n")
    assert lower.endswith("waivers[0].check: unknown check 'bh-aws-route-leaves-vpc'; "
                          "did you mean 'BH-AWS-ROUTE-LEAVES-VPC'? (check ids are upper case)")
    [unknown] = refused(tmp_path, "waivers:\n  - {check: nothing-like-it, segment: db, reason: r, "
                                  "expires: 2999-01-01}\n")
    assert unknown.endswith("use an id from docs/checks.md; check ids are upper case")
    [typo] = refused(tmp_path, "waivers:\n  - {check: BH-AWS-ROUTE-LEAVES-VCP, segment: db, reason: r, "
                               "expires: 2999-01-01}\n")
    assert typo.endswith("did you mean 'BH-AWS-ROUTE-LEAVES-VPC'?")  # upper case already: no word on case


def test_an_empty_reason_asks_for_one_and_a_reason_that_is_not_text_says_what_it_is(tmp_path: Path) -> None:
    entry = "waivers:\n  - {{check: BH-AWS-FLOWLOGS-OFF, segment: db, reason: {reason}, expires: 2999-01-01}}\n"
    [empty] = refused(tmp_path, entry.format(reason="'  '"))
    assert "waivers[0].reason: reason must say why the finding is accepted (it is empty)" in empty
    [number] = refused(tmp_path, entry.format(reason="5"))
    assert "waivers[0].reason: reason must be text, not 5" in number


@pytest.mark.parametrize("second", ["resource: aws:rtb/rtb-1#0.0.0.0/0", "resource: rtb-1#0.0.0.0/0"])
def test_a_second_waiver_of_the_same_finding_is_refused_naming_both_places(tmp_path: Path, second: str) -> None:
    text = f"""waivers:
  - check: BH-AWS-ROUTE-LEAVES-VPC
    resource: aws:rtb/rtb-1#0.0.0.0/0
    reason: verified by the network team
    expires: 2999-01-01
  - check: BH-AWS-ROUTE-LEAVES-VPC
    {second}
    reason: accepted again, with another expiry
    expires: 2030-01-01
"""
    [problem] = refused(tmp_path, text)
    assert problem == (f"{tmp_path / 'w.yaml'}:6:5: waivers[1]: a second waiver of BH-AWS-ROUTE-LEAVES-VPC on "
                       f"{second.replace(':', '', 1)}, after waivers[0] (at {tmp_path / 'w.yaml'}:2:5); keep one entry "
                       "per finding, with one reason and one expires date")


def test_waivers_of_the_same_check_on_other_targets_or_of_other_checks_are_not_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("""waivers:
  - {check: BH-AWS-ROUTE-LEAVES-VPC, resource: aws:rtb/rtb-1#0.0.0.0/0, reason: r, expires: 2999-01-01}
  - {check: BH-AWS-ROUTE-LEAVES-VPC, resource: aws:rtb/rtb-2#0.0.0.0/0, reason: r, expires: 2999-01-01}
  - {check: BH-AWS-ROUTE-LEAVES-VPC, segment: db, reason: the whole segment, expires: 2999-01-01}
  - {check: BH-AWS-FLOWLOGS-OFF, segment: db, reason: r, expires: 2999-01-01}
  - {check: BH-AWS-FLOWLOGS-OFF, segment: web, reason: r, expires: 2999-01-01}
""")
    assert len(load_waivers(path, declared_checks(), ["web", "db"])) == 5


def test_a_waiver_for_a_cloud_the_model_does_not_declare_warns_with_its_place_and_exits_0(tmp_path: Path) -> None:
    model = model_in(tmp_path, ROUTES.format(expires="2999-12-31")
                     + "  - {check: BH-GCP-FLOWLOGS-OFF, segment: db, reason: the gcp model's, expires: 2999-01-01}\n")
    waivers = tmp_path / "bulkhead.waivers.yaml"
    for args in (["validate", str(model)], ["verify", str(model), "--cloud", "aws", "--snapshot", str(SNAPSHOT)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == [
            f"{waivers}:6:5: waivers[1].check: BH-GCP-FLOWLOGS-OFF is a check of gcp, which the model does not "
            "declare (it declares aws); this waiver waives nothing here; remove it, or keep it only if a model "
            "of that cloud shares this folder"]
    aws_only = CliRunner().invoke(app, ["validate", str(model_in(tmp_path, ROUTES.format(expires="2999-12-31")))])
    assert aws_only.exit_code == 0 and aws_only.stderr == ""


def test_a_date_that_does_not_exist_is_a_located_problem_in_waivers_and_text_in_a_model(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("waivers:\n  - {check: BH-AWS-FLOWLOGS-OFF, segment: db, reason: r, expires: 2025-02-29}\n")
    with pytest.raises(ModelError) as caught:
        load_waivers(path, declared_checks())
    assert [(d.line, d.path) for d in caught.value.diagnostics] == [(2, "waivers[0].expires")]
    model = tmp_path / "m.yaml"  # the YAML date constructor used to raise here: a traceback, not a problem
    model.write_text(POSTURE_ONLY.replace("  db: {}", "  db: {description: 2025-02-29}"))
    assert CliRunner().invoke(app, ["validate", str(model)]).exit_code == 0


@pytest.mark.parametrize("command", ["verify", "validate"])
def test_a_bad_waivers_file_stops_verify_and_validate_with_exit_2(tmp_path: Path, command: str) -> None:
    model = model_in(tmp_path, BAD_WAIVERS)
    args = [command, str(model)] + (["--cloud", "aws", "--snapshot", str(SNAPSHOT)] if command == "verify" else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(f"{tmp_path / 'bulkhead.waivers.yaml'}:2:12: waivers[0].check:")
    assert result.stderr.splitlines()[-1] == "9 problem(s) found; nothing was changed."


@pytest.mark.parametrize("text", ["- not a mapping\n", "waivers: {a: 1}\n", "waivers: [\n", "wavers: []\n"])
def test_a_waivers_file_of_the_wrong_shape_is_refused_not_a_traceback(tmp_path: Path, text: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(ModelError) as caught:
        load_waivers(path, declared_checks())
    assert all(d.file == str(path) and d.line >= 1 for d in caught.value.diagnostics)


def test_an_explicit_waivers_file_must_exist_and_an_empty_one_waives_nothing(tmp_path: Path) -> None:
    model = model_in(tmp_path)
    missing = run(model, "--waivers", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "--waivers" in missing.stderr
    (tmp_path / "empty.yaml").write_text("")
    assert run(model, "--waivers", str(tmp_path / "empty.yaml"), "--fail-on", "posture").exit_code == 1


@pytest.mark.parametrize("command", ["verify", "validate"])
@pytest.mark.parametrize(("kind", "reason"), [
    ("directory", "Is a directory"),
    ("dangling-symlink", "a symlink to {missing}, which does not exist"),
])
def test_a_waivers_file_next_to_the_model_that_cannot_be_read_is_exit_2_not_ignored(
        tmp_path: Path, command: str, kind: str, reason: str) -> None:
    model = model_in(tmp_path)
    waivers = tmp_path / "bulkhead.waivers.yaml"
    missing = tmp_path / "nowhere.yaml"
    if kind == "directory":
        waivers.mkdir()
    else:
        waivers.symlink_to(missing)
    args = [command, str(model)] + (["--cloud", "aws", "--snapshot", str(SNAPSHOT)] if command == "verify" else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == [
        f"{waivers}:1:1: cannot read the waivers file ({reason.format(missing=missing)}); "
        "make it a readable UTF-8 YAML file, or remove it",
        "1 problem(s) found; nothing was changed."]


def test_an_explicit_waivers_path_that_is_a_directory_says_so(tmp_path: Path) -> None:
    result = run(model_in(tmp_path), "--waivers", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: --waivers {tmp_path}: is a directory, not a file; pass the "
                                          f"waivers file itself, e.g. {tmp_path / 'bulkhead.waivers.yaml'}"]


def test_a_waivers_file_is_read_no_further_than_one_byte_past_the_size_limit(monkeypatch) -> None:
    import os

    from infra import yaml_parse

    monkeypatch.setattr(yaml_parse, "MAX_BYTES", 1000)
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"#" * 5000)
        os.close(write_end)
        with pytest.raises(ModelError) as caught:
            load_waivers(Path(f"/dev/fd/{read_end}"), declared_checks())
        assert "more than 1,000 bytes" in str(caught.value)
        assert len(os.read(read_end, 10_000)) == 5000 - 1001
    finally:
        os.close(read_end)
