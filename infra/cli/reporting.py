"""How verify and simulate hand a report over: format, `--output`, waivers, `--fail-on`, exit code.

Shared by every command that compares a cloud with the model, so that they all gate, waive
and write SARIF the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from infra.cli.options import ReportFormat
from infra.cli.output import notice, show, warn, write_json
from infra.gate import GATE_OF, Gate, failing
from infra.load import Loaded
from infra.sarif import Run
from infra.verify import Report
from infra.waivers import Match, Waived, Waiver, apply_waivers, load_waivers, stray_waivers, waivers_file


def sarif_run(command: str, cloud: str, model_file: Path, format: ReportFormat) -> tuple[Run | None, Path]:
    """What a SARIF log needs to know about this run (None unless SARIF is asked for), and the root
    its paths are relative to: the git repository holding the model, else the current directory."""
    from infra.revisions import repository_root
    from infra.sarif import artifact
    from infra.version import tool_version

    root = repository_root(model_file.parent) or Path.cwd()
    if format is not ReportFormat.sarif:
        return None, root
    return Run(tool_version(), command, cloud, artifact(model_file, root)), root


def model_waivers(model_file: Path, override: Path | None, loaded: Loaded) -> tuple[Waiver, ...]:
    """The waivers next to the model (or `--waivers FILE`), checked; none when there is no file."""
    from infra.checks import declared_checks

    path = waivers_file(model_file, override)
    if path is None:
        return ()
    waivers = load_waivers(path, declared_checks(), loaded.model.segments)
    warn(stray_waivers(waivers, loaded.model.clouds.declared()))
    return waivers


def emit(report: Report, loaded: Loaded, format: ReportFormat, output: Path | None, fail_on: frozenset[Gate],
         waivers: Sequence[Waiver], run: Run | None, before: Sequence[RenderableType] = ()) -> None:
    """Write the report (waived findings taken out); exit 1 when a finding fails the gates."""
    from infra import report as reports

    waived = apply_waivers(report, waivers, datetime.now(UTC).date())
    for match in waived.expired:
        notice(_expired_line(match))
    report = waived.report
    if format is ReportFormat.json:
        write_json(reports.report_json(report, waived), output)
    elif format is ReportFormat.sarif:
        from infra.checks import declared_checks
        from infra.sarif import sarif_log

        assert run is not None
        write_json(sarif_log(report, loaded.source, run, declared_checks(report.cloud)), output)
    else:
        endpoints = [n for n in loaded.model.segments if report.cloud in loaded.model.placement(n)]
        show([*before, *reports.report_tables(report, endpoints), *_waived_tables(waived),
              *_gate_lines(report, fail_on)], output)
    if failing(report.findings, fail_on):
        raise typer.Exit(1)


def _expired_line(match: Match) -> str:
    w, f = match.waiver, match.finding
    resource = f.evidence[0] if f.evidence else f.src
    return (f"{w.where}: {w.name}: expired on {w.expires.isoformat()}; {f.check} on {resource} is reported again; "
            "renew the waiver with a later expires date, or fix the finding")


def _waived_tables(waived: Waived) -> list[RenderableType]:
    if not waived.waived:
        return []
    table = Table(title=f"waived ({waived.waived[0].waiver.file})", title_justify="left")
    for column in ("check", "resource", "reason", "until"):
        table.add_column(column, overflow="fold")
    for m in waived.waived:
        table.add_row(m.finding.check or "", m.finding.evidence[0] if m.finding.evidence else "", m.waiver.reason,
                      m.waiver.expires.isoformat())
    return [table]


def _gate_lines(report: Report, fail_on: frozenset[Gate]) -> list[RenderableType]:
    warned = [f for f in report.findings if f not in failing(report.findings, fail_on)]
    if not warned:
        return []
    kinds = sorted({f.kind for f in warned})
    gates = sorted(fail_on | {GATE_OF[f.kind] for f in warned})
    return [Text(f"{len(warned)} {'/'.join(kinds)} finding(s) only warn (exit 0 for them); "
                 f"--fail-on {','.join(gates)} makes them fail the run", "yellow")]
