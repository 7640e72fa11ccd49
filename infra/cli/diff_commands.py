"""`bulkhead diff OLD NEW`: what a change to the model opens, closes and replaces, before it ships."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from infra.cli.app import app
from infra.cli.model_commands import load_checked
from infra.cli.options import CloudChoice, PlainOutput
from infra.cli.output import fail, show, write_json, write_report
from infra.errors import BulkheadError, ModelError
from infra.load import Loaded, parse_model
from infra.plan import Plan, make_plan, plan_problems


class DiffFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class DiffFailOn(StrEnum):
    opened_internet = "opened-internet"  # a path to or from the internet opened or widened
    opened = "opened"  # any path opened or widened
    any = "any"  # any change at all


ModelSpec = Annotated[str, typer.Argument(help="a model file, or git:REF:path (read with git show)",
                                          show_default=False)]


@app.command(epilog="Example: bulkhead diff git:origin/main:examples/ai-platform.yaml examples/ai-platform.yaml "
             "--format markdown")
def diff(
    old: ModelSpec,
    new: ModelSpec,
    cloud: Annotated[CloudChoice | None, typer.Option(help="only this cloud")] = None,
    format: Annotated[DiffFormat, typer.Option("--format", help="table, json or markdown")] = DiffFormat.table,
    fail_on: Annotated[DiffFailOn | None, typer.Option(
        "--fail-on", help="exit 1 when the change opens a path to or from the internet (opened-internet), "
        "opens any path (opened), or changes anything (any); without it diff exits 0")] = None,
    output: PlainOutput = None,
) -> None:
    """Compare two models: per cloud the paths opened, closed and changed, segments added, removed or moved
    (with every subnet replacement called out), and guardrail and flow changes. Both models are validated first.
    """
    from infra.diff import diff_models
    from infra.diff_report import diff_json, diff_tables, markdown

    try:
        (old_loaded, old_plan), (new_loaded, new_plan) = _load(old), _load(new)
        if cloud is not None and not any(cp.cloud == cloud.value for cp in (*old_plan.clouds, *new_plan.clouds)):
            raise ModelError([new_loaded.source.diagnostic(
                ("clouds",), f"cloud '{cloud.value}' is declared in neither model",
                "declare it under clouds or pick another --cloud")])
        changes = diff_models(old_plan, new_plan, old_loaded.model, new_loaded.model,
                              cloud.value if cloud is not None else None)
        if format is DiffFormat.json:
            write_json(diff_json(changes, old, new), output)
        elif format is DiffFormat.markdown:
            write_report(markdown(changes, old, new) + "\n", output)
        else:
            show(diff_tables(changes), output)
    except BulkheadError as exc:
        fail(exc)
    if fail_on is not None and _fails(changes, fail_on):
        raise typer.Exit(1)


def _load(spec: str) -> tuple[Loaded, Plan]:
    """A model file, or `git:REF:path` read through git; fully validated either way."""
    from infra.revisions import is_revision, read_revision

    if not is_revision(spec):
        return load_checked(Path(spec))
    loaded = parse_model(read_revision(spec), spec)
    problems = plan_problems(loaded.model)
    if problems:
        raise loaded.source.fail(problems)
    return loaded, make_plan(loaded.model)


def _fails(changes, fail_on: DiffFailOn) -> bool:
    if fail_on is DiffFailOn.any:
        return bool(changes)
    if fail_on is DiffFailOn.opened:
        return bool(changes.opened())
    return bool(changes.opened_internet())
