"""Commands that read a cloud (live, saved, or mocked): simulate, verify, collect, audit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from infra.cli.app import app
from infra.cli.model_commands import load_checked
from infra.cli.options import (
    AuditFormat,
    CloudChoice,
    Context,
    ModelFile,
    Project,
    ReportFormat,
    Subscription,
    live_options,
)
from infra.cli.output import fail, out
from infra.errors import BulkheadError, ModelError
from infra.load import Loaded, load_model
from infra.plan import Plan


@app.command(epilog="Example: bulkhead simulate examples/ai-platform.yaml --cloud aws --snapshot-out snap/")
def simulate(
    file: ModelFile,
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to deploy into (a mocked one)")],
    snapshot_out: Annotated[Path | None, typer.Option("--snapshot-out", help="write the raw snapshot here")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="table, json or sarif")] = ReportFormat.table,
) -> None:
    """Deploy the model into a mocked cloud, read it back, and prove only the intended paths exist.

    Exit 0 when the mocked cloud matches the model, 1 when it differs.
    """
    from infra.registry import part
    from infra.snapshot import write_snapshot

    try:
        loaded, full = load_checked(file)  # every input problem is reported before anything deploys
        cloud_plan = _declared_cloud(loaded, full, cloud.value)
        with part(cloud.value, "mock").MockedCloud() as mocked:
            counts: dict[str, int] = mocked.deploy(cloud_plan)
            snapshot = part(cloud.value, "observe").collect(mocked.source())
        if snapshot_out is not None:
            write_snapshot(snapshot, snapshot_out)
        report = _verify(loaded, cloud.value, snapshot)
    except BulkheadError as exc:
        fail(exc)
    if format is ReportFormat.table:
        table = Table(title=f"{full.model}: resources deployed into the mocked {cloud.value}")
        table.add_column("type")
        table.add_column("count", justify="right")
        for token, count in sorted(counts.items()):  # registration order varies between runs
            table.add_row(token, str(count))
        table.add_row("total", str(sum(counts.values())))
        out.print(table)
    _emit_report(report, loaded, format)


@app.command(epilog="Example: bulkhead verify examples/ai-platform.yaml --cloud aws --snapshot snap/ --format json")
def verify(
    file: ModelFile,
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to read")],
    region: Annotated[str | None, typer.Option(help="read the live account in this region")] = None,
    snapshot: Annotated[Path | None, typer.Option(help="read a saved snapshot folder instead")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="table, json or sarif")] = ReportFormat.table,
    project: Project = None,
    subscription: Subscription = None,
    context: Context = None,
) -> None:
    """Prove that the cloud has exactly the model's paths. Exit 0 match, 1 differs, 2 bad input, 3 cloud error."""
    try:
        loaded = load_model(file)
        _check_declared(loaded, cloud.value)
        options = live_options(project, subscription, loaded.model, cloud.value, context)
        report = _verify(loaded, cloud.value, _read_cloud(cloud.value, region, snapshot, options))
    except BulkheadError as exc:
        fail(exc)
    _emit_report(report, loaded, format)


@app.command(epilog="Example: bulkhead collect --cloud aws --region us-east-1 --out snap/  "
             "(kubernetes: --context my-cluster instead of --region)")
def collect(
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to read")],
    out_dir: Annotated[Path, typer.Option("--out", help="the snapshot folder to write")],
    region: Annotated[str | None, typer.Option(help="the region to read")] = None,
    project: Project = None,
    subscription: Subscription = None,
    context: Context = None,
) -> None:
    """Read a live account (read-only calls) into a snapshot folder for `verify --snapshot`."""
    from infra.errors import UsageError
    from infra.registry import part
    from infra.snapshot import write_snapshot

    try:
        if (region is None) == (context is None):
            raise UsageError("pass --region (a cloud) or --context (a Kubernetes cluster), not both")
        collector = part(cloud.value, "observe")
        source = collector.live_source(region=region, **live_options(project, subscription, context=context))
        written = write_snapshot(collector.collect(source), out_dir)
    except BulkheadError as exc:
        fail(exc)
    out.print(f"{out_dir}: wrote {len(written)} files", markup=False, highlight=False)


@app.command(epilog="Example: bulkhead audit --cloud aws --snapshot snap/ --format json")
def audit(
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to read")],
    region: Annotated[str | None, typer.Option(help="read the live account in this region")] = None,
    snapshot: Annotated[Path | None, typer.Option(help="read a saved snapshot folder instead")] = None,
    format: Annotated[AuditFormat, typer.Option("--format", help="table or json")] = AuditFormat.table,
    project: Project = None,
    subscription: Subscription = None,
    context: Context = None,
) -> None:
    """Without a model: what an existing network exposes to the internet and which subnets reach which."""
    from infra import report as reports
    from infra.reach import evaluate, fewer_collections
    from infra.registry import part

    try:
        raw = _read_cloud(cloud.value, region, snapshot, live_options(project, subscription, context=context))
        with fewer_collections():
            network = part(cloud.value, "observe").normalize(raw, None)
            observed = evaluate(network)
    except BulkheadError as exc:
        fail(exc)
    if format is AuditFormat.json:
        sys.stdout.write(json.dumps(reports.audit_json(network, observed), indent=2) + "\n")
        return
    for renderable in reports.audit_tables(network, observed):
        out.print(renderable)


def _read_cloud(cloud: str, region: str | None, snapshot: Path | None, options: dict[str, str]) -> dict:
    from infra.errors import UsageError
    from infra.registry import part
    from infra.snapshot import read_snapshot

    live = region is not None or "context" in options
    if live == (snapshot is not None):
        raise UsageError("pass exactly one of --region (read the live account; --context for a Kubernetes "
                         "cluster) or --snapshot DIR (a saved snapshot)")
    collector = part(cloud, "observe")
    if snapshot is not None:  # a provider may read its own formats (Kubernetes: any manifest folder)
        return getattr(collector, "read_snapshot", read_snapshot)(snapshot)
    return collector.collect(collector.live_source(region=region, **options))


def _verify(loaded: Loaded, cloud: str, snapshot: dict):
    from infra.reach import fewer_collections
    from infra.registry import part
    from infra.verify import verify as compare

    with fewer_collections():
        return compare(loaded.model, part(cloud, "observe").normalize(snapshot, loaded.model))


def _check_declared(loaded: Loaded, cloud: str) -> None:
    if cloud not in loaded.model.clouds.declared():
        raise ModelError([loaded.source.diagnostic(("clouds",), f"cloud '{cloud}' is not declared",
                                                   "declare it under clouds or pick another --cloud")])


def _emit_report(report, loaded: Loaded, format: ReportFormat) -> None:
    """Print the report; exit 1 when the cloud differs from the model."""
    from infra import report as reports

    if format is ReportFormat.json:
        sys.stdout.write(json.dumps(reports.report_json(report), indent=2) + "\n")
    elif format is ReportFormat.sarif:
        sys.stdout.write(json.dumps(reports.sarif(report, loaded.source), indent=2) + "\n")
    else:
        endpoints = [n for n in loaded.model.segments if report.cloud in loaded.model.placement(n)]
        for renderable in reports.report_tables(report, endpoints):
            out.print(renderable)
    if not report.matches_intent:
        raise typer.Exit(1)


def _declared_cloud(loaded: Loaded, full: Plan, cloud: str):
    if cloud not in [cp.cloud for cp in full.clouds]:
        raise ModelError([loaded.source.diagnostic(("clouds",), f"cloud '{cloud}' is not declared",
                                                   "declare it under clouds or pick another --cloud")])
    return full.cloud(cloud)
