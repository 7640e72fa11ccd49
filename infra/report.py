"""Render a verification `Report` (or an audit): rich tables, the stable JSON, SARIF 2.1.0.

Nothing here prints: the functions return documents and renderables, infra/cli/ prints.
The JSON shapes are a contract (docs/output-formats.md): keys are only ever added, and each
addition is documented there. SARIF lives in infra/sarif.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from infra.load import SourceMap
from infra.ports import ALL_PROTOCOLS, format_ports, json_ports
from infra.reach import INTERNET, SERVICE_PREFIX, Network, ObservedPath
from infra.verify import Finding, PathRow, Report

if TYPE_CHECKING:
    from infra.waivers import Match, Waived


def report_json(report: Report, waived: Waived | None = None) -> dict[str, Any]:
    """The stable JSON; with waivers, `findings` holds what is left and `waived` what they took out."""
    match = waived.waiver_of if waived is not None else (lambda finding: None)
    return {
        "model": report.model, "cloud": report.cloud, "matches_intent": report.matches_intent,
        "paths": [_path_json(row) for row in report.paths],
        "findings": [_finding_json(f, match(f)) for f in report.findings],
        "waived": [_finding_json(m.finding, m) for m in (waived.waived if waived is not None else ())],
    }


def _path_json(row: PathRow) -> dict[str, Any]:
    return {"src": row.src, "dst": row.dst, "protocol": row.protocol,
            "ports": json_ports(row.protocol, row.ports), "intended": row.intended,
            "observed": row.observed, "evidence": list(row.evidence)}


def _finding_json(finding: Finding, match: Match | None = None) -> dict[str, Any]:
    ports = None
    if finding.protocol is not None and finding.ports is not None:
        ports = json_ports(finding.protocol, finding.ports)
    doc: dict[str, Any] = {"kind": finding.kind, "src": finding.src, "dst": finding.dst,
                           "protocol": finding.protocol, "ports": ports, "evidence": list(finding.evidence),
                           "message": finding.message}
    if finding.kind == "posture":  # added keys (docs/output-formats.md)
        doc |= {"check": finding.check, "severity": finding.severity, "waiver": _waiver_json(match)}
    if finding.kind == "guardrail":
        doc["guardrail"] = finding.guardrail
    return doc


def _waiver_json(match: Match | None) -> dict[str, Any] | None:
    if match is None:
        return None
    w = match.waiver
    return {"file": w.file, "line": w.line, "reason": w.reason, "expires": w.expires.isoformat(),
            "expired": match.expired}


def sarif(report: Report, source: SourceMap) -> dict[str, Any]:
    """SARIF for `report` anchored at `source.file` relative to the current directory (see infra/sarif.py)."""
    from infra.checks import declared_checks
    from infra.sarif import Run, artifact, sarif_log
    from infra.version import tool_version

    run = Run(tool_version(), "verify", report.cloud, artifact(source.file, Path.cwd()))
    return sarif_log(report, source, run, declared_checks(report.cloud))


MARKS = {"ok": ("✓", "green"), "unintended": ("+", "bold red"), "missing": ("-", "yellow"),
         "guardrail": ("!", "bold white on red"),
         "mixed": ("±", "bold red")}


def report_tables(report: Report, endpoints: Iterable[str]) -> list[RenderableType]:
    """A compact matrix (one mark per pair, fits a terminal), the paths with their ports, findings."""
    names = _ordered(endpoints, report.paths)
    rows: dict[tuple[str, str], list[PathRow]] = {}
    for row in report.paths:
        rows.setdefault((row.src, row.dst), []).append(row)
    tables: list[RenderableType] = [_matrix(report, names, rows), _paths_table(report, names, rows)]
    if report.findings:
        tables.append(findings_table(report.findings))
    tables.append(Text("matches the model" if report.matches_intent else
                       f"{len(report.findings)} finding(s): the cloud differs from the model",
                       "bold green" if report.matches_intent else "bold red"))
    return tables


def _status(rows: list[PathRow]) -> str:
    kinds = {"ok" if r.intended and r.observed else ("missing" if r.intended else "unintended") for r in rows}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _matrix(report: Report, names: list[str], rows: dict[tuple[str, str], list[PathRow]]) -> Table:
    # Columns are numbered so the matrix stays narrow; the row labels double as the legend.
    sources = [n for n in names if not n.startswith(SERVICE_PREFIX)]
    matrix = Table(title=f"{report.model} on {report.cloud}: row reaches column", title_justify="left",
                   caption="✓ intended and open, + unintended, - intended but blocked, ± both, "
                   "! crosses a guardrail, · denied",
                   caption_justify="left")
    matrix.add_column("from \\ to")
    for i, _ in enumerate(names, 1):
        matrix.add_column(str(i), justify="center")
    for src in sources:
        cells = []
        for dst in names:
            if (src, dst) in rows:
                crossed = any(f.kind == "guardrail" and (f.src, f.dst) == (src, dst) for f in report.findings)
                mark, style = MARKS["guardrail" if crossed else _status(rows[(src, dst)])]
                cells.append(Text(mark, style))
            else:
                cells.append(Text("·", "dim"))
        matrix.add_row(f"{names.index(src) + 1} {src}", *cells)
    services = [f"{names.index(n) + 1} {n}" for n in names if n.startswith(SERVICE_PREFIX)]
    if services:
        matrix.caption = f"{matrix.caption}; columns {', '.join(services)}"
    return matrix


def _paths_table(report: Report, names: list[str], rows: dict[tuple[str, str], list[PathRow]]) -> Table:
    table = Table(title=f"{report.cloud}: paths that are intended or observed", title_justify="left")
    for column in ("from", "to", "traffic", "status"):
        table.add_column(column, overflow="fold")
    order = {n: i for i, n in enumerate(names)}
    for (src, dst), group in sorted(rows.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]])):
        for row in group:
            status = "ok" if row.intended and row.observed else ("missing" if row.intended else "unintended")
            if status == "unintended" and any(f.kind == "guardrail" and (f.src, f.dst, f.protocol) ==
                                              (src, dst, row.protocol) for f in report.findings):
                status = "guardrail"  # some of these ports cross a guardrail: the worst news goes first
            mark, style = MARKS[status]
            table.add_row(src, dst, format_ports(row.protocol, row.ports), Text(f"{mark} {status}", style))
    return table


def findings_table(findings: Iterable[Finding], title: str = "findings") -> Table:
    findings = list(findings)
    table = Table(title=title)
    for column in ("kind", "finding"):
        table.add_column(column, overflow="fold")
    _evidence_column(table, (e for f in findings for e in f.evidence))
    for finding in findings:
        kind = finding.kind if finding.check is None else f"{finding.kind}\n{finding.check}\n{finding.severity}"
        table.add_row(kind, finding.message, "\n".join(finding.evidence))
    return table


def _evidence_column(table: Table, ids: Iterable[str]) -> None:
    # One id per line, never folded inside: a narrow terminal squeezes the other columns.
    table.add_column("evidence", no_wrap=True, min_width=max((len(i) for i in ids), default=8))


def _ordered(endpoints: Iterable[str], rows: Iterable[PathRow]) -> list[str]:
    seen = list(dict.fromkeys([*endpoints, *(e for r in rows for e in (r.src, r.dst))]))
    segments = [e for e in seen if e != INTERNET and not e.startswith(SERVICE_PREFIX)]
    services = sorted(e for e in seen if e.startswith(SERVICE_PREFIX))
    return segments + ([INTERNET] if INTERNET in seen else []) + services


# --- audit: no model, what a network exposes ----------------------------------------------

def audit_json(network: Network, observed: Iterable[ObservedPath]) -> dict[str, Any]:
    return {"cloud": network.cloud,
            "exposures": [dict(e) for e in network.exposures],
            "paths": [{"src": p.src, "dst": p.dst, "protocol": p.protocol,
                       "ports": json_ports(p.protocol, p.ports), "evidence": list(p.evidence_for(p.ports))}
                      for p in observed]}


def audit_tables(network: Network, observed: Iterable[ObservedPath]) -> list[RenderableType]:
    observed = list(observed)
    exposed = Table(title=f"{network.cloud}: interfaces reachable from the internet")
    for column in ("resource", "interface", "address", "traffic"):
        exposed.add_column(column, overflow="fold")
    _evidence_column(exposed, (str(i) for e in network.exposures for i in e["evidence"]))  # type: ignore[attr-defined]
    for e in network.exposures:
        exposed.add_row(str(e["resource"]), str(e["interface"]), str(e["address"]),
                        f"{e['protocol']}/{_ranges(e['ports'])}", "\n".join(map(str, e["evidence"])))  # type: ignore[call-overload]
    paths = Table(title=f"{network.cloud}: open paths between subnets, the internet and services")
    for column in ("from", "to", "traffic"):
        paths.add_column(column, overflow="fold")
    _evidence_column(paths, (i for p in observed for i in p.evidence_for(p.ports)))
    order = {p: i for i, p in enumerate(ALL_PROTOCOLS)}
    for p in sorted(observed, key=lambda p: (p.src, p.dst, order[p.protocol])):
        paths.add_row(p.src, p.dst, format_ports(p.protocol, p.ports), "\n".join(p.evidence_for(p.ports)))
    return [exposed, paths]


def exposed(network: Network, observed: Iterable[ObservedPath]) -> bool:
    """Something is reachable from the internet: an interface (where the cloud has them) or a subnet."""
    return bool(network.exposures) or any(p.src == INTERNET for p in observed)


def exposure_line(network: Network, observed: Iterable[ObservedPath]) -> Text:
    """The audit's last line: what is exposed, or explicitly that nothing is."""
    reached = sorted({p.dst for p in observed if p.src == INTERNET})
    if not network.exposures and not reached:
        read = sum(1 for e in network.endpoints if e != INTERNET and not e.startswith(SERVICE_PREFIX))
        return Text(f"{network.cloud}: nothing exposed: no interface and no subnet of the {read} read is reachable "
                    "from the internet", "bold green")
    parts = [f"{len(network.exposures)} interface(s)"] if network.exposures else []
    parts += [f"{len(reached)} subnet(s) ({', '.join(reached)})"] if reached else []
    return Text(f"{network.cloud}: exposed to the internet: {' and '.join(parts)}", "bold red")


def _ranges(ports: object) -> str:
    if ports is None:
        return "all"
    return ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in ports)  # type: ignore[attr-defined]
