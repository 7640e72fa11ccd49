"""Render a `ModelDiff`: the stable JSON, a pull-request comment (markdown) and terminal tables.

Every rendering puts guardrail changes first (they belong to the security team), then what
opens to or from the internet, then replacements, then the rest. The markdown is written for
a pull-request comment: a short summary a reviewer reads in five seconds, details folded.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from infra.diff import ModelDiff, NetworkChange, PathChange, SegmentChange
from infra.ports import PortSet, format_ports, json_ports

MARKER = "<!-- bulkhead-diff -->"  # lets a CI step find and update its own comment
HEADLINES = 12  # bullet points before the folded details: a comment must stay readable


def diff_json(diff: ModelDiff, old: str, new: str) -> dict[str, Any]:
    return {
        "old": old, "new": new, "model": diff.model, "clouds": list(diff.clouds),
        "summary": summary_counts(diff),
        "guardrails": [{"change": g.change, "src": g.src, "dst": g.dst, "before": g.before, "after": g.after}
                       for g in diff.guardrails],
        "networks": [{"cloud": n.cloud, "change": n.change, "what": n.what, "replaces": n.replaces}
                     for n in diff.networks],
        "segments": [{"cloud": s.cloud, "segment": s.segment, "change": s.change, "reason": s.reason,
                      "before": list(s.before), "after": list(s.after), "replaces": s.replaces}
                     for s in diff.segments],
        "paths": [{"cloud": p.cloud, "src": p.src, "dst": p.dst, "protocol": p.protocol, "change": p.change,
                   "before": _ports(p, p.before), "after": _ports(p, p.after),
                   "opened": _ports(p, p.opened), "closed": _ports(p, p.closed)} for p in diff.paths],
        "flows": [{"src": f.src, "dst": f.dst, "before": f.before, "after": f.after} for f in diff.flows],
    }


def _ports(path: PathChange, ports: PortSet) -> list[list[int]] | None:
    return json_ports(path.protocol, ports)


def summary_counts(diff: ModelDiff) -> dict[str, int]:
    return {
        "guardrails": len(diff.guardrails),
        "opened": len(diff.opened()),
        "opened_internet": len(diff.opened_internet()),
        "closed": sum(1 for p in diff.paths if p.closed),
        "replacements": len(diff.replacements()),
        "segments": len(diff.segments),
        "flows": len(diff.flows),
    }


def summary_line(diff: ModelDiff) -> str:
    if not diff:
        return "no change to paths, segments, networks or guardrails"
    counts = summary_counts(diff)
    parts = []
    if counts["guardrails"]:
        parts.append(f"{counts['guardrails']} guardrail change(s)")
    internet = f" ({counts['opened_internet']} to or from the internet)" if counts["opened_internet"] else ""
    parts.append(f"{counts['opened']} path(s) opened{internet}")
    parts.append(f"{counts['closed']} closed")
    if counts["replacements"]:
        parts.append(f"{counts['replacements']} replacement(s) of subnets or networks")
    return ", ".join(parts)


def _path_text(p: PathChange) -> str:
    if p.change == "opened":
        return f"opens {format_ports(p.protocol, p.after)}"
    if p.change == "closed":
        return f"closes {format_ports(p.protocol, p.before)}"
    moves = ([f"opens {format_ports(p.protocol, p.opened)}"] if p.opened else []) + (
        [f"closes {format_ports(p.protocol, p.closed)}"] if p.closed else [])
    return " and ".join(moves)


def _arrow(p: PathChange) -> str:
    return f"{p.src} → {p.dst}"


def markdown(diff: ModelDiff, old: str, new: str) -> str:
    """A pull-request comment: headline and the changes that need a reviewer, then folded details."""
    lines = [MARKER, f"### bulkhead diff: `{diff.model}`", "", f"**{summary_line(diff)}**", "",
             f"<sub>{_md(old)} → {_md(new)}</sub>", ""]
    if not diff:
        return "\n".join(lines)
    lines += [f"- **guardrail {g.change}**: {_md(g.after or g.before or '')}" + (
        f" (was: {_md(g.before or '')})" if g.change == "changed" else "") for g in diff.guardrails]
    opened = sorted(diff.opened(), key=lambda p: not p.internet)  # the internet first
    notes = [f"- ⚠ **{p.cloud}: {_md(_arrow(p))} {_path_text(p)}** (the internet)" if p.internet else
             f"- **{p.cloud}: {_md(_arrow(p))} {_path_text(p)}**" for p in opened]
    notes += [f"- ⚠ **{r.cloud}: {_md(_replacement_text(r))}**" for r in diff.replacements()]
    lines += notes[:HEADLINES] + ([f"- … and {len(notes) - HEADLINES} more below"] if len(notes) > HEADLINES else [])
    lines.append("")
    lines += _details("Paths", ["cloud", "from", "to", "change"],
                      [[p.cloud, p.src, p.dst, _path_text(p)] for p in diff.paths])
    lines += _details("Segments", ["cloud", "segment", "change", "subnets"],
                      [[s.cloud, s.segment, f"{s.change} ({s.reason})" + (f" ⚠ {_loss(s)}" if s.replaces else ""),
                        f"{', '.join(s.before) or '-'} → {', '.join(s.after) or '-'}"] for s in diff.segments])
    lines += _details("Networks", ["cloud", "change", "what"],
                      [[n.cloud, n.change + (" ⚠ replaces" if n.replaces else ""), n.what] for n in diff.networks])
    lines += _details("Flows whose meaning changed", ["from", "to", "before", "after"],
                      [[f.src, f.dst, f.before, f.after] for f in diff.flows])
    return "\n".join(lines)


# Guardrail descriptions, a cluster's name and settings, file names: text from the model or the command
# line goes into the comment as text. `<` and `&` could open HTML (or close the <details> and forge the
# marker) and the rest could link, format or break the line, so each is escaped; `|` too in a table.
_MARKDOWN = {"&": "&amp;", "<": "&lt;"} | {c: "\\" + c for c in "\\`*_[]~"}


def _md(text: str) -> str:
    return "".join(_MARKDOWN.get(c, c) if c.isprintable() else " " for c in text)


def _replacement_text(change: NetworkChange | SegmentChange) -> str:
    if isinstance(change, SegmentChange) and change.on_cluster:
        return f"{change.segment}: {_loss(change)} ({change.reason})"
    if isinstance(change, SegmentChange):
        return f"{_loss(change)} of {change.segment} ({change.reason})"
    return change.what


def _loss(change: SegmentChange) -> str:
    if change.on_cluster:
        return "its workloads must move or be relabelled" if change.after else "removes its policies"
    return "replaces the subnets" if change.after else "destroys the subnets"


def _details(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(_md(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return [f"<details><summary>{title} ({len(rows)})</summary>", "", *table, "", "</details>", ""]


def diff_tables(diff: ModelDiff) -> list[RenderableType]:
    """The same changes as terminal tables, guardrails first, ending with the summary line."""
    out: list[RenderableType] = []
    sections = [
        ("guardrails", ["change", "from", "to", "guardrail"],
         [[g.change, g.src, g.dst, g.after or g.before or ""] for g in diff.guardrails]),
        ("paths", ["cloud", "from", "to", "change"], [[p.cloud, p.src, p.dst, _path_text(p)] for p in diff.paths]),
        ("segments", ["cloud", "segment", "change", "before", "after"],
         [[s.cloud, s.segment, f"{s.change}: {s.reason}" + (f" ({_loss(s)})" if s.replaces else ""),
           "\n".join(s.before) or "-", "\n".join(s.after) or "-"] for s in diff.segments]),
        ("networks", ["cloud", "change", "what"],
         [[n.cloud, n.change + (" (replaces)" if n.replaces else ""), n.what] for n in diff.networks]),
        ("flows whose meaning changed", ["from", "to", "before", "after"],
         [[f.src, f.dst, f.before, f.after] for f in diff.flows]),
    ]
    for title, header, rows in sections:
        if rows:
            table = Table(title=f"{diff.model}: {title}", title_justify="left")
            for column in header:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(Text(cell) for cell in row))  # text, not Rich markup: "[/x]" in a description
            out.append(table)
    out.append(Text(summary_line(diff), "bold"))
    return out
