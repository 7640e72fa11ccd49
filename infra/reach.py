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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from infra.passing import (
    Ids,
    Ranges,
    decide,
    either,
    evidence_of,
    ids_of,
    join_all,
    meet,
    of_ports,
    ports_of,
    to_traffic,
    touching,
)
from infra.ports import ALL_PROTOCOLS, EPHEMERAL, PROTOCOLS, PortSet, Protocol, universe
from infra.traffic import Traffic

FilterKind = Literal["union", "ordered"]
Action = Literal["allow", "deny"]

INTERNET = "internet"
SERVICE_PREFIX = "service:"


class AtPlace(str):
    """A peer name for the part of an endpoint at one place (a segment's subnet in one zone).

    A deny that covers one of a segment's subnets and not the others names that subnet this
    way (`at_place`). Between sides, the engine gives such a filter the sender's or receiver's
    place-qualified name when the filter has rules for it (`Network.placed`), and the rules
    naming the whole endpoint apply to it as well: so one zone's subnet can lose a path the
    others keep, and the verifier's per-place check (infra/placewise.py) reports it.
    """

    endpoint: str


def at_place(endpoint: str, place: str) -> AtPlace:
    name = AtPlace(f"{endpoint}@{place}")
    name.endpoint = endpoint
    return name


@dataclass(frozen=True)
class Rule:
    """One entry of a filter. `peers is None` matches every endpoint (e.g. 0.0.0.0/0 + VNet tag).

    For an allow, `peers` holds every endpoint the rule's source/destination overlaps; for a
    deny only those it covers completely (a partial deny does not close a path).
    `protocol is None` means every protocol; `ports is None` every port of it.
    A peer may be an `AtPlace` (part of an endpoint), in deny rules only.
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
    # The engine's index of the rules and its decisions, made once and kept with the filter: they
    # are the same in every engine that meets it. Not part of the value (equality, hash, repr).
    _index: _Index | None = field(default=None, init=False, repr=False, compare=False)


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
    # Endpoints some rule names by place (`AtPlace`): their sides carry place-qualified names.
    placed: frozenset[str] = frozenset()


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
        found = [rule_ids for (lo, hi), rule_ids in self.evidence
                 if lo <= hi and any(plo <= hi and lo <= phi for plo, phi in ports.intervals)]
        if len(found) == 1 and len(found[0]) < 2:  # one range behind one rule: nothing to sort
            return tuple(found[0])
        return tuple(sorted({i for rule_ids in found for i in rule_ids}))


def evaluate(network: Network) -> tuple[ObservedPath, ...]:
    """Every open path of the network: each ordered pair of endpoints x its protocols (tcp, udp, icmp[, sctp])."""
    return Engine(network).observed()


def blocked_by(network: Network, src: str, dst: str, protocol: Protocol, ports: PortSet) -> tuple[str, ...]:
    """Why `ports` do not (all) pass from src to dst: see `Engine.blocked_by`."""
    return Engine(network).blocked_by(src, dst, protocol, ports)


Hop = tuple[Filter, str, bool]  # (filter, peer, reply)
Decision = tuple[Ranges, Ranges]  # (allowed, explicitly denied)


@dataclass
class _Index:
    """Which rules of a filter can match which peer, so most peers share one cached answer.

    It also keeps the filter's answers per protocol and per peer that some rule names (None
    for every other peer): the decision, and what a reply step through the filter passes.
    """

    named: dict[str, tuple[int, ...]]  # peer -> positions of the rules naming it
    wildcard: tuple[int, ...]  # positions of the rules with peers=None
    allow_named: dict[str, None]  # a set of names (a dict of plain values is not tracked by the collector)
    allow_wildcard: bool
    protocols: tuple[str | None, ...] = ()  # of its rules (None: a rule for every protocol)
    decided: dict[tuple[str | None, str], Decision] = field(default_factory=dict, repr=False)
    replied: dict[tuple[str | None, str], Ranges] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, flt: Filter) -> _Index:
        named: dict[str, list[int]] = {}
        wildcard: list[int] = []
        allow_named: dict[str, None] = {}
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
                allow_named.update(dict.fromkeys(rule.peers))
        for peer in [p for p in named if isinstance(p, AtPlace)]:  # the whole endpoint's rules apply there too
            named[peer] = sorted({*named[peer], *named.get(peer.endpoint, ())})
        # Tuples, not lists: the garbage collector stops tracking a tuple of ints.
        return cls({peer: tuple(at) for peer, at in named.items()}, tuple(wildcard), allow_named,
                   allow_wildcard, tuple(dict.fromkeys(rule.protocol for rule in flt.rules)))

    def decides(self, protocol: str) -> bool:
        """Whether any rule applies to the protocol (else the filter passes none of it)."""
        return protocol in self.protocols or None in self.protocols

    def can_match(self, peer: str) -> bool:
        return self.allow_wildcard or peer in self.allow_named

    def relevant(self, flt: Filter, peer: str | None) -> list[Rule]:
        named = self.named.get(peer, ()) if peer is not None else ()
        positions = sorted(self.wildcard + named) if named and self.wildcard else named or self.wildcard
        return [flt.rules[p] for p in positions]


class Engine:
    """Evaluates one network, caching per (filter, peer, protocol), per chain and per pair.

    Cost grows with rules + candidate pairs: a filter is decided once per peer its rules
    name (all other peers share the wildcard-only answer), and a pair of sides is expanded
    only if the sender's first filter and the receiver's last filter can match at all.
    Sides of one endpoint that cross the same filters at the same place (interfaces launched
    alike) make the same chain, so each distinct chain is walked once. Values are kept as
    `infra.passing.Ranges` and become `Traffic` only when asked for.
    """

    def __init__(self, network: Network):
        self.network = network
        self._places: dict[str, tuple[str, ...]] | None = None
        self._groups: dict[str, tuple[_SideGroup, ...]] = {}
        self._totals: dict[tuple[str, str, Places | None, str], Ranges] = {}

    # --- one filter ---------------------------------------------------------------------

    @staticmethod
    def index(flt: Filter) -> _Index:
        """The filter's index, made once and kept with the filter: its decisions are the same in
        every engine that meets it (verify, and the layers a provider evaluates on their own)."""
        found = flt._index
        if found is None:
            found = _Index.of(flt)
            object.__setattr__(flt, "_index", found)  # a cache: the filter's value does not change
        return found

    def decide(self, flt: Filter, peer: str, protocol: Protocol) -> tuple[Traffic, Traffic]:
        """(allowed, explicitly denied) traffic of one filter toward one peer."""
        allowed, denied = self._decision(flt, peer, protocol)
        return to_traffic(allowed), to_traffic(denied)

    def allowed_ports(self, flt: Filter, peer: str, protocol: Protocol) -> PortSet:
        """`decide(...)[0].ports()` without building the traffic."""
        allowed = self._decision(flt, peer, protocol)[0]
        return ports_of(allowed) if allowed else _NO_PORTS

    def _decision(self, flt: Filter, peer: str, protocol: Protocol) -> Decision:
        index = flt._index or self.index(flt)
        if not index.decides(protocol):
            return _UNDECIDED
        key = (peer if peer in index.named else None, protocol)
        found = index.decided.get(key)
        if found is None:
            found = index.decided[key] = decide(flt.kind, index.relevant(flt, key[0]), protocol)
        return found

    def step(self, hop: Hop, protocol: Protocol) -> Traffic:
        return to_traffic(self._step(hop, protocol))

    def _step(self, hop: Hop, protocol: Protocol) -> Ranges:
        flt, peer, reply = hop
        if not reply:
            return self._decision(flt, peer, protocol)[0]
        if not needs_replies(protocol):
            return _ANSWERED[protocol]  # a datagram arrives without an answer
        index = flt._index or self.index(flt)
        key = (peer if peer in index.named else None, protocol)
        found = index.replied.get(key)
        if found is None:
            low, high = universe(protocol)
            answers = touching(self._decision(flt, peer, protocol)[0], *reply_ports(protocol).intervals[0])
            found = index.replied[key] = ((low, high, answers),) if answers else ()
        return found

    # --- chains -------------------------------------------------------------------------

    def chains(self, src: str, dst: str, places: Places | None = None) -> list[tuple[Hop, ...]]:
        """Every distinct chain from src to dst; with `places`, only those from/to those places."""
        return [hops for _, hops in self._chain_list(src, dst, places)]

    def _chain_list(self, src: str, dst: str, places: Places | None) -> list[_Chain]:
        return self._spelled(src, dst, places) + self._side_chains(src, dst, places)

    def _spelled(self, src: str, dst: str, places: Places | None) -> list[_Chain]:
        spelled = self.network.chains.get((src, dst), ())
        where = self.network.chain_places.get((src, dst), ()) if places is not None else ()
        out: list[_Chain] = []
        for i, chain in enumerate(spelled):
            if places is None or _at(where[i] if i < len(where) else ("", ""), places):
                out.append(((src, dst, i), tuple((s.filter, s.peer, s.reply) for s in chain)))
        return out

    def _side_chains(self, src: str, dst: str, places: Places | None) -> list[_Chain]:
        out: list[_Chain] = []
        for ga in self._side_groups(src):
            a = ga.side
            if places is not None and places[0] is not None and a.place != places[0]:
                continue
            for gb in self._side_groups(dst):
                b = gb.side
                if places is not None and places[1] is not None and b.place != places[1]:
                    continue
                if _talk(ga, gb):
                    out.append(((ga.number, gb.number, src, dst), _side_hops(a, b, src, dst, self.network.placed)))
        return out

    def _side_groups(self, endpoint: str) -> tuple[_SideGroup, ...]:
        found = self._groups.get(endpoint)
        if found is None:
            found = self._groups[endpoint] = _SideGroup.of(self.network.sides.get(endpoint, ()), len(self._groups))
        return found

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
        return to_traffic(self._walk_chain(hops, protocol))

    def _walk_chain(self, hops: tuple[Hop, ...], protocol: Protocol) -> Ranges:
        # While every hop passes one range (the common case), only the bounds move and the
        # ids are joined once at the end; a hop of several ranges switches to the general walk.
        # Steps already decided are read from the filter's index here (the hot loop of verify).
        lo, hi = universe(protocol)
        ids: list[Ids] = []
        ranges: Ranges | None = None
        for hop in hops:
            flt, peer, reply = hop
            index = flt._index
            step: Ranges | None = None
            if index is not None:
                if not reply and protocol not in index.protocols and None not in index.protocols:
                    return ()  # no rule of the filter is about this protocol: nothing passes
                key = (peer if peer in index.named else None, protocol)
                if reply:
                    step = index.replied.get(key)
                else:
                    decided = index.decided.get(key)
                    step = decided[0] if decided is not None else None
            if step is None:
                step = self._step(hop, protocol)
            if ranges is None and len(step) == 1:
                lo, hi = max(lo, step[0][0]), min(hi, step[0][1])
                if lo > hi:
                    return ()
                if step[0][2]:
                    ids.append(step[0][2])
                continue
            if ranges is None:
                ranges = ((lo, hi, join_all(ids) if ids else ()),)
            ranges = meet(ranges, step)
            if not ranges:
                return ()
        if ranges is None:
            return ((lo, hi, join_all(ids) if ids else ()),)
        return ranges

    def traffic(self, src: str, dst: str, protocol: Protocol, places: Places | None = None) -> Traffic:
        """The union over every alternative chain from src to dst (from/to `places` only, if given)."""
        return to_traffic(self._passing(src, dst, protocol, places))

    def passing_ports(self, src: str, dst: str, protocol: Protocol, places: Places | None = None) -> PortSet:
        """`traffic(...).ports()` without building the traffic."""
        return ports_of(self._passing(src, dst, protocol, places))

    def _passing(self, src: str, dst: str, protocol: Protocol, places: Places | None,
                 chains: list[_Chain] | None = None) -> Ranges:
        key = (src, dst, places, protocol)
        found = self._totals.get(key)
        if found is None:
            found = ()
            for _, hops in self._chain_list(src, dst, places) if chains is None else chains:
                found = either(found, self._walk_chain(hops, protocol))
            self._totals[key] = found
        return found

    # --- the whole network --------------------------------------------------------------

    def pairs(self) -> set[tuple[str, str]]:
        """Pairs that may have an open path: spelled-out chains, and side pairs that can match."""
        found = set(self.network.chains)
        for src in self.network.sides:
            found.update((src, dst) for dst in self.receivers(src) if self.accepts(src, dst))
        return found

    def receivers(self, src: str) -> Iterable[str]:
        """The endpoints with sides that src's first filters let anything out to (`pairs` then
        keeps those whose last filter can match src)."""
        sides = self.network.sides
        dsts: set[str] = set()
        for group in self._side_groups(src):
            a = group.side
            first = (a.egress or a.boundary_out or (None,))[0]
            if first is None or self.index(first).allow_wildcard:
                return sides
            dsts.update(sides.keys() & self.index(first).allow_named.keys())
        return dsts

    def accepts(self, src: str, dst: str) -> bool:
        """Whether the last filter of some side of dst can match src."""
        for group in self._side_groups(dst):
            b = group.side
            last = (b.ingress or b.boundary_in or (None,))[-1]
            if last is None or self.index(last).can_match(src):
                return True
        return False

    def observed(self) -> tuple[ObservedPath, ...]:
        return tuple(ObservedPath(src, dst, protocol, ports_of(passed), evidence_of(passed))
                     for (src, dst, protocol), passed in self.open_paths().items())

    def open_paths(self) -> dict[tuple[str, str, Protocol], Ranges]:
        """What `observed` says, as (src, dst, protocol) -> the ranges that pass, in the same order."""
        out: dict[tuple[str, str, Protocol], Ranges] = {}
        for src, dst in sorted(self.pairs()):
            chains = self._chain_list(src, dst, None)
            for protocol in self.network.protocols:
                passed = self._passing(src, dst, protocol, None, chains)
                if passed:
                    out[(src, dst, protocol)] = passed
        return out

    def blocked_by(self, src: str, dst: str, protocol: Protocol, ports: PortSet,
                   places: Places | None = None) -> tuple[str, ...]:
        """Where each chain drops part of `ports`: the deny rules that matched, else the filter's id
        (no rule allows them; for a reply step, the replies are not allowed back)."""
        ids: set[str] = set()
        for _, hops in self._chain_list(src, dst, places):
            remaining = of_ports(ports)
            for hop in hops:
                passed = meet(remaining, self._step(hop, protocol))
                dropped = ports_of(remaining) - ports_of(passed)
                if dropped:
                    ids.update(self._drop_reason(hop, protocol, dropped))
                remaining = passed
                if not remaining:
                    break
        return tuple(sorted(ids))

    def _drop_reason(self, hop: Hop, protocol: Protocol, dropped: PortSet) -> tuple[str, ...]:
        flt, peer, reply = hop
        denied = self._decision(flt, peer, protocol)[1]
        scope = reply_ports(protocol) if reply else dropped
        return ids_of(meet(denied, of_ports(scope))) or (flt.id,)


_Chain = tuple[object, tuple[Hop, ...]]  # (what identifies the chain within one engine, its hops)


@dataclass(frozen=True, eq=False)
class _SideGroup:
    """Sides of one endpoint that cross the same filter objects at the same place and family."""

    side: Side  # the first of them: its filters, place, family and `multiple` stand for all
    members: tuple[Side, ...]
    number: tuple[int, int]  # (the endpoint's number in the engine, the group's within it): a chain key

    @classmethod
    def of(cls, sides: tuple[Side, ...], endpoint: int) -> tuple[_SideGroup, ...]:
        groups: dict[tuple[object, ...], list[Side]] = {}
        for side in sides:
            signature = (tuple(map(id, side.egress)), tuple(map(id, side.ingress)), tuple(map(id, side.boundary_out)),
                         tuple(map(id, side.boundary_in)), side.place, side.family, side.multiple)
            groups.setdefault(signature, []).append(side)
        return tuple(cls(found[0], tuple(found), (endpoint, i)) for i, found in enumerate(groups.values()))


def _talk(ga: _SideGroup, gb: _SideGroup) -> bool:
    """Whether some side of group a reaches some side of group b (see `side_chain`)."""
    a, b = ga.side, gb.side
    if a.family and b.family and a.family != b.family:
        return False
    if a.multiple:
        return True
    return any(x != y for x in ga.members for y in gb.members)  # an interface does not reach itself


def _at(where: tuple[str, str], places: Places) -> bool:
    return all(want is None or got == want for got, want in zip(where, places, strict=True))


def side_chain(a: Side, b: Side, src: str, dst: str, placed: frozenset[str] = frozenset()) -> tuple[Hop, ...] | None:
    """The hops from side a (of src) to side b (of dst); None if the two never talk."""
    if a.family and b.family and a.family != b.family:
        return None
    if a == b and not a.multiple:
        return None  # an interface does not reach itself over the network
    return _side_hops(a, b, src, dst, placed)


def _side_hops(a: Side, b: Side, src: str, dst: str, placed: frozenset[str] = frozenset()) -> tuple[Hop, ...]:
    cross = not (a.place and a.place == b.place)
    # (filter, whether it names the receiver, reply): the sender's filters name dst, the receiver's src.
    hops = [(f, True, False) for f in a.egress]
    if cross:
        hops += [(f, True, False) for f in a.boundary_out] + [(f, False, False) for f in b.boundary_in]
    hops += [(f, False, False) for f in b.ingress]
    if cross:
        hops += [(f, False, True) for f in b.boundary_out] + [(f, True, True) for f in a.boundary_in]
    to_dst = _named_at(dst, b.place if dst in placed else "")
    to_src = _named_at(src, a.place if src in placed else "")
    return tuple((f, to_dst(f) if toward_dst else to_src(f), reply) for f, toward_dst, reply in hops)


def _named_at(peer: str, place: str) -> Callable[[Filter], str]:
    if not place:
        return lambda _: peer
    return lambda flt: _placed_peer(flt, peer, place)


def _placed_peer(flt: Filter, peer: str, place: str) -> str:
    """The peer's name at its place where the filter has rules for that place, else its own name."""
    qualified = at_place(peer, place)
    return qualified if qualified in Engine.index(flt).named else peer


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


_UNDECIDED: Decision = ((), ())
_NO_PORTS = PortSet()
# What a reply step passes for a protocol whose one-way delivery is already a path.
_ANSWERED: dict[str, Ranges] = {p: ((*universe(p), ()),) for p in ALL_PROTOCOLS}
