"""`observe` checks the snapshot it maps addresses with exactly as `verify` does: another cloud's
snapshot, one where the model is not deployed, or one with a malformed value is refused with exit 2
and verify's own message, saved or read live. Unchecked, the first two classified every record
`unknown` (hiding a violation behind exit 0) and the third crashed with a traceback.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from typer.testing import CliRunner

from infra.cli import app
from infra.registry import part
from infra.snapshot import Snapshot, write_snapshot
from tests.flows.sample import SAMPLE
from tests.sarif_schema import sarif_errors
from tests.snapshot_baselines import MODEL_FILE, baseline


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def saved(snapshot: Snapshot, folder: Path) -> Path:
    write_snapshot(snapshot, folder)
    return folder


def observe_and_verify(model: Path, cloud: str, folder: Path, *extra: str):
    """The same snapshot read by observe (with a flow-log file) and by verify."""
    observed = run("observe", str(model), "--cloud", cloud, "--snapshot", str(folder), "--logs", str(SAMPLE), *extra)
    verified = run("verify", str(model), "--cloud", cloud, "--snapshot", str(folder))
    return observed, verified


def assert_classified(result) -> None:
    """The sample's records mapped to the baseline's segments (its VPC has the sample's ranges): the
    accepted traffic the model forbids is a violation (exit 1), not `unknown`."""
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["intended"] > 0 and summary["violation"] > 0


def test_a_snapshot_of_the_deployed_model_is_read_and_its_records_classified(tmp_path):
    result = run("observe", str(MODEL_FILE), "--cloud", "aws", "--snapshot", str(saved(baseline("aws").snapshot,
                 tmp_path / "snap")), "--logs", str(SAMPLE), "--format", "json")
    assert_classified(result)


def test_another_clouds_snapshot_is_refused_with_verifys_message(tmp_path):
    observed, verified = observe_and_verify(MODEL_FILE, "gcp", saved(baseline("aws").snapshot, tmp_path / "snap"))
    assert observed.exit_code == verified.exit_code == 2, observed.output
    assert "this is not a gcp snapshot: it looks like an aws snapshot" in observed.stderr
    assert observed.stderr == verified.stderr and observed.stdout == ""


def elsewhere_model(tmp_path: Path) -> Path:
    """The baseline model under another name: none of its resources are in the baseline's snapshot."""
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(MODEL_FILE.read_text().replace("name: snapcheck", "name: elsewhere"))
    return elsewhere


def test_a_snapshot_where_the_model_is_not_deployed_is_refused_with_verifys_message(tmp_path):
    elsewhere = elsewhere_model(tmp_path)
    observed, verified = observe_and_verify(elsewhere, "aws", saved(baseline("aws").snapshot, tmp_path / "snap"))
    assert observed.exit_code == verified.exit_code == 2, observed.output
    assert observed.stderr.startswith("error: elsewhere: nothing of the model was found on aws in ")
    assert observed.stderr == verified.stderr


def test_a_malformed_snapshot_is_refused_with_verifys_message_not_a_traceback(tmp_path):
    changed = copy.deepcopy(baseline("aws").snapshot)
    changed["us-east-1/Subnets.json"]["Subnets"][0]["CidrBlock"] = "10.999.1.0/26"
    observed, verified = observe_and_verify(MODEL_FILE, "aws", saved(changed, tmp_path / "snap"))
    assert observed.exit_code == verified.exit_code == 2, observed.output
    assert "'10.999.1.0/26' is not an IPv4 CIDR" in observed.stderr
    assert observed.stderr == verified.stderr


def test_a_refused_snapshot_still_leaves_a_valid_sarif_log(tmp_path):
    target = tmp_path / "observe.sarif"
    result = run("observe", str(elsewhere_model(tmp_path)), "--cloud", "aws", "--snapshot",
                 str(saved(baseline("aws").snapshot, tmp_path / "snap")), "--logs", str(SAMPLE),
                 "--format", "sarif", "--output", str(target))
    assert result.exit_code == 2, result.output
    log = json.loads(target.read_text())
    assert sarif_errors(log) == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_a_live_read_of_another_place_is_refused_like_a_saved_one(monkeypatch):
    """`observe --region` (the flow logs from files here) reads the state through collect()."""
    observe = part("aws", "observe")
    state = baseline("gcp").snapshot  # made first: the baseline itself is read through collect()
    monkeypatch.setattr(observe, "live_source", lambda **options: object())
    monkeypatch.setattr(observe, "collect", lambda source: copy.deepcopy(state))
    result = run("observe", str(MODEL_FILE), "--cloud", "aws", "--region", "us-east-1", "--logs", str(SAMPLE))
    assert result.exit_code == 2, result.output
    assert "(live read): this is not an aws snapshot: it looks like a gcp snapshot" in result.stderr


def test_a_live_read_of_the_deployed_model_is_classified(monkeypatch):
    observe = part("aws", "observe")
    state = baseline("aws").snapshot  # made first: the baseline itself is read through collect()
    monkeypatch.setattr(observe, "live_source", lambda **options: object())
    monkeypatch.setattr(observe, "collect", lambda source: copy.deepcopy(state))
    result = run("observe", str(MODEL_FILE), "--cloud", "aws", "--region", "us-east-1", "--logs", str(SAMPLE),
                 "--format", "json")
    assert_classified(result)
