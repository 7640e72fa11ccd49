"""Arguments and options shared by several commands, and the choices they offer."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from infra.model import Model
from infra.registry import providers

ModelFile = Annotated[Path, typer.Argument(help="the segmentation model (YAML)", show_default=False, metavar="FILE")]

# The clouds on offer are the installed providers: infra never lists them itself.
CloudChoice = StrEnum("CloudChoice", {name: name for name in sorted(providers())})  # type: ignore[misc]


class PlanFormat(StrEnum):
    table = "table"
    json = "json"


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"


Project = Annotated[str | None, typer.Option(help="GCP project to read (verify defaults to the model's)")]
Subscription = Annotated[str | None, typer.Option(help="Azure subscription id to read (else AZURE_SUBSCRIPTION_ID)")]
Context = Annotated[str | None, typer.Option(
    help="Kubernetes: the kubeconfig context to read ('in-cluster': the pod's service account)")]


def live_options(project: str | None, subscription: str | None, model: Model | None = None,
                 cloud: str | None = None, context: str | None = None) -> dict[str, str]:
    """Account selectors for a live read; the model's own cloud settings fill what is not given."""
    settings = getattr(model.clouds, cloud).model_dump() if model is not None and cloud else {}
    options = {"project": project or settings.get("project"), "subscription": subscription, "context": context}
    return {k: v for k, v in options.items() if v}


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"


class AuditFormat(StrEnum):
    table = "table"
    json = "json"


# Shared by the commands that write a report and offer SARIF (simulate, verify, observe).
Output = Annotated[Path | None, typer.Option(
    "--output", help="write the report to this file instead of stdout; with --format sarif a run that fails "
    "still leaves a valid SARIF log there", show_default=False)]
# The commands whose output has no SARIF form (audit, diff, schema): their help must not promise one.
PlainOutput = Annotated[Path | None, typer.Option(
    "--output", help="write it to this file instead of stdout", show_default=False)]
FailOn = Annotated[list[str] | None, typer.Option(
    "--fail-on", metavar="<path,guardrail,posture>", help="which findings exit 1: path, guardrail, posture "
    "(repeat or comma-separate; default path,guardrail: posture findings only warn)", show_default=False)]
WaiversFile = Annotated[Path | None, typer.Option(
    "--waivers", help="the waivers file (default: bulkhead.waivers.yaml next to the model, when present)",
    show_default=False)]
