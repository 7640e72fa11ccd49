"""The neutral path engine: which traffic passes a chain of filters (docs/verifier.md).

A cloud's normalizer turns that cloud's state into a `Network`: for each ordered pair of
endpoints (segment names, `internet`, `service:<name>`) the alternative chains of `Step`s a
packet would cross (one chain per pair of real interfaces, routes included). Rules name the
endpoints they match (`peers`), already resolved by the normalizer from CIDRs, groups,
service accounts or tags, so this module needs no cloud knowledge and no IP arithmetic:

- allow-union, stateful (AWS security groups, routing): the union of matching allows passes;
- ordered first-match, stateful (GCP firewall rules, Azure NSGs, with their implied rules):
  walk rules in order keeping the still-undecided traffic; an allow takes it, a deny drops it;
- ordered first-match, stateless (AWS network ACLs): the same walk, and for TCP a `reply`
  step checks that the answers (to ephemeral ports) pass the opposite direction.

Chains come either spelled out (`Network.chains`) or from `Side`s (`Network.sides`): the
places an endpoint sends from and receives at, combined pairwise here. Sides keep a network
of N segments from costing N^2 chains: only pairs whose first and last filters can match at
all are expanded (see `infra.traffic` for the evaluation itself).

Every decision keeps the ids of the rules that made it, so a report says why.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from infra.ports import EPHEMERAL, PROTOCOLS, PortSet, Protocol
from infra.traffic import Part, Traffic

FilterKind = Literal["union", "ordered"]
Action = Literal["allow", "deny"]

INTERNET = "internet"
SERVICE_PREFIX = "service:"


@dataclass(frozen=True)
class Rule:
    """One entry of a filter. `peers is None` matches every endpoint (e.g. 0.0.0.0/0 + VNet tag).

    For an allow, `peers` holds every endpoint the rule's source/destination overlaps; for a
    deny only those it covers completely (a partial deny does not close a path).
    `protocol is None` means every protocol; `ports is None` every port of it.
    """

    id: str
    action: Action
    peers: frozenset[str] | None
    protocol: Protocol | None = None
    ports: PortSet | None = None


@dataclass(frozen=True)
class Filter:
    """A security group set, NACL direction, firewall direction, NSG direction or route table.

    `kind="union"` ignores deny rules (AWS security groups and routes have none).
    """

    id: str
    kind: FilterKind
    rules: tuple[Rule, ...]  # for "ordered": already in evaluation order (priority, deny first)


@dataclass(frozen=True)
class Step:
    """Cross `filter`, whose rules must match `peer` (the far end of the packet at this hop).

    `reply=True` is a stateless check of the answers of a TCP path: the filter must pass
    replies to ANY of the ephemeral ports 1024-65535 coming from/going to `peer`. If it does,
    the step passes every port of the forward traffic. UDP and ICMP paths skip reply steps
    (`needs_replies`): one-way delivery is already a path.
    """

    filter: Filter
    peer: str
    reply: bool = False


@dataclass(frozen=True)
class Side:
    """A place an endpoint sends from and receives at: an interface (or a notional one).

    Between two sides of different endpoints (or of the same one) the engine builds the chain
      src.egress(dst) + src.boundary_out(dst) + dst.boundary_in(src) + dst.ingress(src)
      + replies: dst.boundary_out(src) + src.boundary_in(dst)
    where boundary filters are stateless (AWS NACLs) and skipped when both sides share a
    non-empty `place` (NACLs do not filter inside a subnet). Sides of different non-empty
    `family` (IPv4 vs IPv6) never talk. `multiple` marks a notional side standing for any
    number of workloads, so it also reaches itself (two workloads launched alike).
    """

    id: str
    egress: tuple[Filter, ...] = ()
    ingress: tuple[Filter, ...] = ()
    boundary_out: tuple[Filter, ...] = ()
    boundary_in: tuple[Filter, ...] = ()
    place: str = ""
    family: str = ""
    multiple: bool = False


@dataclass(frozen=True)
class Posture:
    """A finding about configuration rather than a path (flow logs off, rules in a default group)."""

    resource: str
    message: str
    evidence: tuple[str, ...] = ()
    segment: str | None = None
    check: str = ""  # the stable id of the check that raised it (infra/checks.py)
    severity: str = "medium"


@dataclass(frozen=True)
class Network:
    """A cloud's state in neutral form, produced by providers/<cloud>/normalize.py.

    A pair's chains are `chains[(src, dst)]` plus every chain built from `sides[src]` x
    `sides[dst]`; a pair with neither is closed.
    """

    cloud: str
    endpoints: tuple[str, ...]
    chains: dict[tuple[str, str], tuple[tuple[Step, ...], ...]] = field(default_factory=dict)
    posture: tuple[Posture, ...] = ()
    # Audit mode (no model): interfaces exposed to the internet, filled by the normalizer.
    exposures: tuple[dict[str, object], ...] = ()
    sides: dict[str, tuple[Side, ...]] = field(default_factory=dict)
    # (sender's place, receiver's place) of each spelled-out chain, index for index with
    # `chains[pair]` ("" where there is none): lets the verifier judge one subnet at a time.
    chain_places: dict[tuple[str, str], tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # The protocols the engine evaluates: a target that can open SCTP (Kubernetes) adds it.
    protocols: tuple[Protocol, ...] = PROTOCOLS


Places = tuple[str | None, str | None]  # (sender's place, receiver's place); None = any


@dataclass(frozen=True)
class ObservedPath:
    """Traffic that passes from src to dst; `evidence` maps each port range to its rule ids."""

    src: str
    dst: str
    protocol: Protocol
    ports: PortSet
    evidence: tuple[tuple[tuple[int, int], tuple[str, ...]], ...] = ()

    def evidence_for(self, ports: PortSet) -> tuple[str, ...]:
        """The ids of the rules behind the given ports (sorted, each once)."""
        ids: set[str] = set()
        for (lo, hi), rule_ids in self.evidence:
            if PortSet.single(lo, hi) & ports:
                ids.update(rule_ids)
        return tuple(sorted(ids))


def evaluate(network: Network) -> tuple[ObservedPath, ...]:
    """Every open path of the network: each ordered pair of endpoints x its protocols (tcp, udp, icmp[, sctp])."""
    return Engine(network).observed()


def blocked_by(network: Network, src: str, dst: str, protocol: Protocol, ports: PortSet) -> tuple[str, ...]:
    """Why `ports` do not (all) pass from src to dst: see `Engine.blocked_by`."""
    return Engine(network).blocked_by(src, dst, protocol, ports)


Hop = tuple[Filter, str, bool]  # (filter, peer, reply)


@dataclass
class _Index:
    """Which rules of a filter can match which peer, so most peers share one cached answer."""

    named: dict[str, list[int]]  # peer -> positions of the rules naming it
    wildcard: list[int]  # positions of the rules with peers=None
    allow_named: frozenset[str]
    allow_wildcard: bool

    @classmethod
    def of(cls, flt: Filter) -> _Index:
        named: dict[str, list[int]] = {}
        wildcard: list[int] = []
        allow_named: set[str] = set()
        allow_wildcard = False
        for pos, rule in enumerate(flt.rules):
            is_allow = rule.action == "allow"
            if rule.peers is None:
                wildcard.append(pos)
                allow_wildcard = allow_wildcard or is_allow
                continue
            for peer in rule.peers:
                named.setdefault(peer, []).append(pos)
            if is_allow:
                allow_named.update(rule.peers)
        return cls(named, wildcard, frozenset(allow_named), allow_wildcard)

    def can_match(self, peer: str) -> bool:
        return self.allow_wildcard or peer in self.allow_named

    def relevant(self, flt: Filter, peer: str | None) -> list[Rule]:
        positions = sorted(self.wildcard + self.named.get(peer, [])) if peer is not None else self.wildcard
        return [flt.rules[p] for p in positions]


class Engine:
    """Evaluates one network, caching per (filter, peer, protocol) and per distinct chain.

    Cost grows with rules + candidate pairs: a filter is decided once per peer its rules
    name (all other peers share the wildcard-only answer), and a pair of sides is expanded
    only if the sender's first filter and the receiver's last filter can match at all.
    """

    def __init__(self, network: Network):
        self.network = network
        self._indexes: dict[int, _Index] = {}
        self._decisions: dict[tuple[int, str | None, str], tuple[Traffic, Traffic]] = {}
        self._chains: dict[tuple[tuple[int, str, bool], ...], dict[str, Traffic]] = {}
        self._places: dict[str, tuple[str, ...]] | None = None

    # --- one filter ---------------------------------------------------------------------

    def index(self, flt: Filter) -> _Index:
        found = self._indexes.get(id(flt))
        if found is None:
            found = self._indexes[id(flt)] = _Index.of(flt)
        return found

    def decide(self, flt: Filter, peer: str, protocol: Protocol) -> tuple[Traffic, Traffic]:
        """(allowed, explicitly denied) traffic of one filter toward one peer."""
        index = self.index(flt)
        key_peer = peer if peer in index.named else None
        key = (id(flt), key_peer, protocol)
        found = self._decisions.get(key)
        if found is None:
            found = self._decisions[key] = _walk(flt, index.relevant(flt, key_peer), protocol)
        return found

    def step(self, hop: Hop, protocol: Protocol) -> Traffic:
        flt, peer, reply = hop
        if reply and not needs_replies(protocol):
            return Traffic.of(PortSet.full(protocol), ())  # a datagram arrives without an answer
        allowed = self.decide(flt, peer, protocol)[0]
        if not reply:
            return allowed
        answers = allowed.restrict(reply_ports(protocol))
        return Traffic.of(PortSet.full(protocol), answers.ids()) if answers else Traffic()

    # --- chains -------------------------------------------------------------------------

    def chains(self, src: str, dst: str, places: Places | None = None) -> list[tuple[Hop, ...]]:
        """Every chain from src to dst; with `places`, only those from/to those places."""
        spelled = self.network.chains.get((src, dst), ())
        if places is not None:
            where = self.network.chain_places.get((src, dst), ())
            spelled = tuple(c for i, c in enumerate(spelled)
                            if _at(where[i] if i < len(where) else ("", ""), places))
        out = [tuple((s.filter, s.peer, s.reply) for s in chain) for chain in spelled]
        for a in self.network.sides.get(src, ()):
            if places is not None and places[0] is not None and a.place != places[0]:
                continue
            for b in self.network.sides.get(dst, ()):
                if places is not None and places[1] is not None and b.place != places[1]:
                    continue
                hops = side_chain(a, b, src, dst)
                if hops is not None:
                    out.append(hops)
        return out

    def places(self, endpoint: str) -> tuple[str, ...]:
        """The distinct non-empty places an endpoint's sides and spelled-out chains sit at."""
        if self._places is None:
            found: dict[str, set[str]] = {}
            for name, sides in self.network.sides.items():
                found.setdefault(name, set()).update(s.place for s in sides)
            for (src, dst), where in self.network.chain_places.items():
                found.setdefault(src, set()).update(w[0] for w in where)
                found.setdefault(dst, set()).update(w[1] for w in where)
            self._places = {name: tuple(sorted(p for p in places if p)) for name, places in found.items()}
        return self._places.get(endpoint, ())

    def chain_traffic(self, hops: tuple[Hop, ...], protocol: Protocol) -> Traffic:
        key = tuple((id(f), peer, reply) for f, peer, reply in hops)
        per_protocol = self._chains.setdefault(key, {})
        found = per_protocol.get(protocol)
        if found is None:
            found = per_protocol[protocol] = self._walk_chain(hops, protocol)
        return found

    def _walk_chain(self, hops: tuple[Hop, ...], protocol: Protocol) -> Traffic:
        result = Traffic.of(PortSet.full(protocol), ())
        for hop in hops:
            result = result & self.step(hop, protocol)
            if not result:
                break
        return result

    def traffic(self, src: str, dst: str, protocol: Protocol, places: Places | None = None) -> Traffic:
        """The union over every alternative chain from src to dst (from/to `places` only, if given)."""
        total = Traffic()
        for hops in self.chains(src, dst, places):
            total = total | self.chain_traffic(hops, protocol)
        return total

    # --- the whole network --------------------------------------------------------------

    def pairs(self) -> set[tuple[str, str]]:
        """Pairs that may have an open path: spelled-out chains, and side pairs that can match."""
        found = set(self.network.chains)
        sides = self.network.sides
        for src, senders in sides.items():
            for dst in self._reachable_by_first_filter(senders, sides):
                if any(self._accepts(b, src) for b in sides[dst]):
                    found.add((src, dst))
        return found

    def _reachable_by_first_filter(self, senders: tuple[Side, ...], sides: dict[str, tuple[Side, ...]]) -> set[str]:
        dsts: set[str] = set()
        for a in senders:
            first = (a.egress or a.boundary_out or (None,))[0]
            if first is None or self.index(first).allow_wildcard:
                return set(sides)
            dsts.update(self.index(first).allow_named & sides.keys())
        return dsts

    def _accepts(self, b: Side, src: str) -> bool:
        last = (b.ingress or b.boundary_in or (None,))[-1]
        return last is None or self.index(last).can_match(src)

    def observed(self) -> tuple[ObservedPath, ...]:
        out: list[ObservedPath] = []
        for src, dst in sorted(self.pairs()):
            for protocol in self.network.protocols:
                passed = self.traffic(src, dst, protocol)
                if passed:
                    out.append(ObservedPath(src, dst, protocol, passed.ports(), passed.evidence()))
        return tuple(out)

    def blocked_by(self, src: str, dst: str, protocol: Protocol, ports: PortSet,
                   places: Places | None = None) -> tuple[str, ...]:
        """Where each chain drops part of `ports`: the deny rules that matched, else the filter's id
        (no rule allows them; for a reply step, the replies are not allowed back)."""
        ids: set[str] = set()
        for hops in self.chains(src, dst, places):
            remaining = Traffic.of(ports, ())
            for hop in hops:
                passed = remaining & self.step(hop, protocol)
                dropped = remaining.ports() - passed.ports()
                if dropped:
                    ids.update(self._drop_reason(hop, protocol, dropped))
                remaining = passed
                if not remaining:
                    break
        return tuple(sorted(ids))

    def _drop_reason(self, hop: Hop, protocol: Protocol, dropped: PortSet) -> tuple[str, ...]:
        flt, peer, reply = hop
        denied = self.decide(flt, peer, protocol)[1]
        scope = reply_ports(protocol) if reply else dropped
        return denied.restrict(scope).ids() or (flt.id,)


def _at(where: tuple[str, str], places: Places) -> bool:
    return all(want is None or got == want for got, want in zip(where, places, strict=True))


def side_chain(a: Side, b: Side, src: str, dst: str) -> tuple[Hop, ...] | None:
    """The hops from side a (of src) to side b (of dst); None if the two never talk."""
    if a.family and b.family and a.family != b.family:
        return None
    if a == b and not a.multiple:
        return None  # an interface does not reach itself over the network
    cross = not (a.place and a.place == b.place)
    hops: list[Hop] = [(f, dst, False) for f in a.egress]
    if cross:
        hops += [(f, dst, False) for f in a.boundary_out] + [(f, src, False) for f in b.boundary_in]
    hops += [(f, src, False) for f in b.ingress]
    if cross:
        hops += [(f, src, True) for f in b.boundary_out] + [(f, dst, True) for f in a.boundary_in]
    return tuple(hops)


def needs_replies(protocol: Protocol) -> bool:
    """Only a TCP (or SCTP) path needs its answers: no connection opens without the SYN-ACK
    (INIT-ACK). A UDP
    datagram or an ICMP message is delivered one way whatever the replies meet, which is
    enough to exfiltrate or to hit a statsd-style listener, so a stateless filter that drops
    the replies does not close such a path (it may still break a request/response protocol
    such as DNS, which the builder's reply entries are there for)."""
    return protocol in ("tcp", "sctp")


def reply_ports(protocol: Protocol) -> PortSet:
    """What a stateless filter must pass back: any ephemeral port (tcp/udp), any ICMP type."""
    return PortSet.full("icmp") if protocol == "icmp" else PortSet.single(*EPHEMERAL)


def _walk(flt: Filter, rules: list[Rule], protocol: Protocol) -> tuple[Traffic, Traffic]:
    """Decide one filter for one peer: union of allows, or an ordered first-match walk."""
    rules = [r for r in rules if r.protocol is None or r.protocol == protocol]
    if not rules:
        return _NOTHING
    full = PortSet.full(protocol)
    allowed: list[Part] = []
    denied: list[Part] = []
    if flt.kind == "union":
        for rule in rules:
            if rule.action == "allow":
                ports = full if rule.ports is None else rule.ports & full
                allowed += [(lo, hi, frozenset((rule.id,))) for lo, hi in ports]
        return Traffic.union_of(allowed), Traffic()
    undecided = full
    for rule in rules:
        taken = undecided if rule.ports is None else undecided & rule.ports
        if not taken:
            continue
        target = allowed if rule.action == "allow" else denied
        target += [(lo, hi, frozenset((rule.id,))) for lo, hi in taken]
        undecided = undecided - taken
        if not undecided:
            break
    return Traffic.union_of(allowed), Traffic.union_of(denied)


_NOTHING = (Traffic(), Traffic())


@contextmanager
def fewer_collections(young: int = 50_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often while a large network is normalized and walked.

    Normalizing and evaluating allocate millions of small, acyclic, frozen objects; with the
    default threshold (700) the collector rescans that growing heap over and over, ~30% of a
    1,000-segment verify (bench/RESULTS.md). Raising the young-generation threshold for the
    duration keeps memory bounded and restores the caller's setting afterwards.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
