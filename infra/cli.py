"""The `bulkhead` command. The only module that prints or exits (DESIGN.md).

Exit codes: 0 ok / matches intent, 1 the cloud differs from intent, 2 bad input,
3 cloud or API failure. Bad input is never a traceback: one line per problem.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from infra.errors import BulkheadError, ModelError
from infra.load import Loaded, load_model
from infra.model import Model
from infra.plan import Plan, make_plan, plan_problems, quota_usage
from infra.ports import format_ports

app = typer.Typer(
    help="bulkhead: one zero-trust segmentation model -> AWS, GCP and Azure networks, then proof "
    "that only the intended paths exist.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ModelFile = Annotated[Path, typer.Argument(help="the segmentation model (YAML)", show_default=False)]


class CloudChoice(StrEnum):
    aws = "aws"
    gcp = "gcp"
    azure = "azure"


class PlanFormat(StrEnum):
    table = "table"
    json = "json"


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"


def fail(error: BulkheadError) -> NoReturn:
    if isinstance(error, ModelError):
        for diagnostic in error.diagnostics:
            err.print(str(diagnostic), markup=False, highlight=False)
        err.print(f"{len(error.diagnostics)} problem(s) found; nothing was changed.",
                  markup=False, highlight=False)
    else:
        err.print(f"error: {error}", markup=False, highlight=False)
    raise typer.Exit(error.exit_code)


def load_checked(file: Path) -> tuple[Loaded, Plan]:
    """Load and validate fully (schema, references, addressing, quotas) before anything else."""
    loaded = load_model(file)
    problems = plan_problems(loaded.model)
    if problems:
        raise loaded.source.fail(problems)
    return loaded, make_plan(loaded.model)


@app.command(epilog="Example: bulkhead validate examples/ai-platform.yaml")
def validate(file: ModelFile) -> None:
    """Check a model: schema, names, CIDRs, ports, references, slots and per-cloud quotas."""
    try:
        loaded, plan = load_checked(file)
    except BulkheadError as exc:
        fail(exc)
    clouds = ", ".join(cp.cloud for cp in plan.clouds)
    out.print(f"{file}: ok: model '{loaded.model.name}', {len(loaded.model.segments)} segments, "
              f"{len(loaded.model.flows)} flows on {clouds}", markup=False, highlight=False)


@app.command(epilog="Example: bulkhead plan examples/ai-platform.yaml --cloud aws --format json")
def plan(
    file: ModelFile,
    cloud: Annotated[CloudChoice | None, typer.Option(help="only this cloud")] = None,
    format: Annotated[PlanFormat, typer.Option("--format", help="table or json")] = PlanFormat.table,
) -> None:
    """Show the plan: subnets per segment and cloud, the allowed paths and quota usage."""
    try:
        loaded, full = load_checked(file)
        clouds = [cp for cp in full.clouds if cloud is None or cp.cloud == cloud.value]
        if cloud is not None and not clouds:
            raise ModelError([loaded.source.diagnostic(("clouds",), f"cloud '{cloud.value}' is not declared",
                                                       "declare it under clouds or pick another --cloud")])
        usages = {cp.cloud: quota_usage(cp) for cp in clouds}
    except BulkheadError as exc:
        fail(exc)
    if format is PlanFormat.json:
        out.print_json(json.dumps(_plan_json(full.model, clouds, usages)))
        return
    for cp in clouds:
        _print_cloud_plan(cp, usages[cp.cloud])


def _plan_json(model: str, clouds: list, usages: dict) -> dict:
    return {"model": model, "clouds": [{
        "cloud": cp.cloud, "region": cp.region, "cidr": str(cp.cidr), "reserved": str(cp.reserved),
        "segments": [{"segment": p.segment, "slot": p.slot, "block": str(p.block),
                      "subnets": [str(s) for s in p.subnets]} for p in cp.segments],
        "paths": [{"src": p.src, "dst": p.dst, "protocol": p.protocol, "ports": p.ports.as_lists()}
                  for p in cp.paths],
        "quotas": [{"scope": u.scope, "quota": u.quota, "used": u.used, "limit": u.limit}
                   for u in usages[cp.cloud]],
    } for cp in clouds]}


def _print_cloud_plan(cp, usages) -> None:
    table = Table(title=f"{cp.cloud} {cp.region} {cp.cidr} (reserved {cp.reserved} for endpoints/NAT)")
    for column in ("segment", "slot", "subnets", "allowed in", "allowed out"):
        table.add_column(column)
    for placed in cp.segments:
        ins = [f"{p.src} {format_ports(p.protocol, p.ports)}" for p in cp.paths if p.dst == placed.segment]
        outs = [f"{p.dst} {format_ports(p.protocol, p.ports)}" for p in cp.paths if p.src == placed.segment]
        table.add_row(placed.segment, str(placed.slot), "\n".join(map(str, placed.subnets)),
                      "\n".join(ins) or "-", "\n".join(outs) or "-")
    out.print(table)
    quotas = Table(title=f"{cp.cloud} quota usage (highest per quota)")
    for column in ("quota", "segment", "used", "limit"):
        quotas.add_column(column)
    top: dict[str, object] = {}
    for usage in usages:
        if usage.quota not in top or usage.used > top[usage.quota].used:  # type: ignore[attr-defined]
            top[usage.quota] = usage
    for usage in top.values():
        quotas.add_row(usage.quota, usage.scope, str(usage.used), str(usage.limit))  # type: ignore[attr-defined]
    out.print(quotas)


@app.command(epilog="Example: bulkhead graph examples/ai-platform.yaml --format mermaid > platform.mmd")
def graph(
    file: ModelFile,
    format: Annotated[GraphFormat, typer.Option("--format", help="mermaid or dot")] = GraphFormat.mermaid,
) -> None:
    """Draw the model: segments grouped by cloud, flows as labelled edges, internet and services outside."""
    from infra import graph as graphs

    try:
        loaded, full = load_checked(file)
    except BulkheadError as exc:
        fail(exc)
    render = graphs.mermaid if format is GraphFormat.mermaid else graphs.dot
    sys.stdout.write(render(loaded.model, full))


@app.command(epilog="Example: bulkhead schema > bulkhead.schema.json")
def schema() -> None:
    """Print the JSON Schema of the model, for editor completion and validation."""
    document = Model.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "bulkhead segmentation model"
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


@app.command(epilog="Example: bulkhead pin examples/ai-platform.yaml")
def pin(file: ModelFile) -> None:
    """Write every segment's assigned address slot into the file (comments and order kept)."""
    from infra.pin import pin_slots

    try:
        loaded, full = load_checked(file)
        text, pinned = pin_slots(loaded.text, full.slots, str(file))
    except BulkheadError as exc:
        fail(exc)
    if pinned:
        file.write_text(text, encoding="utf-8")
        out.print(f"{file}: pinned {', '.join(f'{n}={full.slots[n]}' for n in pinned)}",
                  markup=False, highlight=False)
    else:
        out.print(f"{file}: every segment already has a slot; nothing changed", markup=False, highlight=False)


Project = Annotated[str | None, typer.Option(help="GCP project to read (verify defaults to the model's)")]
Subscription = Annotated[str | None, typer.Option(help="Azure subscription id to read (else AZURE_SUBSCRIPTION_ID)")]


def _live_options(project: str | None, subscription: str | None, model: Model | None = None,
                  cloud: str | None = None) -> dict[str, str]:
    """Account selectors for a live read; the model's own cloud settings fill what is not given."""
    settings = getattr(model.clouds, cloud).model_dump() if model is not None and cloud else {}
    options = {"project": project or settings.get("project"), "subscription": subscription}
    return {k: v for k, v in options.items() if v}


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"


class AuditFormat(StrEnum):
    table = "table"
    json = "json"


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
        for token, count in counts.items():
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
) -> None:
    """Prove that the cloud has exactly the model's paths. Exit 0 match, 1 differs, 2 bad input, 3 cloud error."""
    try:
        loaded = load_model(file)
        _check_declared(loaded, cloud.value)
        options = _live_options(project, subscription, loaded.model, cloud.value)
        report = _verify(loaded, cloud.value, _read_cloud(cloud.value, region, snapshot, options))
    except BulkheadError as exc:
        fail(exc)
    _emit_report(report, loaded, format)


@app.command(epilog="Example: bulkhead collect --cloud aws --region us-east-1 --out snap/")
def collect(
    cloud: Annotated[CloudChoice, typer.Option(help="the cloud to read")],
    region: Annotated[str, typer.Option(help="the region to read")],
    out_dir: Annotated[Path, typer.Option("--out", help="the snapshot folder to write")],
    project: Project = None,
    subscription: Subscription = None,
) -> None:
    """Read a live account (read-only calls) into a snapshot folder for `verify --snapshot`."""
    from infra.registry import part
    from infra.snapshot import write_snapshot

    try:
        collector = part(cloud.value, "observe")
        source = collector.live_source(region=region, **_live_options(project, subscription))
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
) -> None:
    """Without a model: what an existing network exposes to the internet and which subnets reach which."""
    from infra import report as reports
    from infra.reach import evaluate, fewer_collections
    from infra.registry import part

    try:
        raw = _read_cloud(cloud.value, region, snapshot, _live_options(project, subscription))
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

    if (region is None) == (snapshot is None):
        raise UsageError("pass exactly one of --region (read the live account) or --snapshot DIR (a saved snapshot)")
    if snapshot is not None:
        return read_snapshot(snapshot)
    collector = part(cloud, "observe")
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


def main() -> None:
    try:
        app()
    except BulkheadError as exc:  # a command that forgot to catch still never shows a traceback
        fail(exc)


if __name__ == "__main__":
    main()
