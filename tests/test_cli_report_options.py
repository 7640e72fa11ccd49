"""The CLI around the reports: --version, audit's exit code and last line, validate of several files,
schema --output, and the documented check table that must list exactly the declared checks."""

from __future__ import annotations

import copy
import json
import re
from importlib.metadata import version
from pathlib import Path

from typer.testing import CliRunner

from infra.checks import declared_checks
from infra.cli import app
from infra.snapshot import read_snapshot, write_snapshot

ROOT = Path(__file__).parents[1]
SNAPSHOTS = ROOT / "tests" / "data" / "snapshots" / "aws"


def test_version_prints_the_installed_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"bulkhead {version('bulkhead')}\n")


def exposed_snapshot(tmp_path: Path) -> Path:
    """Snapshot 10 with an instance whose public address the internet reaches on 5432."""
    raw = copy.deepcopy(read_snapshot(SNAPSHOTS / "10-implicit-route-table-and-public-address"))
    raw["us-east-1/NetworkInterfaces.json"] = {"NetworkInterfaces": [{
        "NetworkInterfaceId": "eni-pub", "SubnetId": "subnet-db", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.2.9",
        "Groups": [{"GroupId": "sg-db"}], "Association": {"PublicIp": "203.0.113.9"},
        "Attachment": {"InstanceId": "i-pub"}}]}
    write_snapshot(raw, tmp_path / "snap")
    return tmp_path / "snap"


def test_audit_exits_1_and_says_what_is_exposed_when_the_internet_reaches_something(tmp_path: Path) -> None:
    snap = exposed_snapshot(tmp_path)
    runner = CliRunner()
    table = runner.invoke(app, ["audit", "--cloud", "aws", "--snapshot", str(snap)])
    assert table.exit_code == 1
    # eni-pub, and the notional interface standing for what would be launched in the db subnet
    assert table.stdout.rstrip().splitlines()[-1].startswith("aws: exposed to the internet: 2 interface(s)")
    as_json = runner.invoke(app, ["audit", "--cloud", "aws", "--snapshot", str(snap), "--format", "json",
                                  "--output", str(tmp_path / "audit.json")])
    assert (as_json.exit_code, as_json.stdout) == (1, "")
    exposures = json.loads((tmp_path / "audit.json").read_text())["exposures"]
    assert {e["interface"] for e in exposures} == {"eni-pub", "notional:subnet-db"}


def test_audit_ends_with_an_explicit_nothing_exposed_line_and_exits_0_when_nothing_is(tmp_path: Path) -> None:
    # snapshot 12 without its internet gateway routes: no subnet, empty or not, is reachable
    raw = copy.deepcopy(read_snapshot(SNAPSHOTS / "12-peering-and-transit-are-not-the-internet"))
    for table in raw["us-east-1/RouteTables.json"]["RouteTables"]:
        table["Routes"] = [r for r in table["Routes"] if not str(r.get("GatewayId", "")).startswith("igw-")]
    write_snapshot(raw, tmp_path / "snap")
    result = CliRunner().invoke(app, ["audit", "--cloud", "aws", "--snapshot", str(tmp_path / "snap")])
    assert result.exit_code == 0
    last = result.stdout.rstrip().splitlines()[-1]
    assert last == "aws: nothing exposed: no interface and no subnet of the 2 read is reachable from the internet"


def test_validate_checks_every_file_given_and_reports_all_problems_together(tmp_path: Path) -> None:
    bad = ROOT / "tests" / "data" / "bad" / "flow-unknown-from.yaml"
    worse = ROOT / "tests" / "data" / "bad" / "port-zero.yaml"
    result = CliRunner().invoke(app, ["validate", str(ROOT / "examples" / "minimal.yaml"), str(bad), str(worse)])
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{ROOT / 'examples' / 'minimal.yaml'}: ok: model 'minimal'")
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [str(bad), str(worse)]
    assert lines[-1] == "2 problem(s) found; nothing was changed."


def test_schema_writes_the_file_a_pre_commit_hook_keeps_current(tmp_path: Path) -> None:
    out = tmp_path / "bulkhead.schema.json"
    result = CliRunner().invoke(app, ["schema", "--output", str(out)])
    assert (result.exit_code, result.stdout) == (0, "")
    schema = json.loads(out.read_text())
    assert "never" in schema["properties"] and schema["$defs"]["Guardrail"]["required"] == ["from", "to"]


def test_the_checks_document_lists_exactly_the_declared_checks_with_their_severity_and_title() -> None:
    rows = re.findall(r"^\| `(BH-[A-Z0-9-]+)` \| (\w+) \| ([^|]+) \|", (ROOT / "docs/checks.md").read_text(),
                      re.MULTILINE)
    documented = {check: (severity, title.strip()) for check, severity, title in rows}
    assert len(documented) == len(rows)  # no check twice
    assert documented == {c.id: (c.severity, c.title) for c in declared_checks().values()}, \
        "docs/checks.md is out of date: run python tools/render_checks_doc.py"
