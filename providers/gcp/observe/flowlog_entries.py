"""Cloud Logging entries of VPC Flow Logs and Firewall Rules Logging -> neutral FlowRecords (pure).

Entries are the API's LogEntry JSON (`logName`, `timestamp`, `jsonPayload`), as `entries.list`
returns them and `gcloud logging read --format=json` prints them.

- VPC Flow Logs (`.../logs/compute.googleapis.com%2Fvpc_flows`) record accepted traffic,
  sampled: `jsonPayload.connection{src_ip, src_port, dest_ip, dest_port, protocol}`, `bytes_sent`,
  `packets_sent`, `start_time`, `end_time`, and `reporter`: SRC (the sending VM reported it)
  or DEST (the receiving one), so a flow between two VMs is reported twice.
- Firewall Rules Logging (`.../logs/compute.googleapis.com%2Ffirewall`) gives the rejected
  attempts: `disposition` DENIED, at the VM whose EGRESS or INGRESS rule denied it
  (`rule_details.direction`). Only rules with logging enabled write entries; bulkhead's rules
  all do (`bulkhead plan --cloud gcp` says so). ALLOWED entries repeat accepted traffic the
  flow logs already carry: they are counted as duplicates.

int64 fields arrive as strings in JSON (`"bytes_sent": "840"`, ASCII digits only); numbers may
arrive as floats. An entry that is not one of these logs, lacks an address, port or time, has a
field of the wrong type (`rule_details` a list) or a `reporter`/`direction` not listed above, is a
bad record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from infra.flows.records import Capture, FlowRecord, Tally, protocol_name

VPC_FLOWS = "compute.googleapis.com%2Fvpc_flows"
FIREWALL = "compute.googleapis.com%2Ffirewall"
LOGS = (VPC_FLOWS, FIREWALL)
REPORTER: dict[str, Capture] = {"SRC": "src", "DEST": "dst"}
DIRECTION: dict[str, Capture] = {"EGRESS": "src", "INGRESS": "dst"}
_FRACTION = re.compile(r"\.\d+")


class BadEntry(ValueError):
    """What is wrong with one entry (its message becomes the bad record's reason)."""


class NotJson:
    """A line of an entries file that is not JSON, kept in place so its line number is reported."""

    def __init__(self, message: str):
        self.message = message


def parse_entries(entries: Iterable[Any], source: str, tally: Tally, first: int = 1) -> Iterator[FlowRecord]:
    return parse_numbered(enumerate(entries, first), source, tally)


def parse_numbered(entries: Iterable[tuple[int, Any]], source: str, tally: Tally) -> Iterator[FlowRecord]:
    for number, entry in entries:
        try:
            record = _record(entry, source, number, tally)
        except BadEntry as exc:
            tally.bad_record(source, number, str(exc))
            continue
        if record is not None:
            yield record


def _record(entry: Any, source: str, number: int, tally: Tally) -> FlowRecord | None:
    if isinstance(entry, NotJson):
        raise BadEntry(entry.message)
    if not isinstance(entry, dict) or not isinstance(entry.get("jsonPayload"), dict):
        raise BadEntry("not a log entry with a jsonPayload")
    log, payload = _field(entry, "logName", str, "", ""), entry["jsonPayload"]
    if log.endswith(VPC_FLOWS):
        at = _one_of(payload, "reporter", REPORTER)
        vm = _field(payload, "src_instance" if at == "src" else "dest_instance", dict, {})
        start = seconds(payload.get("start_time") or entry.get("timestamp"))
        end = seconds(payload.get("end_time") or payload.get("start_time") or entry.get("timestamp"))
        return _from(payload, True, number_of(payload.get("packets_sent", 0)), number_of(payload.get("bytes_sent", 0)),
                     start, end, vm, at, source, number)
    if log.endswith(FIREWALL):
        disposition = payload.get("disposition")
        if disposition == "ALLOWED":
            tally.duplicates += 1
            return None
        if disposition != "DENIED":
            raise BadEntry(f"disposition {_shown(disposition)} is neither ALLOWED nor DENIED")
        at = _one_of(_field(payload, "rule_details", dict, {}), "direction", DIRECTION, "jsonPayload.rule_details.")
        moment = seconds(entry.get("timestamp"))
        return _from(payload, False, 1, 0, moment, moment, _field(payload, "instance", dict, {}), at, source, number)
    raise BadEntry(f"log {log or '(none)'} is neither VPC Flow Logs nor Firewall Rules Logging")


def _from(payload: dict, accepted: bool, packets: int, size: int, start: int, end: int, vm: dict, at: Capture,
          source: str, number: int) -> FlowRecord:
    connection = payload.get("connection")
    if not isinstance(connection, dict) or not connection.get("src_ip") or not connection.get("dest_ip"):
        raise BadEntry("jsonPayload.connection lacks src_ip or dest_ip")
    src, dst = (_field(connection, key, str, "", "jsonPayload.connection.") for key in ("src_ip", "dest_ip"))
    protocol = number_of(connection.get("protocol"))
    interface = _field(vm, "vm_name", str, "", "the instance's ")
    return FlowRecord(src, dst, number_of(connection.get("src_port", 0)), number_of(connection.get("dest_port", 0)),
                      protocol_name(protocol), accepted, packets, size, start, end, interface, at, source, number)


_KINDS: dict[type, str] = {dict: "an object", list: "a list", str: "text"}


def _field(parent: dict, key: str, kind: type, missing: Any, prefix: str = "jsonPayload.") -> Any:
    """`parent[key]` when it is of `kind`; `missing` when absent or null; else what it is (BadEntry)."""
    value = parent.get(key)
    if value is None:
        return missing
    if not isinstance(value, kind):
        raise BadEntry(f"{prefix}{key} is {kind_of(value)}, not {_KINDS[kind]}")
    return value


def _one_of(parent: dict, key: str, values: dict[str, Capture], prefix: str = "jsonPayload.") -> Capture:
    """Where a record was captured (`reporter` SRC/DEST, a rule's EGRESS/INGRESS); '' when not said."""
    value = parent.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadEntry(f"{prefix}{key} is {kind_of(value)}, not {' or '.join(values)}")
    if value not in values:
        raise BadEntry(f"{prefix}{key} {value!r} is not {' or '.join(values)}")
    return values[value]


def _shown(value: Any) -> str:
    """A value quoted in a reason: text and numbers as they are, a list or object by kind (it may be huge)."""
    return kind_of(value) if isinstance(value, dict | list) else repr(value)


def kind_of(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    return _KINDS.get(type(value), "a number")


def number_of(value: Any) -> int:
    """An integer field: a JSON number (maybe written as 443.0) or an int64 string of ASCII digits
    (`int` would take '+22', '2_2', ' 22' and '٢٢')."""
    if isinstance(value, bool) or value is None:
        raise BadEntry(f"{value!r} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    raise BadEntry(f"{_shown(value)} is not a number")


def seconds(value: Any) -> int:
    """RFC 3339 (nanoseconds allowed) -> Unix seconds."""
    if not isinstance(value, str):
        raise BadEntry(f"time {_shown(value)} is missing or not RFC 3339")
    try:
        moment = datetime.fromisoformat(_FRACTION.sub("", value).replace("Z", "+00:00"))
    except ValueError:
        raise BadEntry(f"time {value!r} is not RFC 3339") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
