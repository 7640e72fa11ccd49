"""A bad snapshot is refused before anything reads it as cloud state: exit 2, one located line per
problem (`file: json.path: what; fix`), never a traceback, never taken for a network.

The corrupted snapshots come from tests/snapshot_corruptions.py (at least 30 per cloud), each
made from the collector's read-back of a mocked deployment that itself verifies with exit 0.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import SnapshotError
from infra.shapes import MAX_PER_FILE, check_snapshot
from infra.snapshot import read_snapshot, write_snapshot
from tests.snapshot_baselines import baseline
from tests.snapshot_corruptions import CASES, Corruption, all_cases

SUMMARY = re.compile(r"^(\d+) problem\(s\) found in the snapshot; nothing was read from it\.$")
CLOUDS = sorted(CASES)
BULKHEAD = Path(sys.executable).parent / "bulkhead"


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def verify(cloud: str, folder: Path, model_file: Path | None = None):
    return run("verify", str(model_file or baseline(cloud).model_file), "--cloud", cloud, "--snapshot", str(folder))


def problem_lines(stderr: str) -> list[str]:
    """The problem lines, after checking the summary line counts them."""
    lines = stderr.rstrip("\n").split("\n")
    summary = SUMMARY.match(lines[-1])
    assert summary, lines[-1]
    assert int(summary.group(1)) == len(lines) - 1
    return lines[:-1]


def test_every_cloud_has_at_least_thirty_corrupted_snapshots_with_distinct_names():
    for cloud, cases in CASES.items():
        assert len(cases) >= 30, cloud
        assert len({c.name for c in cases}) == len(cases), cloud


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_uncorrupted_baseline_passes_the_check_and_matches_its_model(cloud, tmp_path):
    write_snapshot(baseline(cloud).snapshot, tmp_path)
    result = verify(cloud, tmp_path)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("corruption", list(all_cases()), ids=lambda c: f"{c.cloud}-{c.name}")
def test_a_corrupted_snapshot_is_refused_with_exit_2_and_the_line_that_locates_it(corruption: Corruption, tmp_path):
    snapshot = baseline(corruption.cloud).snapshot
    name = corruption.write(snapshot, tmp_path)
    result = verify(corruption.cloud, tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = problem_lines(result.stderr)
    for line in lines:
        assert line.startswith(f"{tmp_path}/"), line  # every line names its file
    path = "" if corruption.raw else corruption.path(snapshot)
    place = f"{tmp_path}/{name}" + (f": {path}" if path not in ("", "$") else "")
    if corruption.removes:  # a missing file is named by its kind: `subnetworks-<region>.json`
        place = f"{tmp_path}/{name.rsplit('/', 1)[0]}/" if "/" in name else f"{tmp_path}/{name}: file is missing"
    located = [line for line in lines if line.startswith(place)]
    assert located, (place, lines)
    assert any(corruption.says in line for line in located), (corruption.says, located)
    assert all("; " in line for line in located)  # what is wrong; the fix


@pytest.mark.parametrize("corruption", [c for c in all_cases() if c.name in (
    "subnet-cidr-octet-999", "subnet-cidr-prefix-33", "address-space-prefix-99", "subnetworks-file-missing",
    "virtual-networks-file-missing", "subnets-null", "iam-bindings-a-string", "networkpolicies-file-missing",
    "pod-address-octet-999", "policy-ip-block-prefix-99")], ids=lambda c: f"{c.cloud}-{c.name}")
def test_audit_refuses_a_corrupted_snapshot_instead_of_reporting_nothing_exposed(corruption, tmp_path):
    corruption.write(baseline(corruption.cloud).snapshot, tmp_path)
    result = run("audit", "--cloud", corruption.cloud, "--snapshot", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert any(corruption.says in line for line in problem_lines(result.stderr))


@pytest.mark.parametrize("given,actual", [("gcp", "aws"), ("azure", "aws"), ("aws", "gcp"), ("azure", "gcp"),
                                          ("aws", "azure"), ("gcp", "azure"), ("kubernetes", "aws"),
                                          ("kubernetes", "gcp"), ("kubernetes", "azure"), ("aws", "kubernetes"),
                                          ("gcp", "kubernetes"), ("azure", "kubernetes")])
def test_another_clouds_snapshot_is_refused_naming_the_cloud_it_looks_like(given, actual, tmp_path):
    write_snapshot(baseline(actual).snapshot, tmp_path)
    for result in (verify(given, tmp_path), run("audit", "--cloud", given, "--snapshot", str(tmp_path))):
        assert result.exit_code == 2, result.output
        [line] = problem_lines(result.stderr)
        assert line.startswith(f"{tmp_path}: this is not a")
        assert f"it looks like a{'n' if actual[0] in 'aeiou' else ''} {actual} snapshot" in line
        assert f"pass --cloud {actual}" in line


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_folder_with_no_file_of_any_cloud_is_refused_naming_what_was_expected(cloud, tmp_path):
    (tmp_path / "notes.json").write_text('{"written": "by hand"}')
    result = run("audit", "--cloud", cloud, "--snapshot", str(tmp_path))
    assert result.exit_code == 2
    [line] = problem_lines(result.stderr)
    assert f"no file of a{'n' if cloud[0] in 'aeiou' else ''} {cloud} snapshot found (expected" in line
    assert f"bulkhead collect --cloud {cloud}" in line


def test_files_that_are_no_clouds_are_ignored_beside_a_good_snapshot(tmp_path):
    write_snapshot({**baseline("aws").snapshot, "expected.json": [1, 2], "us-east-1/notes.json": None}, tmp_path)
    assert verify("aws", tmp_path).exit_code == 0


def test_every_problem_of_every_file_is_reported_at_once(tmp_path):
    snapshot = baseline("gcp").snapshot
    by_name = {c.name: c for c in CASES["gcp"]}
    changed, _ = by_name["subnet-cidr-octet-999"].apply(snapshot)
    changed, _ = by_name["firewall-priority-text"].apply(changed)
    changed, _ = by_name["routes-file-missing"].apply(changed)
    write_snapshot(changed, tmp_path)
    lines = problem_lines(verify("gcp", tmp_path).stderr)
    assert len(lines) == 3
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in lines] == [
        "routes.json", "firewalls.json", "subnetworks-us-central1.json"]


def test_a_file_with_very_many_problems_shows_the_first_ones_and_counts_the_rest(tmp_path):
    snapshot = dict(baseline("aws").snapshot)
    snapshot["us-east-1/Subnets.json"] = {"Subnets": [{"VpcId": "vpc-1"}] * (MAX_PER_FILE + 5)}
    write_snapshot(snapshot, tmp_path)
    lines = problem_lines(verify("aws", tmp_path).stderr)
    assert len(lines) == MAX_PER_FILE + 1
    assert lines[-1].endswith("and 5 more problem(s) like these; re-collect the snapshot with `bulkhead collect "
                              "--cloud aws --region <region> --out DIR`, or restore what the API returned")


def test_json_nested_past_the_parsers_recursion_limit_is_a_located_problem_not_a_crash(tmp_path):
    write_snapshot(baseline("aws").snapshot, tmp_path)
    (tmp_path / "us-east-1" / "Vpcs.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(tmp_path)
    [problem] = caught.value.problems
    assert problem.file == str(tmp_path / "us-east-1" / "Vpcs.json")
    assert "nests deeper than 64 levels" in problem.message


def test_every_unreadable_file_is_reported_with_its_line_and_column(tmp_path):
    (tmp_path / "a.json").write_text('{"Subnets": [\n  {"SubnetId": "subnet-1",}\n]}')
    (tmp_path / "b.json").write_bytes(b'{"x": "\xff"}')
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(tmp_path)
    first, second = caught.value.problems
    assert (first.file, first.line, first.column) == (str(tmp_path / "a.json"), 2, 27)
    assert str(first).startswith(f"{tmp_path / 'a.json'}:2:27: invalid JSON: ")
    assert second.file == str(tmp_path / "b.json") and "not UTF-8" in second.message


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_live_read_of_a_surprising_shape_is_refused_like_a_saved_one(cloud, monkeypatch):
    """`verify --region` reads through collect(); what it returns is checked before normalizing."""
    from infra.registry import part

    corruption = next(c for c in CASES[cloud] if "null" in c.name)
    changed, name = corruption.apply(baseline(cloud).snapshot)
    observe = part(cloud, "observe")
    monkeypatch.setattr(observe, "live_source", lambda **options: object())
    monkeypatch.setattr(observe, "collect", lambda source: changed)
    result = run("verify", str(baseline(cloud).model_file), "--cloud", cloud, "--region", "r1")
    assert result.exit_code == 2, result.output
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{name}: {corruption.path(baseline(cloud).snapshot)}: expected a list, found null")


def test_the_check_passes_every_hand_written_aws_snapshot_of_the_gotcha_suite():
    folders = sorted((Path(__file__).parent / "data" / "snapshots" / "aws").iterdir())
    assert len(folders) >= 13
    for folder in folders:
        check_snapshot("aws", read_snapshot(folder))  # raises on a false alarm


def test_the_installed_command_refuses_a_corrupted_snapshot_without_a_traceback(tmp_path):
    snapshot = baseline("aws").snapshot
    changed = copy.deepcopy(snapshot)
    changed["us-east-1/Subnets.json"]["Subnets"][0]["CidrBlock"] = "10.50.999.0/26"
    write_snapshot(changed, tmp_path)
    done = subprocess.run([str(BULKHEAD), "audit", "--cloud", "aws", "--snapshot", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    [line] = problem_lines(done.stderr)
    assert line.startswith(f"{tmp_path}/us-east-1/Subnets.json: Subnets[0].CidrBlock: '10.50.999.0/26' is not an IPv4")


def test_a_dual_stack_azure_network_is_read_as_before_not_refused_or_crashed(tmp_path):
    """IPv6 address space and IPv6 NIC configurations are real ARM data: accepted, and (holding no
    bulkhead endpoint) they change nothing in the proof."""
    snapshot = copy.deepcopy(baseline("azure").snapshot)
    [vnets] = [n for n in snapshot if n.endswith("/virtualNetworks.json")]
    [nics] = [n for n in snapshot if n.endswith("/networkInterfaces.json")]
    snapshot[vnets]["value"][0]["properties"]["addressSpace"]["addressPrefixes"].append("fd00:db8::/48")
    nic = snapshot[nics]["value"][0]["properties"]
    nic["ipConfigurations"].append({"name": "v6", "properties": {"privateIPAddress": "fd00:db8::4",
                                                                 "privateIPAddressVersion": "IPv6"}})
    write_snapshot(snapshot, tmp_path)
    assert verify("azure", tmp_path).exit_code == 0


def test_a_subnet_cidr_written_with_host_bits_is_read_as_its_network_not_crashed_on(tmp_path):
    """The shape accepts `10.0.0.5/24` (the network is plain); the interface endpoint's addresses
    are still found in it, so the snapshot verifies as the plain one does."""
    snapshot = copy.deepcopy(baseline("aws").snapshot)
    [endpoint] = [e for e in snapshot["us-east-1/VpcEndpoints.json"]["VpcEndpoints"] if e["SubnetIds"]]
    [subnet] = [s for s in snapshot["us-east-1/Subnets.json"]["Subnets"] if s["SubnetId"] == endpoint["SubnetIds"][0]]
    network, length = subnet["CidrBlock"].split("/")
    subnet["CidrBlock"] = f"{network.rsplit('.', 1)[0]}.{int(network.rsplit('.', 1)[1]) + 1}/{length}"
    write_snapshot(snapshot, tmp_path)
    assert verify("aws", tmp_path).exit_code == 0


# ---- what stands where a snapshot file or folder should ----

# per cloud, a file whose absence a snapshot tolerates or whose loss hides rules
STANDS_FOR = {"aws": "SecurityGroupRules.json", "gcp": "firewalls.json", "azure": "networkSecurityGroups.json",
              "kubernetes": "networkpolicies.json"}


def replaced(cloud: str, folder: Path, make: str) -> Path:
    """Write the cloud's baseline to `folder` with one file replaced by a folder, a FIFO or a symlink loop."""
    write_snapshot(baseline(cloud).snapshot, folder)
    [target] = [p for p in folder.rglob(STANDS_FOR[cloud])]
    target.unlink()
    {"directory": target.mkdir, "fifo": lambda: os.mkfifo(target),
     "symlink loop": lambda: target.symlink_to(target.name)}[make]()
    return target


def one_problem_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    [line] = problem_lines(stderr)
    return line


@pytest.mark.parametrize("make,says", [("directory", "is a directory, not a file"),
                                       ("symlink loop", "a symlink loop (the link leads back to itself)")])
@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_folder_or_a_symlink_loop_where_a_file_should_be_is_one_line_naming_it(cloud, make, says, tmp_path):
    target = replaced(cloud, tmp_path, make)
    result = verify(cloud, tmp_path)
    assert result.exit_code == 2, result.output
    line = one_problem_line(result.stderr)
    assert line.startswith(f"{target}: {says}; "), line


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_fifo_where_a_file_should_be_is_named_never_opened(cloud, tmp_path):
    """In a child process with a timeout: opening the FIFO would block the read forever."""
    target = replaced(cloud, tmp_path, "fifo")
    done = subprocess.run([sys.executable, "-m", "infra.cli", "verify", str(baseline(cloud).model_file), "--cloud",
                           cloud, "--snapshot", str(tmp_path)], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    line = one_problem_line(done.stderr)
    assert line.startswith(f"{target}: not a regular file (a FIFO); "), line


def test_a_snapshot_given_as_a_file_is_said_to_be_a_file(tmp_path):
    write_snapshot(baseline("aws").snapshot, tmp_path)
    given = tmp_path / "us-east-1" / "Subnets.json"
    for cloud in ("aws", "kubernetes"):
        result = run("audit", "--cloud", cloud, "--snapshot", str(given))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: {given}: is a file, not a folder; pass "), result.stderr


def test_a_symlinked_region_folder_is_read_as_the_folder_it_links_to(tmp_path):
    write_snapshot(baseline("aws").snapshot, tmp_path / "collected")
    (tmp_path / "snap").mkdir()
    (tmp_path / "snap" / "us-east-1").symlink_to(tmp_path / "collected" / "us-east-1")
    result = verify("aws", tmp_path / "snap")
    assert result.exit_code == 0, result.output


def test_a_second_link_to_a_folder_already_read_is_one_line_not_every_id_twice(tmp_path):
    write_snapshot(baseline("aws").snapshot, tmp_path)
    (tmp_path / "us-west-2").symlink_to("us-east-1")
    result = verify("aws", tmp_path)
    assert result.exit_code == 2, result.output
    line = one_problem_line(result.stderr)
    assert line.startswith(f"{tmp_path / 'us-west-2'}: a symlink to us-east-1, a folder read already "), line


def test_a_link_back_to_the_snapshot_folder_is_not_followed_forever(tmp_path):
    write_snapshot(baseline("kubernetes").snapshot, tmp_path)
    (tmp_path / "self").symlink_to(".")
    result = verify("kubernetes", tmp_path)
    assert result.exit_code == 2, result.output
    line = one_problem_line(result.stderr)
    assert line.startswith(f"{tmp_path / 'self'}: a symlink to ., a folder read already (a loop"), line


def test_a_key_written_twice_is_located_at_its_object_and_named(tmp_path):
    write_snapshot(baseline("aws").snapshot, tmp_path)
    target = tmp_path / "us-east-1" / "SecurityGroupRules.json"
    document = json.loads(target.read_text())
    rules = json.dumps(document["SecurityGroupRules"][1])
    twice = rules.replace('"FromPort": ', '"FromPort": 22, "FromPort": ', 1)
    target.write_text(json.dumps(document).replace(rules, twice, 1))
    result = verify("aws", tmp_path)
    assert result.exit_code == 2, result.output
    line = one_problem_line(result.stderr)
    assert line.startswith(f"{target}: SecurityGroupRules[1].FromPort: duplicate key 'FromPort'; JSON readers "
                           "disagree on which one wins; no API writes this"), line


def test_the_same_key_in_different_objects_is_no_duplicate(tmp_path):
    (tmp_path / "a.json").write_text('{"x": {"FromPort": 1, "ToPort": 2}, "y": [{"FromPort": 1}, {"FromPort": 1}]}')
    assert read_snapshot(tmp_path)["a.json"]["y"] == [{"FromPort": 1}, {"FromPort": 1}]


def test_a_number_of_too_many_digits_is_located_at_its_line_and_column(tmp_path):
    (tmp_path / "a.json").write_text('{"Subnets": [\n  {"Count": ' + "7" * 4301 + "}\n]}")
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(tmp_path)
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{tmp_path / 'a.json'}:2:13: invalid JSON: number too large (4,301 digits, ")


@pytest.mark.parametrize("cloud", ["aws", "gcp", "kubernetes"])
def test_a_lone_surrogate_in_a_collected_string_is_refused_at_its_line_with_exit_2(cloud, tmp_path):
    write_snapshot(baseline(cloud).snapshot, tmp_path)
    target = next(p for p in sorted(tmp_path.rglob("*.json")) if '"name"' in p.read_text()
                  or '"GroupName"' in p.read_text())
    text = target.read_text()
    key = '"GroupName": "' if '"GroupName": "' in text else '"name": "'
    at = text.index(key) + len(key)
    target.write_text(text[:at] + "\\ud800" + text[at:])
    result = verify(cloud, tmp_path)
    assert result.exit_code == 2, result.output
    line = one_problem_line(result.stderr)
    row, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
    assert line == (f"{target}:{row}:{column}: \\ud800 is not valid Unicode (a lone surrogate), which no UTF-8 "
                    "report can hold; no API writes this; re-collect the snapshot with `bulkhead collect`, "
                    "or restore the file"), line


@pytest.mark.parametrize("written", ["\\udc00", "x\\ud83dy", "\\ud83d\\\\ude00", "\\ude00\\ud83d"])
def test_every_surrogate_escape_that_is_not_one_half_of_a_pair_is_refused(written, tmp_path):
    (tmp_path / "a.json").write_text('{"Subnets": [\n  {"Name": "' + written + '"}\n]}')
    with pytest.raises(SnapshotError) as caught:
        read_snapshot(tmp_path)
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{tmp_path / 'a.json'}:2:")
    assert "is not valid Unicode (a lone surrogate)" in str(problem)


@pytest.mark.parametrize("written", ["\\ud83d\\ude00", "\\uD83D\\uDE00", "\\\\ud800", "\\\\\\\\ud800", "\\u00e9"])
def test_a_surrogate_pair_an_escaped_backslash_and_other_escapes_are_read_as_json_reads_them(written, tmp_path):
    (tmp_path / "a.json").write_text('{"Name": "' + written + '"}')
    assert read_snapshot(tmp_path)["a.json"]["Name"] == json.loads('"' + written + '"')
