"""`bulkhead observe`: hold the traffic the flow logs show against the model.

Also the mocked traffic of `bulkhead simulate --traffic-out` (`mocked_snapshot`), which writes
flow logs into the mocked cloud, reads them back through the cloud's SDK and saves them.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from infra.cli import output as console
from infra.cli.app import app
from infra.cli.options import CloudChoice, ModelFile, Output, Project, ReportFormat, Subscription, live_options
from infra.cli.output import detail, fail_leaving_sarif, progress, show, write_json, write_report
from infra.cli.reporting import sarif_run
from infra.errors import BulkheadError, ModelError, UsageError
from infra.load import Loaded, load_model
from infra.model import Model
from infra.snapshot import Snapshot

DAY = 86400
SQL_CLOUD = {"athena": "aws", "bigquery": "gcp"}

ObserveFailOn = Annotated[list[str] | None, typer.Option(
    "--fail-on", metavar="<guardrail,violation,blocked-attempt,broken,unknown>",
    help="which traffic classes exit 1 (repeat or comma-separate; default guardrail,violation: blocked "
    "attempts, broken paths and unknown addresses only warn)", show_default=False)]


class SqlDialect(StrEnum):
    athena = "athena"
    bigquery = "bigquery"


@app.command(epilog="Example: bulkhead observe examples/ai-platform.yaml --cloud aws --snapshot snap/ --logs flows/")
def observe(
    file: ModelFile,
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud whose flow logs to read")],
    since: Annotated[str | None, typer.Option(help="the window: the last 30m, 24h, 7d (live default: 24h)")] = None,
    start: Annotated[str | None, typer.Option(help="window start: 2024-05-01T12:00:00Z or Unix seconds")] = None,
    end: Annotated[str | None, typer.Option(help="window end (default: now, or the last record)")] = None,
    region: Annotated[str | None, typer.Option(help="read the live account in this region")] = None,
    project: Project = None,
    subscription: Subscription = None,
    logs: Annotated[list[Path] | None, typer.Option(
        "--logs", help="read flow-log files or folders instead of the cloud (plain or gzip; repeatable)")] = None,
    snapshot: Annotated[Path | None, typer.Option(
        help="the cloud's state to map addresses to segments (else a live collect)")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="table, json or sarif")] = ReportFormat.table,
    learn: Annotated[bool, typer.Option("--learn", help="print the accepted traffic as model YAML to review")] = False,
    sql: Annotated[SqlDialect | None, typer.Option(
        help="print the classification as one SQL query over the warehouse's flow-log tables")] = None,
    output: Output = None,
    fail_on: ObserveFailOn = None,
) -> None:
    """Classify the traffic in the flow logs against the model: intended, guardrail, violation,
    blocked-attempt, broken, unknown; and the intended paths nobody used.

    Exit 0 nothing --fail-on selects, 1 traffic it selects (default: a guardrail crossed or a violation:
    accepted traffic the model forbids), 2 bad input, 3 cloud error. --learn and --sql exit 0 once written.
    """
    from infra.flows.records import Tally

    run, root = sarif_run("observe", cloud.value, file, format)
    if learn or sql is not None:
        run = None  # no report is written: a failure leaves no SARIF log in place of the YAML or the query
    try:
        gates = _gates(fail_on, learn, sql, format)
        loaded = load_model(file)
        _check_declared(loaded, cloud.value)
        context = _Context(loaded, cloud.value, region, live_options(project, subscription, loaded.model, cloud.value))
        window = _window(since, start, end, live=logs is None)
        snap = context.snapshot(snapshot)
        if sql is not None:
            write_report(context.sql(sql, snap, window), output)
            return
        report = context.report(snap, window, Tally(), logs)
        if learn:
            write_report(_learned(report, loaded), output)
            return
        _emit(report, loaded, format, output, gates, run)
    except BulkheadError as exc:
        fail_leaving_sarif(exc, run, output, root)


def _gates(fail_on: list[str] | None, learn: bool, sql: SqlDialect | None, format: ReportFormat) -> Any:
    """The gates of the report; --learn and --sql write no report, so report options are refused."""
    from infra.flows.gates import parse_observe_fail_on

    if learn and sql is not None:
        raise UsageError("pass --learn (model YAML) or --sql (a warehouse query), not both")
    mode = "--learn" if learn else f"--sql {sql.value}" if sql is not None else None
    if mode and format is not ReportFormat.table:
        raise UsageError(f"--format {format.value} is a report format; {mode} writes no report: drop --format")
    if mode and fail_on:
        raise UsageError(f"--fail-on gates a report's exit code; {mode} writes no report and exits 0: "
                         "drop --fail-on")
    return parse_observe_fail_on(fail_on)


class _Context:
    """One observe run: the model, the cloud's observe pipeline, and how to reach the live account."""

    def __init__(self, loaded: Loaded, cloud: str, region: str | None, options: dict[str, str]):
        from infra.flows.support import require_flow_logs
        from infra.registry import part

        self.loaded, self.cloud, self.region, self.options = loaded, cloud, region, options
        self.pipeline = part(cloud, "observe")
        require_flow_logs(cloud, self.pipeline)  # a provider that reads none says so (kubernetes)

    @property
    def model(self) -> Model:
        return self.loaded.model

    def snapshot(self, folder: Path | None) -> Snapshot:
        """The cloud's state, saved or live, checked as verify checks it: a snapshot of another cloud,
        of another place (none of the model's resources in it) or with a malformed file would map
        every address to `unknown` or crash the classifier, hiding what the flow logs show."""
        from infra.cli.cloud_commands import read_checked

        if folder is None and self.region is None:
            raise UsageError("observe maps addresses to segments from the cloud's state: pass --snapshot DIR "
                             "(from `bulkhead collect` or `simulate --snapshot-out`) or --region to read it live")
        return read_checked(self.cloud, self.region, folder, self.options, self.model)

    def sql(self, dialect: SqlDialect, snap: Snapshot, window: Any) -> str:
        from infra.flows.intent import Intent
        from infra.flows.sql import emit

        if SQL_CLOUD[dialect.value] != self.cloud:
            raise UsageError(f"--sql {dialect.value} queries {SQL_CLOUD[dialect.value]} flow logs; "
                             f"use --cloud {SQL_CLOUD[dialect.value]}, or --sql "
                             f"{next((d for d, c in SQL_CLOUD.items() if c == self.cloud), 'with another cloud')}")
        book = self.pipeline.flow_book(snap, self.model)
        return emit(dialect.value, self.model.name, self.cloud, book, Intent.of(self.model, self.cloud, book.aliases),
                    window)

    def report(self, snap: Snapshot, window: Any, tally: Any, logs: list[Path] | None) -> Any:
        from infra.flows.aggregate import aggregate, build_report
        from infra.flows.classify import Classifier
        from infra.flows.intent import Intent
        from infra.flows.records import iso

        book = self.pipeline.flow_book(snap, self.model)
        intent = Intent.of(self.model, self.cloud, book.aliases)
        if logs:
            records = self.pipeline.flow_file_records(logs, snap, self.model, book, tally)
            what = f"classifying the flow-log files ({len(logs)} path(s))"
        else:
            source = self.pipeline.flow_source(region=self.region, **self.options)
            records = self.pipeline.flow_records(snap, self.model, book, source, window, tally)
            what = f"reading and classifying the flow logs of {self.cloud} {self.region or ''}".rstrip()
        detail(f"window: {iso(window.start) or 'first record'} to {iso(window.end) or 'last record'}")
        with progress(what):  # records stream from the reader through the classifier
            found = aggregate(records, Classifier(book, intent), window, tally)
        report = build_report(self.model.name, self.cloud, intent, found, window, tally)
        detail(f"{report.records} record(s) classified in {len(report.flows)} flow(s); {tally.duplicates} "
               f"duplicate(s), {tally.transit} transit, {tally.outside} outside the window, {tally.bad} bad")
        return report


def _window(since: str | None, start: str | None, end: str | None, live: bool) -> Any:
    from infra.flows.records import Window, parse_window

    now = int(time.time())
    window = parse_window(since, start, end, now)
    if live and window == Window():
        return Window(now - DAY, now)  # a live read needs bounds: the last day
    if live and window.end is None:
        return Window(window.start, now)
    return window


def _learned(report: Any, loaded: Loaded) -> str:
    from infra.flows.learn import learn

    return learn(report, loaded).text


def _emit(report: Any, loaded: Loaded, format: ReportFormat, output: Path | None, gates: Any, run: Any) -> None:
    """Write the report (table, JSON or SARIF, to stdout or --output); exit 1 on what the gates select."""
    from infra.flows import render
    from infra.flows import sarif as observe_sarif
    from infra.flows.gates import failing, warned

    fails = failing(report, gates)
    if format is ReportFormat.json:
        write_json(render.observe_json(report), output)
    elif format is ReportFormat.sarif:
        write_json(observe_sarif.observe_log(report, loaded, run), output)
    else:
        show(render.observe_tables(report, fails, warned(report, gates),
                                   accounting=console.level > console.Level.quiet), output)
    if fails:
        raise typer.Exit(1)


def _check_declared(loaded: Loaded, cloud: str) -> None:
    if cloud not in loaded.model.clouds.declared():
        raise ModelError([loaded.source.diagnostic(("clouds",), f"cloud '{cloud}' is not declared",
                                                   "declare it under clouds or pick another --cloud")])


def mocked_snapshot(mocked: Any, cloud: str, model: Model, traffic_out: Path | None) -> Snapshot:
    """The mocked cloud's snapshot; with `traffic_out`, first the demo traffic is written into the
    mocked cloud, then read back through the cloud's SDK and saved there for `observe --logs`."""
    from infra.flows.records import Window
    from infra.flows.support import require_flow_logs
    from infra.registry import part

    pipeline = part(cloud, "observe")
    if traffic_out is None:
        return pipeline.collect(mocked.source())  # type: ignore[no-any-return]
    require_flow_logs(cloud, pipeline)
    if traffic_out.exists() and not traffic_out.is_dir():
        raise UsageError(f"--traffic-out {traffic_out}: is a file, not a folder; pick a new or empty folder")
    if traffic_out.exists() and any(traffic_out.iterdir()):
        # observe --logs reads every file of the folder: an older run's files would count twice
        raise UsageError(f"{traffic_out}: --traffic-out must be a new or empty folder; remove it or pick another")
    with part(cloud, "mock").MockedTraffic(mocked, model, "demo") as traffic:
        snapshot: Snapshot = pipeline.collect(mocked.source())
        pipeline.download_flow_logs(snapshot, model, traffic.source, Window(), traffic_out)
    return snapshot
