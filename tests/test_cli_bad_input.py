"""`bulkhead validate` on bad input: exit 2, one `file:line:col:` line per problem, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app

BAD = Path(__file__).parent / "data" / "bad"
BAD_FILES = sorted(BAD.glob("*.yaml"))
BULKHEAD = Path(sys.executable).parent / "bulkhead"
SUMMARY = re.compile(r"^\d+ problem\(s\) found; nothing was changed\.$")


def assert_located_lines_only(stderr: str, file: Path) -> None:
    lines = stderr.rstrip("\n").split("\n")
    assert SUMMARY.match(lines[-1]), lines[-1]
    assert int(lines[-1].split()[0]) == len(lines) - 1
    located = re.compile(rf"^{re.escape(str(file))}:\d+:\d+: ")
    for line in lines[:-1]:
        assert located.match(line), line


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.name)
def test_validate_rejects_a_bad_model_with_exit_2_and_located_lines(path):
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert_located_lines_only(result.stderr, path)


def test_validate_of_a_missing_file_exits_2_with_a_located_line():
    missing = BAD / "no-such-model.yaml"
    result = CliRunner().invoke(app, ["validate", str(missing)])
    assert result.exit_code == 2
    assert_located_lines_only(result.stderr, missing)
    assert "file does not exist" in result.stderr


@pytest.mark.parametrize("command", ["plan", "graph", "pin"])
def test_every_command_that_reads_a_model_rejects_a_bad_one_the_same_way(command):
    path = BAD / "several-problems.yaml"
    before = path.read_text()
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 2
    assert_located_lines_only(result.stderr, path)
    assert path.read_text() == before  # pin must not touch a model it rejected


@pytest.mark.parametrize("name", ["several-problems.yaml", "yaml-unclosed-bracket.yaml", "quota-aws-nacl.yaml"])
def test_the_installed_command_exits_2_without_a_traceback(name):
    path = BAD / name
    done = subprocess.run([str(BULKHEAD), "validate", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert_located_lines_only(done.stderr, path)


def test_a_good_model_validates_with_exit_0():
    example = Path(__file__).parents[1] / "examples" / "ai-platform.yaml"
    result = CliRunner().invoke(app, ["validate", str(example)])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{example}: ok: model 'ai-platform', 8 segments, 10 flows")
