"""The path engine on small hand-made networks: evidence, replies, sides and pruning."""

from __future__ import annotations

from infra.ports import PortSet
from infra.reach import Engine, Filter, Network, Rule, Side, Step, blocked_by, evaluate
from infra.traffic import Traffic


def allow(rule_id: str, peers: set[str] | None, protocol: str | None = "tcp", lo: int | None = None,
          hi: int | None = None) -> Rule:
    ports = None if lo is None else PortSet.single(lo, hi)
    return Rule(rule_id, "allow", None if peers is None else frozenset(peers), protocol, ports)  # type: ignore[arg-type]


def deny(rule_id: str, peers: set[str] | None, protocol: str | None = None, lo: int | None = None,
         hi: int | None = None) -> Rule:
    ports = None if lo is None else PortSet.single(lo, hi)
    return Rule(rule_id, "deny", None if peers is None else frozenset(peers), protocol, ports)  # type: ignore[arg-type]


def test_a_chain_passes_the_intersection_of_its_steps_with_the_ids_of_both_decisions() -> None:
    sg = Filter("sg", "union", (allow("sg#1", {"b"}, lo=80, hi=90),))
    acl = Filter("acl", "ordered", (allow("acl#100", {"b"}, lo=85, hi=100),))
    network = Network("t", ("a", "b"), {("a", "b"): ((Step(sg, "b"), Step(acl, "b")),)})
    [path] = evaluate(network)
    assert (path.src, path.dst, path.protocol, path.ports) == ("a", "b", "tcp", PortSet.single(85, 90))
    assert path.evidence == (((85, 90), ("acl#100", "sg#1")),)


def test_alternative_chains_are_united_and_keep_each_ranges_own_evidence() -> None:
    one = Filter("one", "union", (allow("one#1", {"b"}, lo=22),))
    two = Filter("two", "union", (allow("two#1", {"b"}, lo=443),))
    network = Network("t", ("a", "b"), {("a", "b"): ((Step(one, "b"),), (Step(two, "b"),))})
    [path] = evaluate(network)
    assert path.ports == PortSet.of([(22, 22), (443, 443)])
    assert path.evidence_for(PortSet.single(443)) == ("two#1",)


def test_an_ordered_filter_lets_a_deny_win_over_a_later_allow_but_not_over_an_earlier_one() -> None:
    acl = Filter("acl", "ordered", (allow("acl#90", {"b"}, lo=22), deny("acl#100", None),
                                    allow("acl#110", None, None)))
    network = Network("t", ("a", "b"), {("a", "b"): ((Step(acl, "b"),),)})
    assert [(p.protocol, p.ports) for p in evaluate(network)] == [("tcp", PortSet.single(22))]


def test_an_ordered_filter_without_a_matching_rule_denies() -> None:
    acl = Filter("acl", "ordered", (allow("acl#100", {"c"}, None),))
    assert evaluate(Network("t", ("a", "b", "c"), {("a", "b"): ((Step(acl, "b"),),)})) == ()


def test_a_reply_step_closes_the_path_when_no_ephemeral_port_comes_back() -> None:
    forward = Filter("out", "ordered", (allow("out#100", {"b"}, lo=5432),))
    back = Filter("in", "ordered", (allow("in#100", {"b"}, lo=80, hi=1023),))
    network = Network("t", ("a", "b"), {("a", "b"): ((Step(forward, "b"), Step(back, "b", reply=True)),)})
    assert evaluate(network) == ()


def test_a_reply_step_passes_every_forward_port_when_one_ephemeral_port_comes_back() -> None:
    forward = Filter("out", "ordered", (allow("out#100", {"b"}, lo=5432),))
    back = Filter("in", "ordered", (allow("in#100", {"b"}, lo=60000),))
    network = Network("t", ("a", "b"), {("a", "b"): ((Step(forward, "b"), Step(back, "b", reply=True)),)})
    [path] = evaluate(network)
    assert path.ports == PortSet.single(5432)
    assert path.evidence_for(path.ports) == ("in#100", "out#100")


def test_only_tcp_needs_its_replies_back_udp_and_icmp_arrive_one_way() -> None:
    forward = Filter("out", "ordered", (allow("out#1", {"b"}, None),))
    closed = Filter("in", "ordered", ())
    one_way = Network("t", ("a", "b"), {("a", "b"): ((Step(forward, "b"), Step(closed, "b", reply=True)),)})
    assert [p.protocol for p in evaluate(one_way)] == ["udp", "icmp"]
    answers = Filter("in", "ordered", (allow("in#1", {"b"}, "tcp", 1024, 65535),))
    both = Network("t", ("a", "b"), {("a", "b"): ((Step(forward, "b"), Step(answers, "b", reply=True)),)})
    assert [p.protocol for p in evaluate(both)] == ["tcp", "udp", "icmp"]


def _segment_side(name: str, place: str, peers_out: set[str], peers_in: set[str], acl: Filter) -> Side:
    sg_out = Filter(f"sg-{name}-out", "union", (allow(f"sg-{name}#out", peers_out, lo=443),))
    sg_in = Filter(f"sg-{name}-in", "union", (allow(f"sg-{name}#in", peers_in, lo=443),))
    return Side(name, (sg_out,), (sg_in,), (acl,), (acl,), place=place, multiple=True)


def test_sides_in_one_place_skip_the_stateless_boundary_and_sides_in_two_places_cross_it() -> None:
    closed = Filter("acl", "ordered", ())
    a = _segment_side("a", "subnet-1", {"a"}, {"a"}, closed)
    same = Network("t", ("a",), sides={"a": (a,)})
    assert [p.ports for p in evaluate(same)] == [PortSet.single(443)]
    b = _segment_side("a2", "subnet-2", {"a"}, {"a"}, closed)
    one, two = (Side(name, b.egress, b.ingress, (closed,), (closed,), place) for name, place in
                (("eni-2", "subnet-2"), ("eni-3", "subnet-3")))
    across = Network("t", ("a",), sides={"a": (one, two)})
    assert evaluate(across) == ()


def test_a_real_interface_does_not_reach_itself_but_a_notional_one_does() -> None:
    sg = Filter("sg", "union", (allow("sg#1", None, None),))
    real = Side("eni-1", (sg,), (sg,), place="s")
    assert evaluate(Network("t", ("a",), sides={"a": (real,)})) == ()
    notional = Side("sg-1", (sg,), (sg,), place="s", multiple=True)
    assert len(evaluate(Network("t", ("a",), sides={"a": (notional,)}))) == 3


def test_sides_of_different_address_families_never_talk() -> None:
    sg = Filter("sg", "union", (allow("sg#1", None, None),))
    v4, v6 = Side("a/v4", (sg,), (sg,), family="v4"), Side("b/v6", (sg,), (sg,), family="v6")
    assert evaluate(Network("t", ("a", "b"), sides={"a": (v4,), "b": (v6,)})) == ()


def test_only_pairs_whose_first_and_last_filters_can_match_are_expanded() -> None:
    names = [f"s{i}" for i in range(50)]
    sides = {}
    for i, name in enumerate(names):
        nxt, prev = names[(i + 1) % 50], names[(i - 1) % 50]
        out = Filter(f"{name}-out", "union", (allow(f"{name}#o", {nxt}, lo=443),))
        inn = Filter(f"{name}-in", "union", (allow(f"{name}#i", {prev}, lo=443),))
        sides[name] = (Side(name, (out,), (inn,)),)
    engine = Engine(Network("t", tuple(names), sides=sides))
    assert engine.pairs() == {(n, names[(i + 1) % 50]) for i, n in enumerate(names)}
    assert len(engine.observed()) == 50


def test_blocked_by_names_the_deny_rule_or_the_filter_that_allows_nothing() -> None:
    sg = Filter("sg", "union", (allow("sg#1", {"b"}, lo=22, hi=23),))
    acl = Filter("acl", "ordered", (deny("acl#50", {"b"}, "tcp", 23), allow("acl#100", None, None)))
    network = Network("t", ("a", "b"), {("a", "b"): ((Step(sg, "b"), Step(acl, "b")),)})
    assert blocked_by(network, "a", "b", "tcp", PortSet.single(23)) == ("acl#50",)
    assert blocked_by(network, "a", "b", "tcp", PortSet.single(80)) == ("sg",)
    assert blocked_by(network, "a", "b", "tcp", PortSet.single(22)) == ()


def test_traffic_union_joins_the_ids_only_where_ranges_overlap() -> None:
    left = Traffic.of(PortSet.single(1, 10), ["x"])
    right = Traffic.of(PortSet.single(5, 20), ["y"])
    assert (left | right).parts == ((1, 4, frozenset({"x"})), (5, 10, frozenset({"x", "y"})),
                                    (11, 20, frozenset({"y"})))
    assert (left & right).parts == ((5, 10, frozenset({"x", "y"})),)
