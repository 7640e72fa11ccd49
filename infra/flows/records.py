"""One flow-log record in neutral form, the tally of what was not classified, and time windows.

Every cloud's reader (providers/<cloud>/observe/flowlogs*.py) turns its own format into
`FlowRecord`s: VPC Flow Logs lines (AWS), Cloud Logging entries (GCP), flow tuples in blobs
(Azure). A record is a tuple, not a dataclass, because a million of them pass through the
classifier per run (bench/RESULTS.md): creating a NamedTuple costs a fraction of a frozen
dataclass, and it is still an immutable value compared by value.

Records that cannot be classified never stop a run: a reader counts them in the `Tally`
(bad records with their first few locations, NODATA/SKIPDATA, copies seen at the other end).
A record whose numbers no network can carry (`impossible`: a port outside 0-65535, a protocol
number outside 0-255, a time no calendar date has, a start after its end) is a bad record too,
whichever reader made it: the aggregation (infra/flows/aggregate.py) asks before classifying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from infra.errors import UsageError

Capture = Literal["src", "dst", "transit", ""]  # where the record was captured: see FlowRecord.at
IANA: dict[int, str] = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp"}  # 58: ICMPv6, which the model's icmp covers
BAD_EXAMPLES = 5
MAX_PORT = 65535
# The Unix seconds a date can show (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z): the report prints
# every time as a date (`iso`), so a record or an option outside them is refused, never a crash.
EARLIEST = -62135596800
LATEST = 253402300799


def protocol_name(number: int) -> str:
    """IANA number -> `tcp`, `udp`, `icmp`, or `ip-<n>` (a protocol the model cannot allow)."""
    return IANA.get(number, f"ip-{number}")


PROTOCOL_NAMES = frozenset(protocol_name(n) for n in range(256))  # `ip-300` names no protocol


class FlowRecord(NamedTuple):
    """One flow seen by the cloud in one capture window, as the cloud reported it.

    `at` says at which end the cloud captured it, when the reader can tell: `src` at the
    interface that owns the source address (the packet was leaving), `dst` at the one that
    owns the destination (arriving), `transit` at an interface that owns neither (a NAT
    gateway: its records repeat what the workload's interface already logged), `` unknown.
    `source` and `line` locate the record (a file or log stream, a line or entry number).
    """

    src: str
    dst: str
    src_port: int
    dst_port: int
    protocol: str
    accepted: bool
    packets: int
    bytes: int
    start: int  # Unix seconds
    end: int
    interface: str
    at: Capture
    source: str
    line: int


def impossible(record: FlowRecord) -> str | None:
    """Why no network could have carried `record` (a bad record), or None. A reader parses its own
    format; these are the limits of the numbers every format shares, checked once for all clouds."""
    if not (0 <= record.src_port <= MAX_PORT and 0 <= record.dst_port <= MAX_PORT):
        return f"port {record.src_port} or {record.dst_port} is outside 0-{MAX_PORT}"
    if record.protocol not in PROTOCOL_NAMES:
        return f"protocol {record.protocol.removeprefix('ip-')} is not a protocol number (0-255)"
    if not (EARLIEST <= record.start <= LATEST and EARLIEST <= record.end <= LATEST):
        return f"time {record.start} or {record.end} (Unix seconds) is outside the years 1-9999"
    if record.start > record.end:
        return f"start {iso(record.start)} is after end {iso(record.end)}"
    return None


@dataclass
class Tally:
    """What a run read but did not classify, so the report can account for every record."""

    bad: int = 0
    bad_examples: list[str] = field(default_factory=list)
    nodata: int = 0
    skipdata: int = 0
    duplicates: int = 0  # copies of a flow already counted at its other end
    transit: int = 0  # records of a NAT gateway's interface (the workload's record counts)
    outside: int = 0  # outside the time window

    def bad_record(self, source: str, line: int, reason: str) -> None:
        self.bad += 1
        if len(self.bad_examples) < BAD_EXAMPLES:
            self.bad_examples.append(f"{source}:{line}: {reason}")


@dataclass(frozen=True)
class Window:
    """Inclusive Unix-second bounds; None is open (files are read whole unless told)."""

    start: int | None = None
    end: int | None = None

    def holds(self, start: int, end: int) -> bool:
        """A record belongs to the window when its capture interval overlaps it."""
        return (self.start is None or end >= self.start) and (self.end is None or start <= self.end)


_DURATION = re.compile(r"(?P<n>[0-9]+)(?P<unit>[smhd])")  # ASCII digits: `\d` takes "٢٤h" too
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_window(since: str | None, start: str | None, end: str | None, now: int) -> Window:
    """`--since 24h` or `--start T [--end T]` (ISO 8601 or Unix seconds) -> a Window."""
    if since is not None and (start is not None or end is not None):
        raise UsageError("pass either --since or --start/--end, not both")
    if since is not None:
        return Window(_since(since, now), now)
    window = Window(parse_time(start, "--start") if start else None, parse_time(end, "--end") if end else None)
    if window.start is not None and window.end is not None and window.start > window.end:
        raise UsageError(f"--start {start} is after --end {end}; swap them")
    return window


def _since(since: str, now: int) -> int:
    match = _DURATION.fullmatch(since.strip())
    digits = match["n"].lstrip("0") if match else ""
    if not match or not digits:
        raise UsageError(f"--since {since!r} is not a duration; write e.g. 30m, 24h or 7d")
    # 12 digits of seconds already reach past the year 1, so longer numbers are never converted
    # (Python refuses to convert more than 4300 digits at all)
    start = now - int(digits) * _UNIT[match["unit"]] if len(digits) <= 12 else EARLIEST - 1
    if start < EARLIEST:
        raise UsageError(f"--since {since!r} reaches back before the year 1; write e.g. 30m, 24h or 7d")
    return start


def parse_time(text: str, option: str) -> int:
    """ISO 8601 (`2024-05-01T12:00:00Z`, a date, an offset) or Unix seconds -> Unix seconds."""
    value = text.strip()
    if value.isascii() and value.isdigit():  # isdigit() alone takes "١٧١٤" too
        digits = value.lstrip("0") or "0"  # too many digits for any date are never converted (see _since)
        return _dated(int(digits) if len(digits) <= len(str(LATEST)) else LATEST + 1, text, option)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a time; write 2024-05-01T12:00:00Z or Unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _dated(int(moment.timestamp()), text, option)


def _dated(seconds: int, text: str, option: str) -> int:
    """`seconds`, when a date can show it (an offset can push 9999-12-31 past the last one)."""
    if not EARLIEST <= seconds <= LATEST:
        raise UsageError(f"{option} {text!r} is outside the years 1-9999; write 2024-05-01T12:00:00Z or "
                         "Unix seconds")
    return seconds


def iso(seconds: int | None) -> str | None:
    """Unix seconds -> `2024-05-01T12:00:00Z` (the JSON report's time format)."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
