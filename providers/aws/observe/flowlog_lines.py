"""VPC Flow Logs lines -> neutral FlowRecords (pure).

A record is one line of space-separated fields. The default format (version 2) has 14:
`version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start
end action log-status`. A custom format chooses fields and their order (versions 3-5 add
`vpc-id`, `pkt-srcaddr`, `flow-direction`, ...); objects in S3 begin with a header line
naming them, a CloudWatch Logs group carries the flow log's `LogFormat` instead
(`${version} ${srcaddr} ...`, read from the snapshot's FlowLogs.json).

- `log-status` NODATA (no traffic in the window) and SKIPDATA (records dropped by AWS) carry
  `-` in most fields: they are counted, never parsed as traffic.
- `pkt-srcaddr` / `pkt-dstaddr`, when present, are the packet's original addresses (through
  a NAT gateway `srcaddr` is the gateway's): the endpoints are taken from them.
- `flow-direction` (ingress / egress), when present, says at which end the record was
  captured; otherwise the interface's own addresses (from the snapshot) tell.
- A line with the wrong number of fields, a port, protocol, count or time that is not ASCII
  digits, an action other than ACCEPT / REJECT or a flow-direction other than ingress / egress
  is a bad record: counted with its location, never fatal.
- A format no record can be read with (a header naming a field AWS does not document or one
  twice, or lacking one of NEEDED) is refused, located (UsageError, exit 2). A UTF-8 byte order
  mark before the header is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from infra.errors import UsageError
from infra.flows.records import Capture, FlowRecord, Tally, protocol_name

DEFAULT_FIELDS = ("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
                  "packets", "bytes", "start", "end", "action", "log-status")
NEEDED = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "start", "end", "action")
FIELDS = (*DEFAULT_FIELDS,  # every field AWS documents (versions 2-8), in its order
          "vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr", "region", "az-id",
          "sublocation-type", "sublocation-id", "pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction",
          "traffic-path", "ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn",
          "ecs-container-instance-id", "ecs-container-id", "ecs-second-container-id", "ecs-service-name",
          "ecs-task-definition-arn", "ecs-task-arn", "ecs-task-id", "reject-reason")
KNOWN = set(FIELDS)
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # what a field name looks like; a record's start and end never do
DIRECTION = {"egress": "src", "ingress": "dst"}
CaptureOf = Callable[[str, str, str], Capture]


class FormatError(ValueError):
    """A format (header line or LogFormat) that bulkhead cannot read records with."""


def fields_of(log_format: str | None) -> tuple[str, ...]:
    """`${version} ${srcaddr} ...` (a flow log's LogFormat) or a header line -> field names."""
    if not log_format:
        return DEFAULT_FIELDS
    return tuple(token.strip().removeprefix("${").removesuffix("}") for token in log_format.split())


def is_header(line: str) -> bool:
    """A line of field names, at least one of them known (a record has digits: its start and end)."""
    tokens = line.split()
    return bool(tokens) and all(NAME.fullmatch(t) for t in tokens) and any(t in KNOWN for t in tokens)


def check_fields(fields: Sequence[str]) -> None:
    unknown = [f for f in fields if f not in KNOWN]
    if unknown:
        raise FormatError(f"names {', '.join(map(repr, unknown))}, which no VPC flow log has; the known fields are "
                          f"{' '.join(FIELDS)}")
    twice = sorted({f for f in fields if fields.count(f) > 1}, key=fields.index)
    if twice:
        raise FormatError(f"names {', '.join(twice)} twice; a flow log's format names each field once")
    missing = [f for f in NEEDED if f not in fields]
    if missing:
        raise FormatError(f"lacks {', '.join(missing)}; bulkhead needs "
                          f"{', '.join(NEEDED)} (add them to the flow log's format)")


def parse_lines(lines: Iterable[str], source: str, capture: CaptureOf, tally: Tally,
                fields: Sequence[str] = DEFAULT_FIELDS) -> Iterator[FlowRecord]:
    """Every record of one file, object or log stream; a first line naming fields is its header.

    A format bulkhead cannot read records with (a header naming an unknown field or one twice, or
    lacking one classification needs) reads no record of the source: UsageError, located.
    """
    current = tuple(fields)
    reader: Callable[[str, int], FlowRecord | None] | None = None
    for number, line in enumerate(lines, 1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte order mark (UTF-8 with BOM) is no part of the header
            if is_header(line):
                current = tuple(line.split())
                _checked(current, f"{source}:1: the header")
                continue
        if reader is None:
            _checked(current, f"{source}: the flow log's format (its LogFormat)")
            reader = _reader(current, source, capture, tally)
        if line.strip():
            record = reader(line, number)
            if record is not None:
                yield record


def _checked(fields: Sequence[str], what: str) -> None:
    try:
        check_fields(fields)
    except FormatError as exc:
        raise UsageError(f"{what} {exc}") from None


def whole(text: str) -> int:
    """A port, protocol, count or time: ASCII digits only (`int` would take '+22', '2_2', '٢٢')."""
    if text.isdigit() and text.isascii():
        return int(text)
    raise ValueError(text)


def _reader(fields: tuple[str, ...], source: str, capture: CaptureOf,
            tally: Tally) -> Callable[[str, int], FlowRecord | None]:
    """A parser for one format, with the field positions bound once (the hot loop of a big file)."""
    at = {name: i for i, name in enumerate(fields)}
    width = len(fields)
    src_i, dst_i, sport_i, dport_i = at["srcaddr"], at["dstaddr"], at["srcport"], at["dstport"]
    proto_i, start_i, end_i, action_i = at["protocol"], at["start"], at["end"], at["action"]
    status_i, iface_i, packets_i, bytes_i = (at.get(k, -1) for k in ("log-status", "interface-id", "packets", "bytes"))
    psrc_i, pdst_i, dir_i = (at.get(k, -1) for k in ("pkt-srcaddr", "pkt-dstaddr", "flow-direction"))
    names = [protocol_name(n) for n in range(256)]

    def read(line: str, number: int) -> FlowRecord | None:
        parts = line.split()
        if len(parts) != width:
            tally.bad_record(source, number, f"{len(parts)} fields where the format has {width}")
            return None
        if status_i >= 0 and parts[status_i] != "OK":
            _status(parts[status_i], source, number, tally)
            return None
        action = parts[action_i]
        if action != "ACCEPT" and action != "REJECT":
            tally.bad_record(source, number, f"action {action!r} is neither ACCEPT nor REJECT")
            return None
        try:
            sport, dport = whole(parts[sport_i]), whole(parts[dport_i])
            protocol, start, end = whole(parts[proto_i]), whole(parts[start_i]), whole(parts[end_i])
            packets = whole(parts[packets_i]) if packets_i >= 0 else 0
            size = whole(parts[bytes_i]) if bytes_i >= 0 else 0
        except ValueError:
            tally.bad_record(source, number, "a port, protocol, count or time is not a number")
            return None
        src, dst = parts[src_i], parts[dst_i]
        interface = parts[iface_i] if iface_i >= 0 else ""
        if dir_i >= 0 and parts[dir_i] not in DIRECTION and parts[dir_i] != "-":
            tally.bad_record(source, number, f"flow-direction {parts[dir_i]!r} is neither ingress nor egress")
            return None
        where = capture(interface, src, dst)
        if dir_i >= 0 and where != "transit" and parts[dir_i] != "-":  # '-': not known, the addresses tell
            where = DIRECTION[parts[dir_i]]  # type: ignore[assignment]
        if psrc_i >= 0 and parts[psrc_i] != "-":
            src = parts[psrc_i]
        if pdst_i >= 0 and parts[pdst_i] != "-":
            dst = parts[pdst_i]
        name = names[protocol] if 0 <= protocol < 256 else protocol_name(protocol)
        return FlowRecord(src, dst, sport, dport, name, action == "ACCEPT", packets, size,
                          start, end, interface, where, source, number)  # type: ignore[arg-type]

    return read


def _status(status: str, source: str, number: int, tally: Tally) -> None:
    if status == "NODATA":
        tally.nodata += 1
    elif status == "SKIPDATA":
        tally.skipdata += 1
    else:
        tally.bad_record(source, number, f"log-status {status!r} is not OK, NODATA or SKIPDATA")


def header_line(fields: Sequence[str]) -> str:
    """The header an S3 object starts with, so a saved file names its own fields."""
    return " ".join(fields)
