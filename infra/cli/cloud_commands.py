"""Commands that read a cloud (live, saved, or mocked): simulate, verify, collect, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from infra.cli import output as console
from infra.cli.app import app
from infra.cli.model_commands import load_checked
from infra.cli.options import (
    AuditFormat,
    CloudChoice,
    Context,
    FailOn,
    ModelFile,
    Output,
    PlainOutput,
    Project,
    ReportFormat,
    Subscription,
    WaiversFile,
    live_options,
)
from infra.cli.output import Level, fail, fail_leaving_sarif, info, progress, show, write_json
from infra.cli.reporting import emit, model_waivers, sarif_run
from infra.errors import BulkheadError, ModelError
from infra.load import Loaded, load_model
from infra.model import Model
from infra.plan import Plan


@app.command(epilog="Example: bulkhead simulate examples/ai-platform.yaml --cloud aws --snapshot-out snap/")
def simulate(
    file: ModelFile,
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to deploy into (a mocked one)")],
    snapshot_out: Annotated[Path | None, typer.Option("--snapshot-out", help="write the raw snapshot here")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="table, json or sarif")] = ReportFormat.table,
    output: Output = None,
    fail_on: FailOn = None,
    waivers: WaiversFile = None,
    traffic_out: Annotated[Path | None, typer.Option(
        "--traffic-out", help="write demo traffic into the mocked flow logs and save them here (for observe --logs)")
    ] = None,
) -> None:
    """Deploy the model into a mocked cloud, read it back, and prove only the intended paths exist.

    Exit 0 when the mocked cloud matches the model, 1 when a finding fails the run (--fail-on).
    """
    from infra.cli.observe_commands import mocked_snapshot
    from infra.gate import parse_fail_on
    from infra.registry import part
    from infra.shapes import check_snapshot
    from infra.snapshot import write_snapshot

    run, root = sarif_run("simulate", cloud.value, file, format)
    try:
        gates = parse_fail_on(fail_on)
        loaded, full = load_checked(file)  # every input problem is reported before anything deploys
        accepted = model_waivers(file, waivers, loaded)
        cloud_plan = _declared_cloud(loaded, full, cloud.value)
        with part(cloud.value, "mock").MockedCloud() as mocked:
            with progress(f"deploying {full.model} into a mocked {cloud.value}"):
                counts: dict[str, int] = mocked.deploy(cloud_plan)
            with progress(f"reading the mocked {cloud.value} back"):
                snapshot = mocked_snapshot(mocked, cloud.value, loaded.model, traffic_out)
        if snapshot_out is not None:
            write_snapshot(snapshot, snapshot_out, "--snapshot-out")
        check_snapshot(cloud.value, snapshot, loaded.model)
        report = _verify(loaded, cloud.value, snapshot)
    except BulkheadError as exc:
        fail_leaving_sarif(exc, run, output, root)
    table = Table(title=f"{full.model}: resources deployed into the mocked {cloud.value}")
    table.add_column("type")
    table.add_column("count", justify="right")
    for token, count in sorted(counts.items()):  # registration order varies between runs
        table.add_row(token, str(count))
    table.add_row("total", str(sum(counts.values())))
    try:  # the resource counts are a summary: -q drops them
        emit(report, loaded, format, output, gates, accepted, run,
             before=[table] if console.level > Level.quiet else [])
    except BulkheadError as exc:
        fail_leaving_sarif(exc, run, output, root)


@app.command(epilog="Example: bulkhead verify examples/ai-platform.yaml --cloud aws --snapshot snap/ --format json")
def verify(
    file: ModelFile,
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to read")],
    region: Annotated[str | None, typer.Option(help="read the live account in this region")] = None,
    snapshot: Annotated[Path | None, typer.Option(help="read a saved snapshot folder instead")] = None,
    format: Annotated[ReportFormat, typer.Option("--format", help="table, json or sarif")] = ReportFormat.table,
    project: Project = None,
    subscription: Subscription = None,
    output: Output = None,
    fail_on: FailOn = None,
    waivers: WaiversFile = None,
    context: Context = None,
) -> None:
    """Prove that the cloud has exactly the model's paths.

    Exit 0 match (or only findings that warn), 1 a finding fails the run (--fail-on; default path and
    guardrail findings), 2 bad input, 3 cloud error.
    """
    from infra.gate import parse_fail_on

    run, root = sarif_run("verify", cloud.value, file, format)
    try:
        gates = parse_fail_on(fail_on)
        loaded = load_model(file)
        accepted = model_waivers(file, waivers, loaded)
        _check_declared(loaded, cloud.value)
        options = live_options(project, subscription, loaded.model, cloud.value, context)
        report = _verify(loaded, cloud.value, _read_cloud(cloud.value, region, snapshot, options, loaded.model))
        emit(report, loaded, format, output, gates, accepted, run)
    except BulkheadError as exc:
        fail_leaving_sarif(exc, run, output, root)


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
        with progress(f"reading {cloud.value} {region or context}"):
            raw = collector.collect(source)
        written = write_snapshot(raw, out_dir)
    except BulkheadError as exc:
        fail(exc)
    info(f"{out_dir}: wrote {len(written)} files")


@app.command(epilog="Example: bulkhead audit --cloud aws --snapshot snap/ --format json")
def audit(
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to read")],
    region: Annotated[str | None, typer.Option(help="read the live account in this region")] = None,
    snapshot: Annotated[Path | None, typer.Option(help="read a saved snapshot folder instead")] = None,
    format: Annotated[AuditFormat, typer.Option("--format", help="table or json")] = AuditFormat.table,
    project: Project = None,
    subscription: Subscription = None,
    output: PlainOutput = None,
    context: Context = None,
) -> None:
    """Without a model: what an existing network exposes to the internet and which subnets reach which.

    Exit 0 when nothing is exposed to the internet, 1 when an interface or subnet is.
    """
    from infra import report as reports
    from infra.reach import evaluate
    from infra.registry import part

    try:
        raw = _read_cloud(cloud.value, region, snapshot, live_options(project, subscription, context=context))
        network = part(cloud.value, "observe").normalize(raw, None)
        observed = evaluate(network)
        if format is AuditFormat.json:
            write_json(reports.audit_json(network, observed), output)
        else:
            show(reports.audit_tables(network, observed) + [reports.exposure_line(network, observed)], output)
    except BulkheadError as exc:
        fail(exc)
    if reports.exposed(network, observed):
        raise typer.Exit(1)


def _read_cloud(cloud: str, region: str | None, snapshot: Path | None, options: dict[str, str],
                model: Model | None = None) -> dict:
    """The live account (--region, --context) or a saved snapshot (--snapshot): exactly one, checked."""
    from infra.errors import UsageError

    live = region is not None or "context" in options
    if live == (snapshot is not None):
        raise UsageError("pass exactly one of --region (read the live account; --context for a Kubernetes "
                         "cluster) or --snapshot DIR (a saved snapshot)")
    return read_checked(cloud, region, snapshot, options, model)


def read_checked(cloud: str, region: str | None, snapshot: Path | None, options: dict[str, str],
                 model: Model | None = None) -> dict:
    """A saved snapshot (`snapshot`, else a live read of `region`), checked against the cloud's snapshot
    shapes (and, with a model, for the model being there at all) before anything reads it as cloud
    state. verify, audit and observe all read through here: a wrong cloud, a wrong place or a malformed
    file is refused the same way whichever command meets it."""
    from infra.registry import part
    from infra.shapes import check_snapshot
    from infra.snapshot import read_snapshot

    collector = part(cloud, "observe")
    reader = getattr(collector, "read_snapshot", read_snapshot)  # a provider may read its own formats
    if snapshot is not None:  # (Kubernetes: any manifest folder)
        raw = reader(snapshot)
    else:
        source = collector.live_source(region=region, **options)
        with progress(f"reading {cloud} {region or options.get('context')}"):
            raw = collector.collect(source)
    check_snapshot(cloud, raw, model, str(snapshot) if snapshot is not None else None,
                   nesting_checked=snapshot is not None and reader is read_snapshot)
    return raw


def _verify(loaded: Loaded, cloud: str, snapshot: dict):
    from infra.registry import part
    from infra.verify import verify as compare

    observe = part(cloud, "observe")
    with progress(f"proving {loaded.model.name} on {cloud}"):
        return compare(loaded.model, observe.normalize(snapshot, loaded.model))


def _check_declared(loaded: Loaded, cloud: str) -> None:
    if cloud not in loaded.model.clouds.declared():
        raise ModelError([loaded.source.diagnostic(("clouds",), f"cloud '{cloud}' is not declared",
                                                   "declare it under clouds or pick another --cloud")])


def _declared_cloud(loaded: Loaded, full: Plan, cloud: str):
    if cloud not in [cp.cloud for cp in full.clouds]:
        raise ModelError([loaded.source.diagnostic(("clouds",), f"cloud '{cloud}' is not declared",
                                                   "declare it under clouds or pick another --cloud")])
    return full.cloud(cloud)
