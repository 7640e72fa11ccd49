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
tuple carries no counters. A tuple with the wrong number of fields or a non-numeric port is
a bad record, located by the blob and the tuple's position in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from infra.flows.records import Capture, FlowRecord, Tally, protocol_name

DIRECTION: dict[str, Capture] = {"O": "src", "I": "dst"}
NSG_PROTOCOL = {"T": 6, "U": 17}
VNET_FIELDS, NSG_FIELDS, NSG_V1_FIELDS = 13, 13, 8


def parse_blob(data: bytes, source: str, tally: Tally) -> Iterator[FlowRecord]:
    try:
        document = json.loads(data)
        records = document["records"]
        if not isinstance(records, list):
            raise TypeError("records is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        tally.bad_record(source, 0, f"not a flow-log blob ({exc.__class__.__name__}: {exc})")
        return
    number = 0
    for record in records:
        for vnet, mac, tuple_text in _tuples(record):
            number += 1
            found = _vnet(tuple_text, mac, source, number) if vnet else _nsg(tuple_text, mac, source, number)
            if isinstance(found, str):
                tally.bad_record(source, number, found)
            else:
                yield found


def _tuples(record: Any) -> Iterator[tuple[bool, str, str]]:
    """(is VNet flow log, MAC address, tuple) for every tuple of one record."""
    if not isinstance(record, dict):
        return
    mac = str(record.get("macAddress", ""))
    for flow in ((record.get("flowRecords") or {}).get("flows") or []):
        for group in flow.get("flowGroups") or []:
            for text in group.get("flowTuples") or []:
                yield True, mac, str(text)
    for rule in ((record.get("properties") or {}).get("flows") or []):
        for flow in rule.get("flows") or []:
            for text in flow.get("flowTuples") or []:
                yield False, str(flow.get("mac", mac)), str(text)


def _vnet(text: str, mac: str, source: str, number: int) -> FlowRecord | str:
    parts = text.split(",")
    if len(parts) != VNET_FIELDS:
        return f"{len(parts)} fields in a VNet flow tuple, which has {VNET_FIELDS}"
    state = parts[7]
    if state not in ("B", "C", "E", "D"):
        return f"flow state {state!r} is not B, C, E or D"
    return _record(parts, int_or_none(parts[0]), 1000, int_or_none(parts[5]), state != "D", mac, source, number)


def _nsg(text: str, mac: str, source: str, number: int) -> FlowRecord | str:
    parts = text.split(",")
    if len(parts) not in (NSG_FIELDS, NSG_V1_FIELDS):
        return f"{len(parts)} fields in an NSG flow tuple, which has {NSG_FIELDS} (version 2) or {NSG_V1_FIELDS}"
    decision = parts[7]
    if decision not in ("A", "D"):
        return f"decision {decision!r} is neither A nor D"
    return _record(parts, int_or_none(parts[0]), 1, NSG_PROTOCOL.get(parts[5]), decision == "A", mac, source, number)


def _record(parts: list[str], time: int | None, per_second: int, protocol: int | None, accepted: bool, mac: str,
            source: str, number: int) -> FlowRecord | str:
    sport, dport = int_or_none(parts[3]), int_or_none(parts[4])
    if time is None or sport is None or dport is None or protocol is None:
        return "a time, port or protocol is not a number"
    counters = [int_or_none(p) or 0 for p in parts[9:13]]
    packets = counters[0] + counters[2] if len(counters) == 4 else 0
    size = counters[1] + counters[3] if len(counters) == 4 else 0
    at = DIRECTION.get(parts[6], "")
    seconds = time // per_second
    return FlowRecord(parts[1], parts[2], sport, dport, protocol_name(protocol), accepted, packets, size,
                      seconds, seconds, mac, at, source, number)


def int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
