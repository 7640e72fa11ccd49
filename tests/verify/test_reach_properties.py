"""Property tests: the path engine against a brute-force, port-by-port reference."""

from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.ports import EPHEMERAL, PROTOCOLS, PortSet, universe
from infra.reach import Filter, Network, Rule, Step, evaluate

EXAMPLES = 300 if os.environ.get("BULKHEAD_THOROUGH") else 60
ENDPOINTS = ("a", "b", "c")
# Rule ports are drawn from this grid, so every port between two neighbouring boundaries
# behaves alike: checking each grid value and its neighbours covers all of 0..65535.
GRID = (0, 1, 5, 22, 255, 443, 1023, 1024, 1025, 8080, 65534, 65535)
SAMPLES = sorted({p + d for p in GRID for d in (-1, 0, 1) if 0 <= p + d <= 65535})


@st.composite
def rules(draw, prefix: str) -> tuple[Rule, ...]:
    out = []
    for i in range(draw(st.integers(0, 4))):
        peers = draw(st.none() | st.frozensets(st.sampled_from(ENDPOINTS), max_size=3))
        protocol = draw(st.none() | st.sampled_from(PROTOCOLS))
        if draw(st.booleans()):
            ports = None
        else:
            lo, hi = sorted(draw(st.tuples(st.sampled_from(GRID), st.sampled_from(GRID))))
            ports = PortSet.single(lo, hi)
        action = draw(st.sampled_from(("allow", "allow", "deny")))
        out.append(Rule(f"{prefix}#{i}", action, peers, protocol, ports))
    return tuple(out)


@st.composite
def filters(draw, name: str) -> Filter:
    return Filter(name, draw(st.sampled_from(("union", "ordered"))), draw(rules(name)))


@st.composite
def networks(draw) -> Network:
    pool = [draw(filters(f"f{i}")) for i in range(draw(st.integers(1, 4)))]
    chains = {}
    for src in ENDPOINTS:
        for dst in ENDPOINTS:
            alternatives = []
            for _ in range(draw(st.integers(0, 2))):
                steps = draw(st.lists(st.tuples(st.sampled_from(pool), st.sampled_from(ENDPOINTS), st.booleans()),
                                      min_size=1, max_size=4))
                alternatives.append(tuple(Step(f, peer, reply) for f, peer, reply in steps))
            if alternatives:
                chains[(src, dst)] = tuple(alternatives)
    return Network("test", ENDPOINTS, chains)


def reference_passes(flt: Filter, peer: str, protocol: str, port: int) -> bool:
    matching = [r for r in flt.rules
                if (r.peers is None or peer in r.peers) and (r.protocol in (None, protocol))
                and (r.ports is None or port in r.ports)]
    if flt.kind == "union":
        return any(r.action == "allow" for r in matching)
    return bool(matching) and matching[0].action == "allow"


def reference_step(step: Step, protocol: str, port: int) -> bool:
    if not step.reply:
        return reference_passes(step.filter, step.peer, protocol, port)
    if protocol != "tcp":  # a datagram or ICMP message arrives whatever its answer meets
        return True
    lo, hi = EPHEMERAL
    return any(reference_passes(step.filter, step.peer, protocol, q) for q in SAMPLES if lo <= q <= hi)


def reference_open(network: Network, src: str, dst: str, protocol: str, port: int) -> bool:
    return any(all(reference_step(s, protocol, port) for s in chain) for chain in network.chains.get((src, dst), ()))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_the_engine_opens_exactly_the_ports_a_port_by_port_walk_opens(network: Network) -> None:
    found = {(p.src, p.dst, p.protocol): p.ports for p in evaluate(network)}
    for src in ENDPOINTS:
        for dst in ENDPOINTS:
            for protocol in PROTOCOLS:
                ports = found.get((src, dst, protocol), PortSet())
                top = universe(protocol)[1]
                for port in (p for p in SAMPLES if p <= top):
                    assert (port in ports) == reference_open(network, src, dst, protocol, port), (
                        src, dst, protocol, port)


@settings(max_examples=EXAMPLES, deadline=None)
@given(networks(), st.randoms(use_true_random=False))
def test_the_order_of_rules_in_a_union_filter_does_not_matter(network: Network, rnd: random.Random) -> None:
    def shuffled(flt: Filter) -> Filter:
        if flt.kind != "union":
            return flt
        rules = list(flt.rules)
        rnd.shuffle(rules)
        return Filter(flt.id, flt.kind, tuple(rules))

    cache: dict[int, Filter] = {}
    chains = {pair: tuple(tuple(Step(cache.setdefault(id(s.filter), shuffled(s.filter)), s.peer, s.reply)
                                for s in chain) for chain in alternatives)
              for pair, alternatives in network.chains.items()}
    assert evaluate(Network("test", ENDPOINTS, chains)) == evaluate(network)


@settings(max_examples=EXAMPLES, deadline=None)
@given(rules("later"), st.sampled_from(ENDPOINTS), st.booleans())
def test_a_deny_everything_before_any_allow_in_an_ordered_filter_always_closes(
        later: tuple[Rule, ...], peer: str, reply: bool) -> None:
    # Forward, it closes every protocol; as the reply step it closes TCP, the one protocol
    # whose path needs its answers back.
    deny = Rule("first#deny", "deny", frozenset({peer}), None, None)
    flt = Filter("acl", "ordered", (deny, *later))
    network = Network("test", ENDPOINTS, {("a", "b"): ((Step(flt, peer, reply),),)})
    assert [p.protocol for p in evaluate(network)] == (["udp", "icmp"] if reply else [])
