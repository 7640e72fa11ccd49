"""Commands that read only the model: validate, plan, graph, schema, pin."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from infra.cli.app import app
from infra.cli.options import CloudChoice, GraphFormat, ModelFile, PlanFormat
from infra.cli.output import fail, out
from infra.errors import BulkheadError, ModelError
from infra.load import Loaded, load_model
from infra.model import Model
from infra.plan import Plan, make_plan, plan_problems, quota_usage
from infra.ports import format_ports


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
        "cloud": cp.cloud, "region": cp.region, "cidr": _text(cp.network), "reserved": _text(cp.reserved_block),
        "segments": [{"segment": p.segment, "slot": p.slot, "block": _text(p.address_block),
                      "subnets": [str(s) for s in p.subnets],
                      **({} if cp.addressed else {"settings": p.settings})} for p in cp.segments],
        "paths": [{"src": p.src, "dst": p.dst, "protocol": p.protocol, "ports": p.ports.as_lists(),
                   **({"implied": True} if p.dst in cp.implied else {})} for p in cp.paths],
        "quotas": [{"scope": u.scope, "quota": u.quota, "used": u.used, "limit": u.limit}
                   for u in usages[cp.cloud]],
    } for cp in clouds]}


def _settings_text(settings: dict) -> str:
    """A segment's own settings on a cluster, e.g. `namespace: data, pods: app=redis`."""
    def show(value: object) -> str:
        return ",".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else str(value)
    return ", ".join(f"{key}: {show(value)}" for key, value in settings.items() if value) or "defaults"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _print_cloud_plan(cp, usages) -> None:
    if cp.addressed:
        table = Table(title=f"{cp.cloud} {cp.region} {cp.cidr} (reserved {cp.reserved} for endpoints/NAT)")
        columns: tuple[str, ...] = ("segment", "slot", "subnets", "allowed in", "allowed out")
    else:  # a cluster: segments are pods chosen by namespace and labels
        table = Table(title=f"{cp.cloud} cluster {cp.region} (paths marked * are implied infrastructure)")
        columns = ("segment", "placement", "allowed in", "allowed out")
    for column in columns:
        table.add_column(column)
    for placed in cp.segments:
        ins = [f"{p.src} {format_ports(p.protocol, p.ports)}" for p in cp.paths if p.dst == placed.segment]
        outs = [f"{p.dst} {format_ports(p.protocol, p.ports)}{' *' if p.dst in cp.implied else ''}"
                for p in cp.paths if p.src == placed.segment]
        where = ([str(placed.slot), "\n".join(map(str, placed.subnets))] if cp.addressed else
                 [_settings_text(placed.settings)])
        table.add_row(placed.segment, *where, "\n".join(ins) or "-", "\n".join(outs) or "-")
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
