"""Which traffic a mocked cloud's flow logs should show (pure): the plan the traffic generators follow.

`bulkhead simulate --traffic-out` and the tests write realistic flow-log records into the
mocked clouds (providers/<cloud>/mock/traffic.py); this module decides WHAT flows, from the
model's intent alone, and each generator decides HOW its cloud logs it (which interfaces,
both ends, replies, NAT gateways, the cloud's own format).

- `intended`: one connection on every intended path (the first port of each range).
- `demo`: intended traffic plus one violation (an accepted connection between two segments
  the model keeps apart, and no guardrail forbids) and one internal blocked attempt (lateral
  movement).
- `every-class`: the demo plus an exfiltration attempt to the internet, a scan from the
  internet, a broken intended path (rejected at the destination) and traffic from an address
  no endpoint owns; and, when a guardrail (`never:`) keeps two segments placed in the cloud
  apart, an accepted connection across it (`guardrail`) and a rejected one (a blocked attempt
  that names the guardrail): one flow of each class the report knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Literal

from infra.flows.addresses import UNKNOWN, AddressBook
from infra.flows.classify import FlowClass
from infra.flows.rails import FlowRails
from infra.guardrails import rails
from infra.model import Model
from infra.ports import PROTOCOLS
from infra.reach import INTERNET
from infra.verify import intended_paths

Profile = Literal["intended", "demo", "every-class"]
PROFILES: tuple[Profile, ...] = ("intended", "demo", "every-class")
PROBE_PORT = 22  # what lateral movement and scans try first
OUTSIDE = ("172.31.254.10", "192.168.254.10", "10.255.254.10")


@dataclass(frozen=True)
class PlannedFlow:
    src: str
    dst: str
    protocol: str
    port: int | None
    accepted: bool
    expect: FlowClass
    rejected_at: Literal["src", "dst"] = "src"  # a rejection at the source's egress or the destination
    connections: int = 1


def plan_traffic(model: Model, cloud: str, profile: Profile) -> tuple[PlannedFlow, ...]:
    intent = intended_paths(model, cloud)
    planned = [PlannedFlow(src, dst, protocol, None if protocol == "icmp" else ports.intervals[0][0], True,
                           "intended", connections=2)
               for (src, dst, protocol), ports in sorted(intent.items())]
    if profile == "intended":
        return tuple(planned)
    placed = [s for s in model.segments if cloud in model.placement(s)]
    guarded = FlowRails.of(model)
    apart = [(a, b) for a in placed for b in placed if a != b and not any((a, b, p) in intent for p in PROTOCOLS)
             and guarded.crossed(a, b, "tcp", PROBE_PORT) is None]
    if not apart:
        return tuple(planned)
    leak = apart[0]
    lateral = next((p for p in apart if p[0] != leak[0]), apart[-1])
    planned += [PlannedFlow(*leak, "tcp", PROBE_PORT, True, "violation"),
                PlannedFlow(*lateral, "tcp", PROBE_PORT, False, "blocked-attempt")]
    if profile == "every-class":
        planned += _every_class(model, placed, intent) + _across_a_guardrail(model, placed)
    return tuple(planned)


def _across_a_guardrail(model: Model, placed: list[str]) -> list[PlannedFlow]:
    """An accepted and a rejected connection across the first guardrail between two placed segments."""
    for rail in rails(model):
        if rail.src in placed and rail.dst in placed and rail.src != rail.dst:
            tcp = rail.forbids("tcp")
            if not tcp:
                continue
            port = PROBE_PORT if PROBE_PORT in tcp else tcp.intervals[0][0]
            return [PlannedFlow(rail.src, rail.dst, "tcp", port, True, "guardrail"),
                    PlannedFlow(rail.src, rail.dst, "tcp", port, False, "blocked-attempt", rejected_at="dst")]
    return []


def _every_class(model: Model, placed: list[str], intent: dict) -> list[PlannedFlow]:
    out = []
    quiet = next((s for s in placed if (s, INTERNET, "tcp") not in intent), None)
    if quiet is not None:
        out.append(PlannedFlow(quiet, INTERNET, "tcp", 443 if 443 not in intent.get((quiet, INTERNET, "tcp"), ())
                               else 8443, False, "blocked-attempt"))
    closed = next((s for s in placed if PROBE_PORT not in intent.get((INTERNET, s, "tcp"), ())), None)
    if closed is not None:
        out.append(PlannedFlow(INTERNET, closed, "tcp", PROBE_PORT, False, "blocked-attempt", rejected_at="dst"))
    between = [(s, d, p, ports) for (s, d, p), ports in sorted(intent.items())
               if s in model.segments and d in model.segments and p == "tcp"]
    if between:
        src, dst, _, ports = between[0]
        out.append(PlannedFlow(src, dst, "tcp", ports.intervals[-1][1], False, "broken", rejected_at="dst"))
        out.append(PlannedFlow(UNKNOWN, dst, "tcp", ports.intervals[0][0], True, "unknown", rejected_at="dst"))
    return out


def pick_address(book: AddressBook, endpoint: str, n: int = 0) -> str:
    """An address the book maps to `endpoint` (the n-th host of its first IPv4 range).

    `unknown` gets a private address outside the network (a peered network, a VPN): inside
    the network every address belongs to some logged interface, whose own record would count.
    """
    if endpoint == INTERNET:
        return f"203.0.113.{10 + n % 200}"  # TEST-NET-3: public, never routed
    if endpoint == UNKNOWN:
        found = next((a for a in OUTSIDE if book.endpoint(a) == UNKNOWN and not book.is_local(a)), None)
        if found is None:
            raise ValueError("every candidate private address is inside the network")
        return found
    candidates = [r for r in book.ranges() if r[2] == endpoint]
    if not candidates:
        raise ValueError(f"no address of {endpoint!r} in the address book")
    first, last, _ = candidates[0]
    offset = min(10 + n, last - first) if last - first >= 20 else 0
    return str(IPv4Address(first + offset))
