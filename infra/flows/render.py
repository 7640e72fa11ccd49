"""Render an observe report: rich tables, the stable JSON (docs/contracts.md), SARIF 2.1.0.

Nothing here prints: infra/cli/ does. The JSON keys of the issue's contract are fixed; the
keys after them (`attempts`, `skipped`, `bad_records`) are additions documented with it.
"""

from __future__ import annotations

from typing import Any, cast

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from infra.flows.aggregate import FlowRow, ObserveReport, UnusedPath
from infra.flows.records import FlowRecord, iso
from infra.load import Loaded
from infra.ports import Protocol, format_ports, json_ports
from infra.reach import INTERNET, SERVICE_PREFIX
from infra.report import SARIF_SCHEMA

STYLES = {"violation": "bold red", "blocked-attempt": "yellow", "broken": "bold yellow", "unknown": "magenta",
          "intended": "green"}
SARIF_LEVELS = {("violation", "internal"): "error", ("blocked-attempt", "internal"): "warning",
                ("broken", "internal"): "warning", ("unknown", "internal"): "note",
                ("blocked-attempt", "internet"): "note"}
RULE_TEXT = {
    "violation": "Traffic the model does not allow was accepted: the segmentation leaks.",
    "blocked-attempt": "Traffic the model does not allow was tried and rejected.",
    "broken": "Traffic the model allows was rejected: a misconfiguration breaks an intended path.",
    "unknown": "Traffic to or from an address no endpoint of the model owns.",
    "unused": "An intended path carried no traffic in the window: a candidate for least privilege.",
}


def observe_json(report: ObserveReport) -> dict[str, Any]:
    tally = report.tally
    return {
        "model": report.model, "cloud": report.cloud,
        "window": {"start": iso(report.window.start), "end": iso(report.window.end)},
        "records": report.records, "summary": dict(report.summary),
        "flows": [_flow_json(row) for row in report.flows],
        "unused": [_unused_json(u) for u in report.unused],
        "attempts": dict(report.attempts),
        "skipped": {"nodata": tally.nodata, "skipdata": tally.skipdata, "duplicates": tally.duplicates,
                    "transit": tally.transit, "outside_window": tally.outside},
        "bad_records": {"count": tally.bad, "first": list(tally.bad_examples)},
    }


def _flow_json(row: FlowRow) -> dict[str, Any]:
    return {"src": row.src, "dst": row.dst, "protocol": row.protocol, "port": row.port, "class": row.cls,
            "records": row.records, "bytes": row.bytes, "first": iso(row.first), "last": iso(row.last),
            "examples": [example_json(r) for r in row.examples]}


def example_json(record: FlowRecord) -> dict[str, Any]:
    ported = record.protocol in ("tcp", "udp")
    return {"interface": record.interface,
            "src": f"{record.src}:{record.src_port}" if ported else record.src,
            "dst": f"{record.dst}:{record.dst_port}" if ported else record.dst,
            "action": "ACCEPT" if record.accepted else "REJECT", "time": iso(record.start),
            "source": f"{record.source}:{record.line}"}


def _unused_json(path: UnusedPath) -> dict[str, Any]:
    protocol = cast(Protocol, path.protocol)
    return {"src": path.src, "dst": path.dst, "protocol": path.protocol, "ports": json_ports(protocol, path.ports)}


def traffic(protocol: str, port: int | None) -> str:
    return f"{protocol}/{port}" if port is not None else protocol


def observe_tables(report: ObserveReport) -> list[RenderableType]:
    """The headline, the flows that need attention (internal first), intended traffic, unused paths."""
    out: list[RenderableType] = [_headline(report)]
    attention = [r for r in report.flows if r.cls != "intended"]
    if attention:
        out.append(_flows_table("traffic the model does not explain (most severe first)", attention, True))
    intended = [r for r in report.flows if r.cls == "intended"]
    if intended:
        out.append(_flows_table("intended traffic", intended, False))
    if report.unused:
        unused = Table(title="intended paths with no traffic in the window (least privilege: still needed?)",
                       title_justify="left")
        for column in ("from", "to", "traffic"):
            unused.add_column(column)
        for u in report.unused:
            unused.add_row(u.src, u.dst, format_ports(cast(Protocol, u.protocol), u.ports))
        out.append(unused)
    out.extend(_accounting(report))
    return out


def _headline(report: ObserveReport) -> Text:
    s, a = report.summary, report.attempts
    text = Text(f"{report.model} on {report.cloud}, {iso(report.window.start) or 'first record'} to "
                f"{iso(report.window.end) or 'last record'}: {report.records} records classified\n")
    text.append(f"  {s['violation']} violation(s)", STYLES["violation"] if s["violation"] else "")
    text.append(f", {a['internal']} internal blocked attempt(s) (lateral movement, exfiltration)",
                STYLES["blocked-attempt"] if a["internal"] else "")
    text.append(f", {s['broken']} broken, {s['unknown']} unknown, {s['intended']} intended"
                f"; {a['internet']} blocked attempt(s) from the internet (edge scans, counted apart)")
    return text


def _flows_table(title: str, rows: list[FlowRow], with_class: bool) -> Table:
    table = Table(title=title, title_justify="left")
    columns = (["class"] if with_class else []) + ["from", "to", "traffic", "records", "bytes", "last seen", "example"]
    for column in columns:
        table.add_column(column, overflow="fold", justify="right" if column in ("records", "bytes") else "left")
    for row in rows:
        label = row.cls if row.origin == "internal" or row.cls != "blocked-attempt" else "blocked-attempt (internet)"
        example = example_json(row.examples[0]) if row.examples else None
        cells = [row.src, row.dst, traffic(row.protocol, row.port), str(row.records), str(row.bytes),
                 iso(row.last) or "", f"{example['interface']} {example['src']} -> {example['dst']}" if example else ""]
        table.add_row(*([Text(label, STYLES[row.cls])] if with_class else []), *cells)
    return table


def _accounting(report: ObserveReport) -> list[RenderableType]:
    t = report.tally
    lines = [f"not classified: {t.duplicates} duplicate(s) seen at the other end, {t.transit} NAT-gateway "
             f"record(s), {t.nodata} NODATA, {t.skipdata} SKIPDATA, {t.outside} outside the window"]
    if t.bad:
        lines.append(f"{t.bad} bad record(s) skipped; first: " + "; ".join(t.bad_examples))
    verdict = Text("no violation" if not report.has_violation else
                   f"{report.summary['violation']} record(s) crossed where the model forbids it",
                   "bold green" if not report.has_violation else "bold red")
    return [Text("\n".join(lines), "dim"), verdict]


def observe_sarif(report: ObserveReport, loaded: Loaded) -> dict[str, Any]:
    """One result per flow that is not intended, and per unused path, at the model line it concerns."""
    results = []
    for row in report.flows:
        level = SARIF_LEVELS.get((row.cls, row.origin))
        if level is None:
            continue
        message = (f"{row.cls}: {row.src} -> {row.dst} on {traffic(row.protocol, row.port)}, "
                   f"{row.records} record(s), last {iso(row.last)}")
        results.append(_result(f"observe/{row.cls}", level, message, loaded, row.src, row.dst, report.cloud))
    for u in report.unused:
        message = f"unused: {u.src} -> {u.dst} on {format_ports(cast(Protocol, u.protocol), u.ports)}"
        results.append(_result("observe/unused", "note", message, loaded, u.src, u.dst, report.cloud))
    rules = [{"id": f"observe/{name}", "shortDescription": {"text": text}} for name, text in RULE_TEXT.items()]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "bulkhead observe", "informationUri": "https://github.com/bulkhead/bulkhead",
                            "rules": rules}},
        "results": results}]}


def _result(rule: str, level: str, message: str, loaded: Loaded, src: str, dst: str, cloud: str) -> dict[str, Any]:
    line, column = loaded.source.locate(model_location(loaded, src, dst), key=True)
    return {"ruleId": rule, "level": level, "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": loaded.source.file},
                                                "region": {"startLine": line, "startColumn": column}}}],
            "properties": {"cloud": cloud}}


def model_location(loaded: Loaded, src: str, dst: str) -> tuple[str | int, ...]:
    """The flow joining src and dst, else the segment line the traffic concerns."""
    model = loaded.model
    for i, flow in enumerate(model.flows):
        if flow.from_ == src and dst in flow.targets():
            return ("flows", i)
    if src == INTERNET and dst in model.segments:
        return ("segments", dst, "internet")
    if (dst == INTERNET or dst.startswith(SERVICE_PREFIX)) and src in model.segments:
        return ("segments", src)
    for end in (src, dst):
        if end in model.segments:
            return ("segments", end)
    return ("flows",)
