"""Render an observe report: rich tables and the stable JSON (docs/contracts.md); SARIF is
infra/flows/sarif.py.

Nothing here prints: infra/cli/ does. The JSON keys of the issue's contract are fixed; the
keys after them (`attempts`, `skipped`, `bad_records`, and `guardrail` in each flow) are
additions documented with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from infra.flows.aggregate import FlowRow, ObserveReport, UnusedPath
from infra.flows.records import FlowRecord, iso
from infra.ports import Protocol, format_ports, json_ports

STYLES = {"guardrail": "bold white on red", "violation": "bold red", "blocked-attempt": "yellow",
          "broken": "bold yellow", "unknown": "magenta", "intended": "green"}


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
            "examples": [example_json(r) for r in row.examples], "guardrail": row.guardrail}


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


def observe_tables(report: ObserveReport, failing: Sequence[FlowRow], warned: Sequence[FlowRow],
                   accounting: bool = True) -> list[RenderableType]:
    """The headline, the flows that need attention (guardrails, then internal traffic first),
    intended traffic, unused paths, what was not classified (unless `accounting` is off, as
    with -q) and the verdict: `failing` the flows that fail the run, `warned` those that only warn."""
    out: list[RenderableType] = [_headline(report)]
    attention = [r for r in report.flows if r.cls != "intended"]
    if attention:
        table = _table("traffic the model does not explain, most severe first",
                       "class", "from", "to", "traffic", "records", "last seen", "example")
        for row in attention:
            table.add_row(Text(_label(row), STYLES[row.cls]), row.src, row.dst, traffic(row.protocol, row.port),
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
    if accounting:
        out.append(_accounting(report))
    out.append(verdict(failing, warned))
    return out


def _label(row: FlowRow) -> str:
    """`guardrail\nnever[0]`, `blocked-attempt\n(internet)`, `blocked-attempt\ntried never[1]`."""
    notes = []
    if row.cls == "blocked-attempt" and row.origin == "internet":
        notes.append("(internet)")
    if row.guardrail is not None:
        notes.append(row.guardrail if row.cls == "guardrail" else f"tried {row.guardrail}")
    return "\n".join([row.cls, *notes])


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
    internet = tried = 0
    for row in report.flows:
        flows[row.cls] += 1
        internet += row.cls == "blocked-attempt" and row.origin == "internet"
        tried += row.cls == "blocked-attempt" and row.guardrail is not None
    s, a = report.summary, report.attempts

    def count(cls: str, records: int, number: int) -> str:
        return f"{number} {cls} flow(s) ({records} record(s))"

    text = Text(f"{report.model} on {report.cloud}, {iso(report.window.start) or 'first record'} to "
                f"{iso(report.window.end) or 'last record'}: {report.records} records classified\n")
    text.append("  " + count("guardrail", s["guardrail"], flows["guardrail"]) + ": crossed a never: guardrail\n",
                STYLES["guardrail"] if s["guardrail"] else "")
    text.append("  " + count("violation", s["violation"], flows["violation"]) + "\n",
                STYLES["violation"] if s["violation"] else "")
    text.append("  " + count("internal blocked-attempt", a["internal"], flows["blocked-attempt"] - internet)
                + ": lateral movement, exfiltration\n", STYLES["blocked-attempt"] if a["internal"] else "")
    if tried:
        text.append("  " + count("blocked-attempt", a["guardrail"], tried)
                    + " tried to cross a guardrail (internal or from the internet)\n", STYLES["blocked-attempt"])
    text.append("  " + count("broken", s["broken"], flows["broken"]) + ", "
                + count("unknown", s["unknown"], flows["unknown"]) + ", "
                + count("intended", s["intended"], flows["intended"]) + "\n")
    text.append("  " + count("blocked-attempt", a["internet"], internet)
                + " from the internet (edge scans, counted apart)", "dim")
    return text


def _accounting(report: ObserveReport) -> Text:
    t = report.tally
    lines = [f"not classified: {t.duplicates} duplicate(s) seen at the other end, {t.transit} NAT-gateway "
             f"record(s), {t.nodata} NODATA, {t.skipdata} SKIPDATA, {t.outside} outside the window"]
    if t.bad:
        lines.append(f"{t.bad} bad record(s) skipped; the first:")
        lines += [f"  {example}" for example in t.bad_examples]
    return Text("\n".join(lines), "dim")


def verdict(failing: Sequence[FlowRow], warned: Sequence[FlowRow]) -> Text:
    """The last line: what fails the run (exit 1), else what only warns, else that nothing crossed."""
    if failing:
        return Text("exit 1: " + "; ".join(_per_class(failing)), "bold red")
    if warned:
        return Text("only warns (exit 0): " + "; ".join(_per_class(warned))
                    + f"; --fail-on {','.join(sorted({r.cls for r in warned}))} makes it fail the run", "yellow")
    return Text("no violation: nothing crossed where the model forbids it", "bold green")


WHAT = {"guardrail": "crossed a guardrail", "violation": "crossed where the model forbids it",
        "blocked-attempt": "tried where the model forbids it", "broken": "intended but rejected",
        "unknown": "to or from an address no endpoint owns"}


def _per_class(rows: Sequence[FlowRow]) -> list[str]:
    out = []
    for cls, what in WHAT.items():
        found = [r for r in rows if r.cls == cls]
        if found:
            out.append(f"{cls}: {len(found)} flow(s), {sum(r.records for r in found)} record(s) {what}")
    return out
