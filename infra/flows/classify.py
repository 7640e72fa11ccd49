"""Classify flow records against the model's intent (pure; the hot loop of `bulkhead observe`).

Three decisions per record, each a rule a reader of the report can check by hand:

1. Count it once. A flow between two interfaces of the network is logged at both: leaving
   the source and arriving at the destination. The arriving record carries the final verdict
   (the destination's rules may reject what the source let out), so a record captured at the
   source end that was ACCEPTED toward an address inside the network is a duplicate: the
   destination's own record counts. A REJECT at the source end counts (the packet never
   arrived). Records of transit interfaces (NAT gateways) repeat the workload's record.
2. Orient it. Flow logs record each direction of a connection, so the reply of an allowed
   request (server:443 -> client:51514) shows up as traffic of its own. A record is read in
   the direction the model intends when exactly one direction is intended; otherwise (both
   or neither) the lower port is taken as the service, the higher one as a client's
   ephemeral port.
3. Classify it (`decide`): `intended` (accepted, intended), `violation` (accepted, not
   intended: the segmentation leaks), `blocked-attempt` (rejected, not intended: something
   tried), `broken` (rejected but intended: a misconfiguration), `unknown` (an address no
   endpoint owns, whatever the verdict).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from infra.flows.addresses import UNKNOWN, AddressBook
from infra.flows.intent import Intent
from infra.flows.records import FlowRecord, Tally
from infra.reach import INTERNET

FlowClass = Literal["intended", "violation", "blocked-attempt", "broken", "unknown"]
CLASSES: tuple[FlowClass, ...] = ("intended", "violation", "blocked-attempt", "broken", "unknown")
PORTED = ("tcp", "udp")


class Classified(NamedTuple):
    """A record's place in the report: the oriented endpoints, protocol, service port, class."""

    src: str
    dst: str
    protocol: str
    port: int | None  # the destination (service) port; None for ICMP and other protocols
    cls: FlowClass


def decide(accepted: bool, intended: bool) -> FlowClass:
    """The class of a record whose endpoints are known. (A guardrail class, for paths the model
    forbids outright, would be decided here first, before intent.)"""
    if accepted:
        return "intended" if intended else "violation"
    return "broken" if intended else "blocked-attempt"


def is_duplicate(record: FlowRecord, book: AddressBook) -> bool:
    """Rule 1: the other end's record of this flow counts instead (see the module docstring)."""
    return record.at == "src" and record.accepted and book.is_local(record.dst)


def origin(cls: str, src: str) -> str:
    """A blocked attempt from the internet (a scan of the edge) is told apart from an internal one."""
    return "internet" if cls == "blocked-attempt" and src == INTERNET else "internal"


class Classifier:
    def __init__(self, book: AddressBook, intent: Intent):
        self.book = book
        self.intent = intent

    def keep(self, record: FlowRecord, tally: Tally) -> bool:
        """Rule 1, counting what it drops in the tally."""
        if record.at == "transit":
            tally.transit += 1
            return False
        if is_duplicate(record, self.book):
            tally.duplicates += 1
            return False
        return True

    def classify(self, record: FlowRecord) -> Classified:
        """Rules 2 and 3. ValueError when an address is not an IP address (a bad record)."""
        src, dst = self.book.endpoint(record.src), self.book.endpoint(record.dst)
        protocol = record.protocol
        if protocol not in PORTED:
            intended = self.intent.allows(src, dst, protocol, None) if protocol == "icmp" else False
            return Classified(src, dst, protocol, None, self._class(record.accepted, src, dst, intended))
        sport, dport = record.src_port, record.dst_port
        forward = self.intent.allows(src, dst, protocol, dport)
        backward = self.intent.allows(dst, src, protocol, sport)
        if (backward and not forward) or (forward == backward and sport < dport):
            return Classified(dst, src, protocol, sport, self._class(record.accepted, dst, src, backward or forward))
        return Classified(src, dst, protocol, dport, self._class(record.accepted, src, dst, forward or backward))

    @staticmethod
    def _class(accepted: bool, src: str, dst: str, intended: bool) -> FlowClass:
        if src == UNKNOWN or dst == UNKNOWN:
            return "unknown"
        return decide(accepted, intended)
