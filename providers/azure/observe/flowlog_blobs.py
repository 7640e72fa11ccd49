"""Azure flow-log blobs (VNet flow logs, NSG flow logs version 1 and 2) -> neutral FlowRecords (pure).

Both are JSON documents `{"records": [...]}` that Network Watcher writes to a storage account,
one blob per network interface (MAC address) and hour, each flow a comma-separated tuple:

- VNet flow logs: `records[].flowRecords.flows[].flowGroups[].flowTuples[]`, tuples of 13 fields
  `time(ms),src,dst,srcPort,dstPort,protocol(IANA number),direction(I|O),state(B|C|E|D),
  encryption,packets out,bytes out,packets back,bytes back`; state D is a denied flow.
- NSG flow logs: `records[].properties.flows[].flows[].flowTuples[]`; version 2 has 13 fields
  `time(s),src,dst,srcPort,dstPort,protocol(T|U),direction,decision(A|D),state(B|C|E),packets
  out,bytes out,packets back,bytes back`, version 1 the first 8.

A tuple is one connection seen at one interface: O (outbound) at the sender, I (inbound) at
the receiver, its bytes counted both ways; replies are not tuples of their own. A begin (B)
tuple carries no counters. A tuple with the wrong number of fields, a number that is not plain
ASCII digits, or a direction, state or decision not listed above is a bad record, located by
the blob and the tuple's position in it; a list or object of the wrong type (or a blob nested
deeper than 64 levels) is one bad record at line 0 (the blob), named by its JSON path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from infra.flows.records import Capture, FlowRecord, Tally, protocol_name
from infra.shapes import MAX_DEPTH, too_deep

DIRECTION: dict[str, Capture] = {"O": "src", "I": "dst"}
NSG_PROTOCOL = {"T": 6, "U": 17}
VNET_FIELDS, NSG_FIELDS, NSG_V1_FIELDS = 13, 13, 8
AS_WRITTEN = "pass the blob as Network Watcher wrote it (PT1H.json)"


def parse_blob(data: bytes, source: str, tally: Tally) -> Iterator[FlowRecord]:
    deep = f"not a flow-log blob (the JSON nests deeper than {MAX_DEPTH} levels); {AS_WRITTEN}"
    try:
        document = json.loads(data)
        records = document["records"]
        if not isinstance(records, list):
            raise TypeError("records is not a list")
    except RecursionError:  # deeper than the parser goes, so far deeper than the limit
        tally.bad_record(source, 0, deep)
        return
    except (ValueError, KeyError, TypeError) as exc:
        tally.bad_record(source, 0, f"not a flow-log blob ({exc.__class__.__name__}: {exc})")
        return
    if too_deep(document):
        tally.bad_record(source, 0, deep)
        return
    number = 0
    for index, record in enumerate(records):
        for item in _tuples(record, f"records[{index}]"):
            if isinstance(item, str):  # a misshapen list or object: the blob as a whole is its place
                tally.bad_record(source, 0, f"{item}; {AS_WRITTEN}")
                continue
            vnet, mac, tuple_text = item
            number += 1
            found = _vnet(tuple_text, mac, source, number) if vnet else _nsg(tuple_text, mac, source, number)
            if isinstance(found, str):
                tally.bad_record(source, number, found)
            else:
                yield found


def _tuples(record: Any, at: str) -> Iterator[tuple[bool, str, Any] | str]:
    """(is VNet flow log, MAC address, tuple) for every tuple of one record; a string says what is
    misshapen (`records[0].flowRecords.flows is an object, not a list`). A missing (or null) list or
    object holds nothing; a value of the wrong type is one bad record, its siblings still read."""
    if not isinstance(record, dict):
        yield _misshapen(at, record, "an object")
        return
    mac = record.get("macAddress", "")
    if not isinstance(mac, str):
        yield _misshapen(f"{at}.macAddress", mac, "text")
        return
    for key, vnet, lists in (("flowRecords", True, ("flows", "flowGroups")), ("properties", False, ("flows", "flows"))):
        holder = record.get(key)
        if holder is None:
            continue
        if not isinstance(holder, dict):
            yield _misshapen(f"{at}.{key}", holder, "an object")
            continue
        for found in _objects(holder, f"{at}.{key}", lists):
            if isinstance(found, str):
                yield found
                continue
            flow, where = found
            own = mac if vnet else flow.get("mac", mac)
            tuples = flow.get("flowTuples")
            if not isinstance(own, str):
                yield _misshapen(f"{where}.mac", own, "text")
            elif tuples is not None and not isinstance(tuples, list):
                yield _misshapen(f"{where}.flowTuples", tuples, "a list of tuples")
            else:
                for text in tuples or []:
                    yield vnet, own, text


def _objects(node: dict, at: str, keys: tuple[str, ...]) -> Iterator[tuple[dict, str] | str]:
    """The objects of the lists `keys` name, one inside the other (each with its path), or what is misshapen."""
    if not keys:
        yield node, at
        return
    items, where = node.get(keys[0]), f"{at}.{keys[0]}"
    if items is None:
        return
    if not isinstance(items, list):
        yield _misshapen(where, items, "a list")
        return
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield from _objects(item, f"{where}[{index}]", keys[1:])
        else:
            yield _misshapen(f"{where}[{index}]", item, "an object")


def _misshapen(at: str, value: Any, wanted: str) -> str:
    return f"{at} is {kind(value)}, not {wanted}"


def kind(value: Any) -> str:
    """What a JSON value is, in words (never the value itself, which may be huge)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _vnet(text: Any, mac: str, source: str, number: int) -> FlowRecord | str:
    if not isinstance(text, str):
        return f"the tuple is {kind(text)}, not text (comma-separated fields)"
    parts = text.split(",")
    if len(parts) != VNET_FIELDS:
        return f"{len(parts)} fields in a VNet flow tuple, which has {VNET_FIELDS}"
    state = parts[7]
    if state not in ("B", "C", "E", "D"):
        return f"flow state {state!r} is not B, C, E or D"
    return _record(parts, int_or_none(parts[0]), 1000, int_or_none(parts[5]), state != "D", mac, source, number)


def _nsg(text: Any, mac: str, source: str, number: int) -> FlowRecord | str:
    if not isinstance(text, str):
        return f"the tuple is {kind(text)}, not text (comma-separated fields)"
    parts = text.split(",")
    if len(parts) not in (NSG_FIELDS, NSG_V1_FIELDS):
        return f"{len(parts)} fields in an NSG flow tuple, which has {NSG_FIELDS} (version 2) or {NSG_V1_FIELDS}"
    decision = parts[7]
    if decision not in ("A", "D"):
        return f"decision {decision!r} is neither A nor D"
    if len(parts) == NSG_FIELDS and parts[8] not in ("B", "C", "E"):
        return f"flow state {parts[8]!r} is not B, C or E"
    return _record(parts, int_or_none(parts[0]), 1, NSG_PROTOCOL.get(parts[5]), decision == "A", mac, source, number)


def _record(parts: list[str], time: int | None, per_second: int, protocol: int | None, accepted: bool, mac: str,
            source: str, number: int) -> FlowRecord | str:
    sport, dport = int_or_none(parts[3]), int_or_none(parts[4])
    if time is None or sport is None or dport is None or protocol is None:
        return "a time, port or protocol is not a number"
    at = DIRECTION.get(parts[6])
    if at is None:
        return f"direction {parts[6]!r} is neither I nor O"
    found = [int_or_none(p or "0") for p in parts[9:13]]  # a begin (B) tuple may leave them empty
    counters = [c for c in found if c is not None]
    if len(counters) != len(found):
        return "a packet or byte count is not a number"
    packets = counters[0] + counters[2] if len(counters) == 4 else 0
    size = counters[1] + counters[3] if len(counters) == 4 else 0
    seconds = time // per_second
    return FlowRecord(parts[1], parts[2], sport, dport, protocol_name(protocol), accepted, packets, size,
                      seconds, seconds, mac, at, source, number)


def int_or_none(text: str) -> int | None:
    """A count, port, protocol or time: ASCII digits only (`int` would take '+22', '2_2' and '٢٢')."""
    return int(text) if text.isdigit() and text.isascii() else None
