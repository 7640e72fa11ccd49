"""`observe` on the mocked AWS: flow logs written into moto (CloudWatch Logs, S3) and read back
through boto3, from saved files, and through the `bulkhead observe` command."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.flows.aggregate import ObserveReport, aggregate, build_report
from infra.flows.classify import Classifier
from infra.flows.intent import Intent
from infra.flows.records import Tally, Window
from infra.load import load_model, parse_model
from infra.model import Model
from infra.plan import make_plan
from infra.snapshot import Snapshot, write_snapshot
from providers.aws import observe
from providers.aws.mock.cloud import MockedCloud
from providers.aws.mock.traffic import MockedTraffic
from tests.flows.sample import MODEL, observed_model

V5 = ("${version} ${vpc-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} "
      "${bytes} ${start} ${end} ${action} ${log-status} ${pkt-srcaddr} ${pkt-dstaddr} ${flow-direction}")


@dataclass
class Observed:
    model: Model
    model_file: Path
    traffic: MockedTraffic
    snapshot: Snapshot
    report: ObserveReport
    folder: Path


def run(snapshot: Snapshot, model: Model, records: Any, tally: Tally, window: Window = Window()) -> ObserveReport:
    book = observe.flow_book(snapshot, model)
    intent = Intent.of(model, "aws", book.aliases)
    return build_report(model.name, "aws", intent, aggregate(records, Classifier(book, intent), window, tally),
                        window, tally)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory):
    """Two copies of the test model in one mocked account: flow logs to CloudWatch Logs (the stack's
    default format), and to S3 in a custom version-5 format. moto stays up while the tests run."""
    folder = tmp_path_factory.mktemp("observe-aws")
    s3_file = folder / "observed-s3.yaml"
    s3_file.write_text(MODEL.read_text().replace("name: observed", "name: observed-s3").replace("10.40.", "10.43."))
    models = {"cloudwatch": (observed_model(), MODEL), "s3_custom": (load_model(s3_file).model, s3_file)}
    with MockedCloud() as cloud:
        for name, destination in (("cloudwatch", "cloudwatch"), ("s3_custom", "s3")):
            cloud.config = {"bulkhead:flowLogs": destination}
            cloud.deploy(make_plan(models[name][0]).cloud("aws"))
        # The mock runtime's config is process-wide: leave none behind for the next deploy in this
        # worker (the Azure stack reads its own `bulkhead:flowLogs`, a boolean).
        pulumi.runtime.set_all_config({})
        _reformat_flow_log(cloud.source().client("ec2"), "observed-s3", V5)
        with MockedTraffic(cloud, models["cloudwatch"][0], "every-class") as one, \
                MockedTraffic(cloud, models["s3_custom"][0], "every-class") as two:
            snapshot = observe.collect(cloud.source())
            yield {name: _observed(snapshot, *models[name], traffic, folder / name)
                   for name, traffic in (("cloudwatch", one), ("s3_custom", two))}


def _observed(snapshot: Snapshot, model: Model, model_file: Path, traffic: MockedTraffic, folder: Path) -> Observed:
    book = observe.flow_book(snapshot, model)
    tally = Tally()
    report = run(snapshot, model, observe.flow_records(snapshot, model, book, traffic.source, Window(), tally), tally)
    write_snapshot(snapshot, folder / "snapshot")
    observe.download_flow_logs(snapshot, model, traffic.source, Window(), folder / "logs")
    return Observed(model, model_file, traffic, snapshot, report, folder)


def _reformat_flow_log(ec2: Any, model: str, log_format: str) -> None:
    """Replace the stack's S3 flow log by one with a custom (version 5) format, as a user might."""
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:bulkhead:model", "Values": [model]}])["Vpcs"]
    [flow_log] = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
    ec2.delete_flow_logs(FlowLogIds=[flow_log["FlowLogId"]])
    ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc["VpcId"]], TrafficType="ALL",
                         LogDestinationType="s3", LogDestination=flow_log["LogDestination"], LogFormat=log_format)


@pytest.fixture(scope="module")
def cloudwatch(account) -> Observed:
    return account["cloudwatch"]


@pytest.fixture(scope="module")
def s3_custom(account) -> Observed:
    return account["s3_custom"]


def rows(report: ObserveReport) -> dict[tuple, Any]:
    return {(r.src, r.dst, r.protocol, r.port, r.cls): r for r in report.flows}


@pytest.mark.parametrize("fixture", ["cloudwatch", "s3_custom"])
def test_every_planned_flow_is_read_back_in_its_class(fixture, request):
    observed: Observed = request.getfixturevalue(fixture)
    found = rows(observed.report)
    for flow in observed.traffic.planned:
        assert (flow.src, flow.dst, flow.protocol, flow.port, flow.expect) in found, flow
    assert all(observed.report.summary[cls] > 0 for cls in observed.report.summary)
    assert observed.report.attempts["internal"] >= 2 and observed.report.attempts["internet"] >= 1


@pytest.mark.parametrize("fixture", ["cloudwatch", "s3_custom"])
def test_a_connection_logged_at_both_interfaces_counts_once_per_direction(fixture, request):
    observed: Observed = request.getfixturevalue(fixture)
    found = rows(observed.report)
    for flow in (f for f in observed.traffic.planned if f.expect == "intended"):
        # 2 connections x (request + reply for TCP), each logged at every interface it crossed
        expected = flow.connections * (2 if flow.protocol == "tcp" else 1)
        assert found[(flow.src, flow.dst, flow.protocol, flow.port, "intended")].records == expected, flow
    assert observed.report.tally.duplicates >= 4
    assert observed.report.tally.transit == 2  # app -> internet, seen again at the NAT gateway


def test_idle_and_skipped_windows_are_counted(cloudwatch):
    tally = cloudwatch.report.tally
    assert (tally.nodata, tally.skipdata, tally.bad) == (7, 1, 0)  # 8 workload interfaces, one skipped


def read_live(observed: Observed, window: Window) -> ObserveReport:
    model, tally = observed.model, Tally()
    book = observe.flow_book(observed.snapshot, model)
    return run(observed.snapshot, model, observe.flow_records(observed.snapshot, model, book, observed.traffic.source,
                                                              window, tally), tally, window)


def test_the_window_is_pushed_to_cloudwatch_and_applied_to_records(cloudwatch):
    start = cloudwatch.traffic.start
    assert read_live(cloudwatch, Window(start + 3 * 86400, None)).records == 0
    early = read_live(cloudwatch, Window(start, start + 90))
    assert 0 < early.records < cloudwatch.report.records
    assert early.tally.outside > 0  # fetched within the margin, then dropped record by record


def test_cloudwatch_pages_are_followed_to_the_last_event(cloudwatch, monkeypatch):
    from providers.aws.observe import flowlogs

    monkeypatch.setattr(flowlogs, "PAGE", 7)
    paged = read_live(cloudwatch, Window())
    assert paged.summary == cloudwatch.report.summary and paged.tally.duplicates == cloudwatch.report.tally.duplicates


def test_a_flow_log_group_that_does_not_exist_is_a_cloud_error_exit_3(cloudwatch, tmp_path):
    snapshot = json.loads(json.dumps(cloudwatch.snapshot, default=str))
    [name] = [n for n in snapshot if n.endswith("FlowLogs.json")]
    for flow_log in snapshot[name]["FlowLogs"]:
        flow_log["LogGroupName"] = "no-such-group"
    write_snapshot(snapshot, tmp_path / "snapshot")
    result = CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--snapshot", str(tmp_path / "snapshot"),
                                      "--region", "us-east-1"])
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("error: aws: FilterLogEvents cloud-watch-logs no-such-group: ResourceNotFound")


def test_the_command_reads_the_live_account_when_given_a_region(cloudwatch):
    result = CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--region", "us-east-1",
                                      "--format", "json", "-v"])
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["summary"] == cloudwatch.report.summary
    # -v: each live read with its time on stderr (a spinner instead when stderr is a terminal)
    assert re.search(r"^reading aws us-east-1: \d+\.\d s$", result.stderr, re.MULTILINE)
    assert re.search(r"^reading and classifying the flow logs of aws us-east-1: \d+\.\d s$", result.stderr,
                     re.MULTILINE)


@pytest.mark.parametrize("fixture", ["cloudwatch", "s3_custom"])
def test_saved_logs_read_back_as_the_cloud_gave_them(fixture, request):
    observed: Observed = request.getfixturevalue(fixture)
    book = observe.flow_book(observed.snapshot, observed.model)
    tally = Tally()
    again = run(observed.snapshot, observed.model, observe.flow_file_records(
        [observed.folder / "logs"], observed.snapshot, observed.model, book, tally), tally)
    assert again.summary == observed.report.summary
    assert again.tally.duplicates == observed.report.tally.duplicates


def test_s3_objects_are_gzip_with_their_header_line(s3_custom):
    saved = sorted((s3_custom.folder / "logs").rglob("*.log.gz"))
    assert saved and "/vpcflowlogs/us-east-1/" in saved[0].as_posix()
    import gzip
    assert gzip.decompress(saved[0].read_bytes()).decode().split("\n", 1)[0] == V5.replace("${", "").replace("}", "")


# --- the command ----------------------------------------------------------------------------

def observe_cli(observed: Observed, *extra: str) -> Any:
    return CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--snapshot",
                                    str(observed.folder / "snapshot"), "--logs", str(observed.folder / "logs"),
                                    *extra])


def test_the_command_exits_1_on_a_violation_and_prints_the_contract(cloudwatch):
    result = observe_cli(cloudwatch, "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["summary"] == cloudwatch.report.summary and document["model"] == "observed"


def test_the_command_exits_0_when_nothing_crossed_where_the_model_forbids(cloudwatch, tmp_path):
    logs = tmp_path / "quiet.log"
    logs.write_text("2 123 eni-x 10.40.1.10 10.40.9.200 40001 443 6 5 400 100 159 REJECT OK\n")
    result = CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--snapshot",
                                      str(cloudwatch.folder / "snapshot"), "--logs", str(logs)])
    assert result.exit_code == 0, result.output
    assert "no violation" in result.stdout


def test_the_command_prints_sarif_and_the_table(cloudwatch):
    sarif = json.loads(observe_cli(cloudwatch, "--format", "sarif").stdout)
    assert any(r["ruleId"] == "observe/violation" for r in sarif["runs"][0]["results"])
    table = observe_cli(cloudwatch)
    assert table.exit_code == 1 and "violation flow(s)" in table.stdout


def test_learn_prints_a_model_that_validates(cloudwatch, tmp_path):
    result = observe_cli(cloudwatch, "--learn")
    assert result.exit_code == 0, result.output
    parse_model(result.stdout)
    assert "# If enforced, this would become denied:" in result.stdout


def test_sql_prints_the_athena_query_for_aws(cloudwatch):
    result = observe_cli(cloudwatch, "--sql", "athena")
    assert result.exit_code == 0 and "FROM vpc_flow_logs f" in result.stdout


@pytest.mark.parametrize(("extra", "message"), [
    (["--sql", "bigquery"], "--sql bigquery queries gcp flow logs"),
    (["--since", "yesterday"], "not a duration"),
    (["--since", "1h", "--start", "2024-05-01"], "not both"),
    (["--learn", "--sql", "athena"], "pass --learn (model YAML) or --sql (a warehouse query), not both"),
    (["--learn", "--format", "json"], "--format json is a report format; --learn writes no report"),
    (["--sql", "athena", "--fail-on", "violation"], "--sql athena writes no report and exits 0"),
    (["--fail-on", "path"], "--fail-on path: not an observe class (path and posture are verify's)"),
])
def test_bad_options_exit_2_with_one_line(cloudwatch, extra, message):
    result = observe_cli(cloudwatch, *extra)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output


def test_missing_inputs_exit_2(cloudwatch, tmp_path):
    base = ["observe", str(MODEL), "--cloud", "aws"]
    no_logs = CliRunner().invoke(app, [*base, "--snapshot", str(cloudwatch.folder / "snapshot"), "--logs",
                                       str(tmp_path / "nothing")])
    assert no_logs.exit_code == 2 and "no such file or folder" in no_logs.stderr
    no_state = CliRunner().invoke(app, [*base, "--logs", str(cloudwatch.folder / "logs")])
    assert no_state.exit_code == 2 and "pass --snapshot DIR" in no_state.stderr


# --- where the report goes, what fails the run, what -q and -v change -----------------------

def one_record(observed: Observed, tmp_path: Path, src: str, dst: str, port: int, action: str = "ACCEPT") -> Path:
    """A log of one record from a workload of `src` to one of `dst` (an interface the snapshot does not know,
    so the record counts wherever it was taken)."""
    from infra.flows.scenario import pick_address

    book = observe.flow_book(observed.snapshot, observed.model)
    logs = tmp_path / f"{src}-{dst}-{port}.log"
    logs.write_text(f"2 123 eni-x {pick_address(book, src)} {pick_address(book, dst)} 40001 {port} 6 5 400 100 159 "
                    f"{action} OK\n")
    return logs


def observe_logs(observed: Observed, logs: Path, *extra: str) -> Any:
    return CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--snapshot",
                                    str(observed.folder / "snapshot"), "--logs", str(logs), *extra])


@pytest.mark.parametrize(("extra", "code", "check"), [
    ([], 1, lambda text: "1 guardrail flow(s)" in text and "\x1b[" not in text),
    (["--format", "json"], 1, lambda text: json.loads(text)["summary"]["guardrail"] > 0),
    (["--format", "sarif"], 1, lambda text: json.loads(text)["runs"][0]["invocations"][0]["executionSuccessful"]),
    (["--learn"], 0, lambda text: parse_model(text).model.name == "observed"),
    (["--sql", "athena"], 0, lambda text: "FROM vpc_flow_logs f" in text),
], ids=["table", "json", "sarif", "learn", "sql"])
def test_every_output_goes_to_the_output_file_and_nothing_to_stdout(cloudwatch, tmp_path, extra, code, check):
    target = tmp_path / "reports" / "observe.out"
    result = observe_cli(cloudwatch, *extra, "--output", str(target))
    assert (result.exit_code, result.stdout) == (code, ""), result.output
    assert check(target.read_text())


def test_the_sarif_log_raises_a_guardrail_alert_at_the_guardrail_line(cloudwatch):
    result = observe_cli(cloudwatch, "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    [crossing] = [r for r in run["results"] if r["ruleId"] == "observe/guardrail"]
    place = crossing["locations"][0]["physicalLocation"]
    assert place["artifactLocation"] == {"uri": "tests/flows/models/observed.yaml", "uriBaseId": "%SRCROOT%"}
    assert "{from: edge, to: ops" in MODEL.read_text().splitlines()[place["region"]["startLine"] - 1]
    assert crossing["message"]["text"].startswith("guardrail: edge -> ops on tcp/22")
    assert any(r["ruleId"] == "observe/guardrail-attempt" for r in run["results"])


@pytest.mark.parametrize(("extra", "code"), [
    (["--logs", "no-such-folder"], 2),  # bad input
    (["--region", "us-east-1", "--project", "p", "--snapshot", "no-such-snapshot"], 2),
])
def test_a_failed_run_with_sarif_output_still_leaves_a_valid_log_saying_so(cloudwatch, tmp_path, extra, code):
    target = tmp_path / "observe.sarif"
    result = CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--format", "sarif",
                                      "--output", str(target), *extra])
    assert result.exit_code == code and result.stderr.startswith("error: ")
    [invocation] = json.loads(target.read_text())["runs"][0]["invocations"]
    assert (invocation["executionSuccessful"], invocation["exitCode"]) == (False, code)
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] in result.stderr


def test_a_cloud_error_with_sarif_output_leaves_a_log_with_exit_code_3(cloudwatch, tmp_path):
    snapshot = json.loads(json.dumps(cloudwatch.snapshot, default=str))
    [name] = [n for n in snapshot if n.endswith("FlowLogs.json")]
    for flow_log in snapshot[name]["FlowLogs"]:
        flow_log["LogGroupName"] = "no-such-group"
    write_snapshot(snapshot, tmp_path / "snapshot")
    target = tmp_path / "observe.sarif"
    result = CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--snapshot", str(tmp_path / "snapshot"),
                                      "--region", "us-east-1", "--format", "sarif", "--output", str(target)])
    assert result.exit_code == 3
    assert json.loads(target.read_text())["runs"][0]["invocations"][0]["exitCode"] == 3


def test_a_guardrail_crossing_fails_the_run_by_default_and_only_warns_when_fail_on_leaves_it_out(cloudwatch, tmp_path):
    crossing = one_record(cloudwatch, tmp_path, "edge", "ops", 22)
    default = observe_logs(cloudwatch, crossing)
    assert default.exit_code == 1 and "exit 1: guardrail: 1 flow(s), 1 record(s) crossed a guardrail" in default.stdout
    left_out = observe_logs(cloudwatch, crossing, "--fail-on", "violation")
    assert left_out.exit_code == 0
    assert "only warns (exit 0): guardrail: 1 flow(s)" in left_out.stdout and "--fail-on guardrail" in left_out.stdout


def test_a_violation_fails_the_run_unless_fail_on_names_other_classes(cloudwatch, tmp_path):
    leak = one_record(cloudwatch, tmp_path, "edge", "db", 22)
    assert observe_logs(cloudwatch, leak).exit_code == 1
    assert observe_logs(cloudwatch, leak, "--fail-on", "guardrail").exit_code == 0


@pytest.mark.parametrize(("fail_on", "code"), [("blocked-attempt", 1), ("broken", 0), ("guardrail,violation", 0)])
def test_fail_on_blocked_attempt_fails_on_an_internal_attempt(cloudwatch, tmp_path, fail_on, code):
    lateral = one_record(cloudwatch, tmp_path, "db", "app", 22, action="REJECT")
    result = observe_logs(cloudwatch, lateral, "--fail-on", fail_on)
    assert result.exit_code == code, result.output


def test_quiet_drops_the_accounting_and_keeps_the_report_and_verbose_says_what_it_did(cloudwatch):
    normal, quiet, verbose = observe_cli(cloudwatch), observe_cli(cloudwatch, "-q"), observe_cli(cloudwatch, "-v")
    assert "not classified:" in normal.stdout and "not classified:" not in quiet.stdout
    assert "guardrail flow(s)" in quiet.stdout and "exit 1: guardrail" in quiet.stdout
    assert quiet.stderr == "" and normal.stderr == ""
    assert verbose.stdout == normal.stdout
    assert re.search(r"^classifying the flow-log files \(1 path\(s\)\): \d+\.\d s$", verbose.stderr, re.MULTILINE)
    assert re.search(r"^\d+ record\(s\) classified in \d+ flow\(s\)", verbose.stderr, re.MULTILINE)
