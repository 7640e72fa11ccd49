"""Render a verification `Report` (or an audit): rich tables, the stable JSON, SARIF 2.1.0.

Nothing here prints: the functions return documents and renderables, infra/cli/ prints.
The JSON shapes are a contract (DESIGN.md "Machine-readable output"): do not add keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from infra.load import SourceMap
from infra.ports import ALL_PROTOCOLS, format_ports, json_ports
from infra.reach import INTERNET, SERVICE_PREFIX, Network, ObservedPath
from infra.verify import Finding, PathRow, Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = {
    "unintended-path": ("error", "A network path exists that the model does not allow."),
    "missing-path": ("warning", "A path the model allows is blocked in the cloud."),
    "posture": ("warning", "A configuration weakens the segmentation (defaults, flow logs, addresses)."),
}


def report_json(report: Report) -> dict[str, Any]:
    return {
        "model": report.model, "cloud": report.cloud, "matches_intent": report.matches_intent,
        "paths": [_path_json(row) for row in report.paths],
        "findings": [_finding_json(f) for f in report.findings],
    }


def _path_json(row: PathRow) -> dict[str, Any]:
    return {"src": row.src, "dst": row.dst, "protocol": row.protocol,
            "ports": json_ports(row.protocol, row.ports), "intended": row.intended,
            "observed": row.observed, "evidence": list(row.evidence)}


def _finding_json(finding: Finding) -> dict[str, Any]:
    ports = None
    if finding.protocol is not None and finding.ports is not None:
        ports = json_ports(finding.protocol, finding.ports)
    return {"kind": finding.kind, "src": finding.src, "dst": finding.dst, "protocol": finding.protocol,
            "ports": ports, "evidence": list(finding.evidence), "message": finding.message}


def sarif(report: Report, source: SourceMap) -> dict[str, Any]:
    """SARIF 2.1.0: each finding at the model line it belongs to (its flow, else its segment)."""
    results = []
    for finding in report.findings:
        line, column = source.locate(finding.loc, key=True) if finding.loc else (1, 1)
        results.append({
            "ruleId": finding.kind, "level": RULES[finding.kind][0],
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": source.file},
                "region": {"startLine": line, "startColumn": column}}}],
            "properties": {"cloud": report.cloud, "evidence": list(finding.evidence)},
        })
    rules = [{"id": kind, "shortDescription": {"text": text}, "defaultConfiguration": {"level": level}}
             for kind, (level, text) in RULES.items()]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "bulkhead", "informationUri": "https://github.com/bulkhead/bulkhead",
                            "rules": rules}},
        "results": results,
    }]}


MARKS = {"ok": ("✓", "green"), "unintended": ("+", "bold red"), "missing": ("-", "yellow"),
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
                   caption="✓ intended and open, + unintended, - intended but blocked, ± both, · denied",
                   caption_justify="left")
    matrix.add_column("from \\ to")
    for i, _ in enumerate(names, 1):
        matrix.add_column(str(i), justify="center")
    for src in sources:
        cells = []
        for dst in names:
            if (src, dst) in rows:
                mark, style = MARKS[_status(rows[(src, dst)])]
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
            mark, style = MARKS[status]
            table.add_row(src, dst, format_ports(row.protocol, row.ports), Text(f"{mark} {status}", style))
    return table


def findings_table(findings: Iterable[Finding]) -> Table:
    table = Table(title="findings")
    for column in ("kind", "finding", "evidence"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        table.add_row(finding.kind, finding.message, "\n".join(finding.evidence))
    return table


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
    exposed = Table(title=f"{network.cloud}: interfaces reachable from the internet")
    for column in ("resource", "interface", "address", "traffic", "evidence"):
        exposed.add_column(column, overflow="fold")
    for e in network.exposures:
        exposed.add_row(str(e["resource"]), str(e["interface"]), str(e["address"]),
                        f"{e['protocol']}/{_ranges(e['ports'])}", "\n".join(map(str, e["evidence"])))  # type: ignore[call-overload]
    paths = Table(title=f"{network.cloud}: open paths between subnets, the internet and services")
    for column in ("from", "to", "traffic", "evidence"):
        paths.add_column(column, overflow="fold")
    order = {p: i for i, p in enumerate(ALL_PROTOCOLS)}
    for p in sorted(observed, key=lambda p: (p.src, p.dst, order[p.protocol])):
        paths.add_row(p.src, p.dst, format_ports(p.protocol, p.ports), "\n".join(p.evidence_for(p.ports)))
    return [exposed, paths]


def _ranges(ports: object) -> str:
    if ports is None:
        return "all"
    return ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in ports)  # type: ignore[attr-defined]
