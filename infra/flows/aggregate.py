"""Streaming aggregation of classified records into the observe report (pure).

Records are consumed one at a time and folded into one entry per (src, dst, protocol, port,
class): memory grows with the number of distinct flows, never with the number of records.
The report lists the flows most severe first (guardrail crossings, violations, then internal
blocked attempts, broken paths, unknown addresses, blocked attempts from the internet,
intended traffic; within each, attempts on a guardrail first) and the intended paths that
carried no traffic in the window (`unused`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from infra.flows.classify import CLASSES, Classified, Classifier, FlowClass, origin
from infra.flows.intent import Intent
from infra.flows.rails import rail_name
from infra.flows.records import FlowRecord, Tally, Window, impossible
from infra.ports import PortSet

EXAMPLES = 3
USED = ("intended", "broken")  # traffic that shows a path is needed, whether or not it passed
SEVERITY = {("guardrail", "internal"): 0, ("violation", "internal"): 1, ("blocked-attempt", "internal"): 2,
            ("broken", "internal"): 3, ("unknown", "internal"): 4, ("blocked-attempt", "internet"): 5,
            ("intended", "internal"): 6}


@dataclass(frozen=True)
class FlowRow:
    src: str
    dst: str
    protocol: str
    port: int | None
    cls: FlowClass
    records: int
    bytes: int
    first: int
    last: int
    examples: tuple[FlowRecord, ...]
    guardrail: str | None = None  # `never[i]`: crossed (class guardrail) or tried (blocked-attempt)

    @property
    def origin(self) -> str:
        return origin(self.cls, self.src)


@dataclass(frozen=True)
class UnusedPath:
    src: str
    dst: str
    protocol: str
    ports: PortSet


@dataclass(frozen=True)
class ObserveReport:
    model: str
    cloud: str
    window: Window  # as asked, else the span of the records seen
    summary: dict[str, int]  # class -> records
    attempts: dict[str, int]  # blocked-attempt records: internal / internet, and (of both) on a guardrail
    flows: tuple[FlowRow, ...]
    unused: tuple[UnusedPath, ...]
    tally: Tally

    @property
    def records(self) -> int:
        return sum(self.summary.values())



class Aggregator:
    def __init__(self) -> None:
        self.stats: dict[Classified, list] = {}  # [records, bytes, first, last, examples]

    def add(self, found: Classified, record: FlowRecord) -> None:
        entry = self.stats.get(found)
        if entry is None:
            self.stats[found] = [1, record.bytes, record.start, record.end, [record]]
            return
        entry[0] += 1
        entry[1] += record.bytes
        if record.start < entry[2]:
            entry[2] = record.start
        if record.end > entry[3]:
            entry[3] = record.end
        if len(entry[4]) < EXAMPLES:
            entry[4].append(record)


def aggregate(records: Iterable[FlowRecord], classifier: Classifier, window: Window, tally: Tally) -> Aggregator:
    """Fold every record in the window into the aggregator; bad records (impossible numbers, bad
    addresses) are tallied, not raised, and never counted as traffic or as outside the window."""
    found = Aggregator()
    holds, keep, classify, add = window.holds, classifier.keep, classifier.classify, found.add
    bounded = window != Window()
    for record in records:
        problem = impossible(record)
        if problem is not None:
            tally.bad_record(record.source, record.line, problem)
            continue
        if bounded and not holds(record.start, record.end):
            tally.outside += 1
            continue
        if not keep(record, tally):
            continue
        try:
            add(classify(record), record)
        except ValueError:
            tally.bad_record(record.source, record.line, f"{record.src!r} or {record.dst!r} is not an IP address")
    return found


def build_report(model: str, cloud: str, intent: Intent, found: Aggregator, window: Window,
                 tally: Tally) -> ObserveReport:
    rows = [FlowRow(k.src, k.dst, k.protocol, k.port, k.cls, v[0], v[1], v[2], v[3], tuple(v[4]),
                    None if k.guardrail is None else rail_name(k.guardrail))
            for k, v in found.stats.items()]
    rows.sort(key=lambda r: (SEVERITY[(r.cls, r.origin)], r.guardrail is None, -r.records, r.src, r.dst,
                             r.protocol, r.port or 0))
    summary: dict[str, int] = {cls: 0 for cls in CLASSES}
    attempts = {"internal": 0, "internet": 0, "guardrail": 0}
    for row in rows:
        summary[row.cls] += row.records
        if row.cls == "blocked-attempt":
            attempts[row.origin] += row.records
            attempts["guardrail"] += row.records if row.guardrail is not None else 0
    seen = Window(min((r.first for r in rows), default=None), max((r.last for r in rows), default=None))
    span = Window(window.start if window.start is not None else seen.start,
                  window.end if window.end is not None else seen.end)
    return ObserveReport(model, cloud, span, summary, attempts, tuple(rows), unused_paths(intent, rows), tally)


def unused_paths(intent: Intent, rows: Iterable[FlowRow]) -> tuple[UnusedPath, ...]:
    """Intended ranges (each range of the model's port list) that no record used in the window."""
    used: dict[tuple[str, str, str], list[int | None]] = {}
    for row in rows:
        if row.cls in USED:
            for src in intent.members(row.src):
                for dst in intent.members(row.dst):
                    used.setdefault((src, dst, row.protocol), []).append(row.port)
    out = []
    for (src, dst, protocol), ports in sorted(intent.paths.items()):
        hits = used.get((src, dst, protocol), [])
        idle = [(lo, hi) for lo, hi in ports
                if not any(port is None or lo <= port <= hi for port in hits)]
        if idle:
            out.append(UnusedPath(src, dst, protocol, PortSet.of(idle)))
    return tuple(out)
