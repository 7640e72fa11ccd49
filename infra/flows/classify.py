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
   the direction the model intends when exactly one direction is intended. When neither is,
   a reading that crosses a guardrail wins (an exfiltration from a high source port to a
   higher destination port is still read as the crossing it may be); otherwise (both or
   neither intended, both or neither crossing) the lower port is taken as the service, the
   higher one as a client's ephemeral port.
3. Classify it (`decide`): `intended` (accepted, intended), `guardrail` (accepted, not
   intended, and it crosses a `never:` guardrail: an invariant the security team owns is
   broken), `violation` (accepted, not intended: the segmentation leaks), `blocked-attempt`
   (rejected, not intended: something tried; one that would have crossed a guardrail keeps
   its class and names the guardrail, so an operator sees who tried), `broken` (rejected but
   intended: a misconfiguration), `unknown` (an address no endpoint owns, whatever the
   verdict; guardrails never name such an address). Intent is asked first: a model that
   validates never intends what a guardrail forbids, so only an endpoint standing for several
   (infra/flows/rails.py) can be both, and then the model's allowance wins.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from infra.flows.addresses import UNKNOWN, AddressBook
from infra.flows.intent import Intent
from infra.flows.records import FlowRecord, Tally
from infra.reach import INTERNET

FlowClass = Literal["intended", "guardrail", "violation", "blocked-attempt", "broken", "unknown"]
CLASSES: tuple[FlowClass, ...] = ("intended", "guardrail", "violation", "blocked-attempt", "broken", "unknown")
PORTED = ("tcp", "udp")


class Classified(NamedTuple):
    """A record's place in the report: the oriented endpoints, protocol, service port, class."""

    src: str
    dst: str
    protocol: str
    port: int | None  # the destination (service) port; None for ICMP and other protocols
    cls: FlowClass
    guardrail: int | None = None  # never[i] crossed (guardrail) or tried (blocked-attempt); else None


def decide(accepted: bool, intended: bool, crosses: bool = False) -> FlowClass:
    """The class of a record whose endpoints are known (rule 3)."""
    if accepted:
        return "intended" if intended else "guardrail" if crosses else "violation"
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
        self.rails = intent.rails

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
        protocol, accepted = record.protocol, record.accepted
        if src == UNKNOWN or dst == UNKNOWN:
            port = record.dst_port if protocol in PORTED else None
            return self._oriented(src, dst, protocol, record.src_port, port, "unknown")
        if protocol not in PORTED:
            if protocol == "icmp" and self.intent.allows(src, dst, protocol, None):
                return Classified(src, dst, protocol, None, decide(accepted, True))
            rail = self.rails.crossed(src, dst, protocol, None) if self.rails else None
            return Classified(src, dst, protocol, None, decide(accepted, False, rail is not None), rail)
        sport, dport = record.src_port, record.dst_port
        forward = self.intent.allows(src, dst, protocol, dport)
        backward = self.intent.allows(dst, src, protocol, sport)
        if forward or backward:
            reverse = (backward and not forward) or (forward and backward and sport < dport)
            return self._oriented(src, dst, protocol, sport, dport, decide(accepted, True), reverse)
        ahead = self.rails.crossed(src, dst, protocol, dport) if self.rails else None
        behind = self.rails.crossed(dst, src, protocol, sport) if self.rails else None
        reverse = sport < dport if (ahead is None) == (behind is None) else behind is not None
        rail = behind if reverse else ahead
        return self._oriented(src, dst, protocol, sport, dport, decide(accepted, False, rail is not None), reverse,
                              rail)

    @staticmethod
    def _oriented(src: str, dst: str, protocol: str, sport: int, dport: int | None, cls: FlowClass,
                  reverse: bool | None = None, rail: int | None = None) -> Classified:
        """The record read as sent (dport the service), or as the reply of dst's request to src."""
        if reverse is None:  # an unknown address: no intent to orient by, the lower port serves
            reverse = dport is not None and sport < dport
        if reverse:
            return Classified(dst, src, protocol, sport, cls, rail)
        return Classified(src, dst, protocol, dport, cls, rail)
