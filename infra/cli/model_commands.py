"""Commands that read only the model: validate, plan, graph, schema, pin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from infra.cli.app import app
from infra.cli.options import CloudChoice, GraphFormat, ModelFile, PlainOutput, PlanFormat
from infra.cli.output import fail, info, notice, out, warn, write_document
from infra.errors import BulkheadError, ModelError
from infra.load import Loaded, load_model
from infra.plan import Plan, checked_plan, quota_usage
from infra.ports import format_ports


def load_checked(file: Path) -> tuple[Loaded, Plan]:
    """Load and validate fully (schema, references, addressing, quotas) before anything else."""
    loaded = load_model(file)
    plan, problems = checked_plan(loaded.model)
    if problems or plan is None:
        raise loaded.source.fail(problems)
    return loaded, plan


@app.command(epilog="Example: bulkhead validate examples/ai-platform.yaml")
def validate(
    files: Annotated[list[Path], typer.Argument(help="one or more segmentation models (YAML)", metavar="FILE",
                                                show_default=False)],
) -> None:
    """Check models: schema, names, CIDRs, ports, references, guardrails, slots and per-cloud quotas.

    A bulkhead.waivers.yaml next to a model is checked too. Every problem of every file is reported.
    Risky but legal intent (the internet on every port, udp or icmp from the internet, flows
    written twice or covered by others, intent a cloud's filters cannot keep exactly) is reported as
    warnings; they do not change the exit code.
    """
    from infra.risks import intent_warnings, provider_warnings

    problems = []
    for file in files:
        try:
            loaded, plan = load_checked(file)
            waivers = _check_waivers(file, loaded)
        except ModelError as exc:
            problems += exc.diagnostics
            continue
        except BulkheadError as exc:
            fail(exc)
        risky = intent_warnings(loaded.model) + provider_warnings(loaded.model, [cp.cloud for cp in plan.clouds])
        warnings = [loaded.source.diagnostic(p.loc, p.message, p.fix) for p in risky]
        warn(warnings)
        clouds = ", ".join(cp.cloud for cp in plan.clouds)
        guarded = f", {len(loaded.model.never)} guardrails" if loaded.model.never else ""
        noted = f", {len(warnings)} warning(s)" if warnings else ""
        info(f"{file}: ok: model '{loaded.model.name}', {len(loaded.model.segments)} segments, "
             f"{len(loaded.model.flows)} flows{guarded} on {clouds}{waivers}{noted}")
    if problems:
        fail(ModelError(problems))


def _check_waivers(file: Path, loaded: Loaded) -> str:
    """The waivers file next to the model, checked; what to add to the ok line."""
    from datetime import UTC, datetime

    from infra.checks import declared_checks
    from infra.waivers import load_waivers, stray_waivers, waivers_file

    path = waivers_file(file, None)
    if path is None:
        return ""
    waivers = load_waivers(path, declared_checks(), loaded.model.segments)
    warn(stray_waivers(waivers, loaded.model.clouds.declared()))
    today = datetime.now(UTC).date()
    expired = [w for w in waivers if w.expired(today)]
    for w in expired:
        notice(f"{w.where}: {w.name}: expired on {w.expires.isoformat()}; it no longer waives {w.check}; "
               "renew it with a later expires date, or remove it")
    return f"; {len(waivers)} waivers ({len(expired)} expired)" if waivers else ""


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
        write_document(json.dumps(_plan_json(full.model, clouds, usages), indent=2))
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
    for note in _notes(cp):
        out.print(note, markup=False, highlight=False)


def _notes(cp) -> list[str]:
    """A provider's own remarks on its plan (GCP: whether every firewall rule logs), if it has any."""
    from infra.registry import part

    notes = getattr(part(cp.cloud, "build"), "plan_notes", None)
    return list(notes(cp)) if notes is not None else []


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
    write_document(render(loaded.model, full))


@app.command(epilog="Example: bulkhead schema --output bulkhead.schema.json")
def schema(output: PlainOutput = None) -> None:
    """Print (or write) the JSON Schema of the model, for editor completion and validation."""
    from infra.schema import model_schema

    try:
        write_document(json.dumps(model_schema(), indent=2), output)
    except BulkheadError as exc:
        fail(exc)


@app.command(epilog="Example: bulkhead pin examples/ai-platform.yaml")
def pin(file: ModelFile) -> None:
    """Write every segment's assigned address slot into the file (comments and order kept)."""
    from infra.pin import pin_slots, write_pinned

    try:
        loaded, full = load_checked(file)
        text, pinned = pin_slots(loaded.text, full.slots, str(file))
        if pinned:
            write_pinned(file, text)
    except BulkheadError as exc:
        fail(exc)
    if pinned:
        info(f"{file}: pinned {', '.join(f'{n}={full.slots[n]}' for n in pinned)}")
    else:
        info(f"{file}: every segment already has a slot; nothing changed")
