"""`bulkhead validate` on bad input: exit 2, one `file:line:col:` line per problem, never a traceback."""

from __future__ import annotations

import os
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


MINIMAL = Path(__file__).parents[1] / "examples" / "minimal.yaml"
REPO = Path(__file__).parents[1]


def unreadable_model(kind: str, tmp_path: Path) -> Path:
    """A model path the operating system refuses to open, each for another reason."""
    if kind == "name-too-long":  # ENAMETOOLONG: one name over 255 bytes
        return tmp_path / ("m" * 300 + ".yaml")
    if kind == "under-a-file":  # NotADirectoryError: m.yaml/x.yaml
        model = tmp_path / "m.yaml"
        model.write_text(MINIMAL.read_text())
        return model / "x.yaml"
    loop = tmp_path / "loop.yaml"  # ELOOP: two symlinks naming each other
    (tmp_path / "other.yaml").symlink_to(loop)
    loop.symlink_to(tmp_path / "other.yaml")
    return loop


@pytest.mark.parametrize("command", ["validate", "plan", "graph", "pin", "diff"])
@pytest.mark.parametrize(("kind", "reason"), [
    ("name-too-long", "File name too long"),
    ("under-a-file", "Not a directory"),
    ("symlink-loop", "Too many levels of symbolic links"),
])
def test_a_model_path_the_system_cannot_open_is_one_located_line_with_exit_2(tmp_path, command, kind, reason):
    path = unreadable_model(kind, tmp_path)
    extra = [str(MINIMAL)] if command == "diff" else []
    result = CliRunner().invoke(app, [command, str(path), *extra])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_located_lines_only(result.stderr, path)
    assert result.stderr.splitlines()[0] == (f"{path}:1:1: cannot read the file ({reason}); "
                                             "pass a readable UTF-8 YAML file")


def test_a_model_piped_in_is_read_only_up_to_the_size_limit_and_refused_with_exit_2():
    done = subprocess.run([sys.executable, "-m", "infra.cli", "validate", "/dev/stdin"], cwd=REPO,
                          input=b"#" * (5 * 1024 * 1024), capture_output=True, timeout=120)
    assert done.returncode == 2
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr
    assert stderr.splitlines()[0] == ("/dev/stdin:1:1: the file is more than 4,194,304 bytes, over the limit of "
                                      "4,194,304 for a model; check that this is the model file; one with "
                                      "thousands of segments is under 1 MB")


def test_a_file_without_a_size_is_read_no_further_than_one_byte_past_the_limit(monkeypatch):
    from infra import yaml_parse
    from infra.errors import ModelError
    from infra.load import load_model

    monkeypatch.setattr(yaml_parse, "MAX_BYTES", 1000)
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"#" * 5000)  # within a pipe's buffer, so no writer thread is needed
        os.close(write_end)
        with pytest.raises(ModelError) as caught:
            load_model(f"/dev/fd/{read_end}")  # a pipe: its size is 0 to stat, like /dev/stdin or /dev/zero
        assert "more than 1,000 bytes" in str(caught.value)
        assert len(os.read(read_end, 10_000)) == 5000 - 1001  # the rest was never read
    finally:
        os.close(read_end)


ONE_SEGMENT_PER_CLOUD = {
    "aws": "aws: {region: us-east-1, cidr: 10.10.0.0/16, zones: 1}",
    "gcp": "gcp: {region: us-central1, cidr: 10.20.0.0/16, project: demo-project}",
    "azure": "azure: {region: eastus, cidr: 10.30.0.0/16}",
}


def model_on(cloud: str, tmp_path: Path) -> Path:
    model = tmp_path / "m.yaml"
    model.write_text(f"name: shop\nclouds:\n  {ONE_SEGMENT_PER_CLOUD[cloud]}\nsegments:\n  web: {{}}\n  api: {{}}\n"
                     "flows:\n  - {from: web, to: api, ports: [8080]}\n")
    return model


def test_simulate_into_a_snapshot_folder_that_is_a_file_is_one_line_with_exit_2(tmp_path):
    model = model_on("aws", tmp_path)
    before = model.read_text()
    result = CliRunner().invoke(app, ["simulate", str(model), "--cloud", "aws", "--snapshot-out", str(model)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    [line] = result.stderr.splitlines()
    assert re.fullmatch(rf"error: --snapshot-out {re.escape(str(model))}: cannot write {re.escape(str(model))}/"
                        r"\S+\.json \(Not a directory\); pick a folder that can be written", line), line
    assert model.read_text() == before


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_simulate_saving_traffic_under_a_file_is_one_line_with_exit_2(tmp_path, cloud):
    model = model_on(cloud, tmp_path)
    before = model.read_text()
    folder = model / "traffic"  # like /dev/full/x: a folder that cannot be made
    result = CliRunner().invoke(app, ["simulate", str(model), "--cloud", cloud, "--traffic-out", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: --traffic-out {folder}: cannot write {folder}/"), line
    assert line.endswith(" (Not a directory); pick a folder that can be written"), line
    assert model.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


def test_simulate_saving_traffic_into_a_file_says_it_is_a_file(tmp_path):
    model = model_on("aws", tmp_path)
    result = CliRunner().invoke(app, ["simulate", str(model), "--cloud", "aws", "--traffic-out", str(model)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"error: --traffic-out {model}: is a file, not a folder; "
                                          "pick a new or empty folder"]
