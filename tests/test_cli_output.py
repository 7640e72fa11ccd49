"""How the CLI behaves in pipes and terminals: full tables, plain JSON, unwrapped help examples,
-q/-v everywhere, progress only on a terminal, shell completion."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from infra.cli import app, output
from infra.load import load_model
from infra.report import findings_table
from infra.snapshot import read_snapshot
from infra.verify import verify

ROOT = Path(__file__).parent.parent
BULKHEAD = Path(sys.executable).parent / "bulkhead"
EXAMPLE = ROOT / "examples" / "ai-platform.yaml"
CASE = ROOT / "tests" / "data" / "snapshots" / "aws" / "02-default-security-group"
VERIFY = ["verify", str(CASE / "model.yaml"), "--cloud", "aws", "--snapshot", str(CASE)]
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    # A pipe for stdout and stderr, as in CI; COLUMNS=40 is what used to squeeze tables.
    return subprocess.run([str(BULKHEAD), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "40", **env})


def test_a_piped_table_keeps_every_cell_whole_whatever_columns_says():
    result = _run(["plan", str(EXAMPLE), "--cloud", "aws"])
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    assert "service:container-registry tcp/443" in result.stdout


def test_a_piped_report_shows_every_evidence_id_whole():
    as_json = json.loads(_run([*VERIFY, "--format", "json"]).stdout)
    ids = {e for f in as_json["findings"] for e in f["evidence"]}
    assert ids
    table = _run(VERIFY)
    assert table.returncode == 1  # the snapshot differs from its model: findings to show
    assert "…" not in table.stdout
    for evidence in ids:
        assert evidence in table.stdout


@pytest.mark.parametrize("width", [60, 100])
def test_in_a_narrow_terminal_evidence_ids_are_never_folded_inside(width):
    loaded = load_model(CASE / "model.yaml")
    from providers.aws.observe.normalize import normalize

    report = verify(loaded.model, normalize(read_snapshot(CASE), loaded.model))
    console = Console(width=width, force_terminal=True, color_system=None, record=True)
    console.print(findings_table(report.findings))
    text = console.export_text()
    for evidence in {e for f in report.findings for e in f.evidence}:
        assert evidence in text, evidence


@pytest.mark.parametrize("args", [
    ["plan", str(EXAMPLE), "--format", "json"],
    [*VERIFY, "--format", "json"],
    ["audit", "--cloud", "aws", "--snapshot", str(CASE), "--format", "json"],
    ["schema"],
])
def test_json_output_is_plain_json_even_when_colour_is_forced(args):
    result = _run(args, FORCE_COLOR="1", TTY_COMPATIBLE="1")
    assert "\x1b" not in result.stdout
    json.loads(result.stdout)


def test_tables_under_forced_colour_still_keep_their_cells_whole():
    result = _run(["plan", str(EXAMPLE), "--cloud", "aws"], FORCE_COLOR="1")
    assert "…" not in result.stdout and "service:container-registry" in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_quiet_and_verbose_and_an_example_that_is_never_rewrapped(name):
    result = CliRunner().invoke(app, [name, "--help"], terminal_width=30)
    assert result.exit_code == 0
    assert re.search(r"-q, --quiet\b", result.stdout) and re.search(r"-v, --verbose\b", result.stdout)
    epilog = COMMANDS[name].epilog.replace("\b", "").strip()
    assert epilog.startswith("Example: bulkhead ")
    assert epilog in result.stdout  # one line, as written, whatever the width


@pytest.mark.parametrize("name", ["validate", "plan", "graph", "pin", "simulate", "verify"])
def test_the_model_argument_is_shown_as_file(name):
    usage = CliRunner().invoke(app, [name, "--help"]).stdout.splitlines()[0]
    # validate takes several models: FILE...
    assert usage.endswith("{FILE}" if name != "validate" else "{FILE}...") and "file" not in usage.replace("FILE", "")


def test_quiet_leaves_only_the_result_and_verbose_adds_timings_on_stderr():
    quiet = CliRunner().invoke(app, ["validate", "-q", str(EXAMPLE)])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    normal = CliRunner().invoke(app, [*VERIFY, "--format", "json"])
    verbose = CliRunner().invoke(app, [*VERIFY, "--format", "json", "--verbose"])
    assert normal.stderr == "" and normal.stdout == verbose.stdout
    assert re.search(r"^proving \S+ on aws: \d+\.\d s$", verbose.stderr, re.MULTILINE)


def test_quiet_and_verbose_together_are_a_usage_error():
    result = CliRunner().invoke(app, ["validate", "-q", "-v", str(EXAMPLE)])
    assert result.exit_code == 2 and "contradict" in result.output


def test_progress_is_silent_when_stderr_is_not_a_terminal_and_shown_when_it_is(monkeypatch):
    shown: list[str] = []

    class Status:
        def __init__(self, what: Text) -> None:
            shown.append(what.plain)  # Text: a spinner would read a str as markup (a context named "[/x]")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(output.err, "status", Status)
    assert CliRunner().invoke(app, VERIFY).exit_code == 1
    assert shown == []
    monkeypatch.setattr(output, "_isatty", lambda stream: stream is sys.stderr)
    assert CliRunner().invoke(app, VERIFY).exit_code == 1
    assert len(shown) == 1 and shown[0].startswith("proving ") and shown[0].endswith(" on aws")
    assert CliRunner().invoke(app, [*VERIFY, "-q"]).exit_code == 1
    assert len(shown) == 1  # -q: no spinner either


def test_shell_completion_completes_command_names():
    result = _run([], _BULKHEAD_COMPLETE="complete_bash", COMP_WORDS="bulkhead val", COMP_CWORD="1")
    assert result.stdout.split() == ["validate"]
    assert "--install-completion" in _run(["--help"]).stdout


STDOUT_FULL = ("error: cannot write the results to stdout (No space left on device); redirect it somewhere with "
               "room, or use --output FILE where offered")


@pytest.mark.parametrize("args", [
    ["--version"], ["--help"], ["validate", str(EXAMPLE)], ["plan", str(EXAMPLE)],
    ["plan", str(EXAMPLE), "--format", "json"], ["graph", str(EXAMPLE)], ["schema"],
    ["diff", str(EXAMPLE), str(EXAMPLE)], ["diff", str(EXAMPLE), str(EXAMPLE), "--format", "json"],
], ids=" ".join)
def test_a_stdout_that_cannot_be_written_is_one_error_line_and_exit_2(args):
    # this checkout's code (python -m from the root), not whichever one the installed script imports
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [STDOUT_FULL]


def test_a_reader_that_goes_away_early_ends_the_run_quietly(tmp_path):
    # a guard for the stdout above: `bulkhead plan ... | head -1` must not turn into an error line
    big = tmp_path / "big.yaml"
    big.write_text("name: big\nclouds:\n  aws: {region: us-east-1, cidr: 10.0.0.0/16, zones: 1}\nsegments:\n"
                   + "".join(f"  s{i}: {{}}\n" for i in range(200))
                   + "flows:\n" + "".join(f"  - {{from: s{i}, to: s{i + 1}, ports: [80]}}\n" for i in range(199)))
    for args in (["plan", str(big)], ["plan", str(big), "--format", "json"], ["graph", str(big)]):
        process = subprocess.Popen([sys.executable, "-m", "infra.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()
        stderr = process.stderr.read().decode()
        process.wait(timeout=120)
        assert stderr == "", stderr


@pytest.mark.parametrize(("name", "sarif"), [("schema", False), ("diff", False), ("audit", False),
                                             ("verify", True), ("simulate", True), ("observe", True)])
def test_the_help_of_output_mentions_sarif_only_where_the_command_offers_it(name, sarif):
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    [option] = [p for p in COMMANDS[name].params if p.name == "output"]
    assert ("--format sarif" in option.help) is sarif
    assert ("sarif" in " ".join(result.stdout.split()).lower()) is sarif


# Free text from a model, a waivers file, a snapshot or a flow log, as Rich markup and emoji codes would
# read it: "[/x]" closes a tag never opened (a crash), "[bold]" and ":fire:" would style or replace text.
MARKUP = "[/x] [bold]y[/bold] :fire:"


def test_a_guardrail_description_in_the_findings_table_is_shown_as_written(tmp_path: Path) -> None:
    case = ROOT / "tests" / "data" / "snapshots" / "aws" / "10-implicit-route-table-and-public-address"
    model = tmp_path / "model.yaml"
    model.write_text((case.parent / "01-egress-default-kept" / "model.yaml").read_text()
                     + f"never:\n  - {{from: internet, to: db, description: {json.dumps(MARKUP)}}}\n")
    result = CliRunner().invoke(app, ["verify", str(model), "--cloud", "aws", "--snapshot", str(case)])
    assert result.exit_code == 1, result.output  # the guardrail is crossed: a finding, not a crash
    assert f"(internet never reaches db: {MARKUP})" in result.stdout


def test_a_name_from_a_snapshot_tag_in_the_audit_tables_is_shown_as_written(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(CASE, snapshot)
    subnets = snapshot / "us-east-1" / "Subnets.json"
    subnets.write_text(subnets.read_text().replace('"gotcha-web"', json.dumps(MARKUP)))
    table = CliRunner().invoke(app, ["audit", "--cloud", "aws", "--snapshot", str(snapshot)])
    assert table.exit_code == 1, table.output  # web is exposed: a result, not a crash
    assert MARKUP in table.stdout


def test_a_flow_log_interface_id_in_the_observe_tables_is_shown_as_written(tmp_path: Path) -> None:
    from infra.flows import render
    from infra.flows.gates import DEFAULT_OBSERVE_FAIL_ON, failing
    from tests.flows.sample import SAMPLE, classify_sample, sample_book

    log = tmp_path / "flows.log"
    log.write_text(SAMPLE.read_text().replace("eni-e1", "eni-[/x][bold]"))
    book = sample_book()
    book.interfaces["eni-[/x][bold]"] = book.interfaces.pop("eni-e1")
    report = classify_sample(book=book, path=log)
    parts = render.observe_tables(report, failing(report, DEFAULT_OBSERVE_FAIL_ON), ())
    output.show(parts, tmp_path / "observe.txt")  # the plain console --output writes with
    assert "eni-[/x][bold]" in (tmp_path / "observe.txt").read_text()


def test_the_consoles_print_str_as_text_and_colour_still_comes_from_styled_text() -> None:
    for console in (output.out, output.err):
        with console.capture() as captured:
            console.print(MARKUP)
        assert captured.get() == MARKUP + "\n"  # as written: no tag taken out, no emoji put in
    coloured = _run(VERIFY, FORCE_COLOR="1")
    assert "\x1b[" in coloured.stdout  # the report's own styles (Text with a style) still colour it
