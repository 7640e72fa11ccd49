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
from infra.sarif import SCHEMA as SARIF_SCHEMA

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
        table = _table("traffic the model does not explain, most severe first",
                       "class", "from", "to", "traffic", "records", "last seen", "example")
        for row in attention:
            internet = row.cls == "blocked-attempt" and row.origin == "internet"
            label = "blocked-attempt\n(internet)" if internet else row.cls
            table.add_row(Text(label, STYLES[row.cls]), row.src, row.dst, traffic(row.protocol, row.port),
                          str(row.records), _clock(row.last), _example(row))
        out.append(table)
    intended = [r for r in report.flows if r.cls == "intended"]
    if intended:
        table = _table("intended traffic", "from", "to", "traffic", "records", "bytes")
        for row in intended:
            table.add_row(row.src, row.dst, traffic(row.protocol, row.port), str(row.records), str(row.bytes))
        out.append(table)
    if report.unused:
        table = _table("intended paths with no traffic in the window (least privilege: still needed?)",
                       "from", "to", "traffic")
        for u in report.unused:
            table.add_row(u.src, u.dst, format_ports(cast(Protocol, u.protocol), u.ports))
        out.append(table)
    out.extend(_accounting(report))
    return out


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", justify="right" if column in ("records", "bytes") else "left")
    return table


def _clock(seconds: int) -> str:
    """`05-01 12:00:05`: the year is in the headline."""
    return (iso(seconds) or "")[5:].replace("T", " ").removesuffix("Z")


def _example(row: FlowRow) -> str:
    if not row.examples:
        return ""
    found = example_json(row.examples[0])
    return f"{found['src']} ->\n{found['dst']}\n{found['interface'] or found['source']}"


def _headline(report: ObserveReport) -> Text:
    flows = dict.fromkeys(report.summary, 0)
    internet = 0
    for row in report.flows:
        flows[row.cls] += 1
        internet += row.cls == "blocked-attempt" and row.origin == "internet"
    s, a = report.summary, report.attempts

    def count(cls: str, records: int, number: int) -> str:
        return f"{number} {cls} flow(s) ({records} record(s))"

    text = Text(f"{report.model} on {report.cloud}, {iso(report.window.start) or 'first record'} to "
                f"{iso(report.window.end) or 'last record'}: {report.records} records classified\n")
    text.append("  " + count("violation", s["violation"], flows["violation"]) + "\n",
                STYLES["violation"] if s["violation"] else "")
    text.append("  " + count("internal blocked-attempt", a["internal"], flows["blocked-attempt"] - internet)
                + ": lateral movement, exfiltration\n", STYLES["blocked-attempt"] if a["internal"] else "")
    text.append("  " + count("broken", s["broken"], flows["broken"]) + ", "
                + count("unknown", s["unknown"], flows["unknown"]) + ", "
                + count("intended", s["intended"], flows["intended"]) + "\n")
    text.append("  " + count("blocked-attempt", a["internet"], internet)
                + " from the internet (edge scans, counted apart)", "dim")
    return text


def _accounting(report: ObserveReport) -> list[RenderableType]:
    t = report.tally
    lines = [f"not classified: {t.duplicates} duplicate(s) seen at the other end, {t.transit} NAT-gateway "
             f"record(s), {t.nodata} NODATA, {t.skipdata} SKIPDATA, {t.outside} outside the window"]
    if t.bad:
        lines.append(f"{t.bad} bad record(s) skipped; the first:")
        lines += [f"  {example}" for example in t.bad_examples]
    verdict = Text("no violation" if not report.has_violation else
                   f"violation: {report.summary['violation']} record(s) crossed where the model forbids it",
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
