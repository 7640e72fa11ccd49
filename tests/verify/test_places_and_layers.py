"""Neutral pieces behind the proof gaps, on hand-made networks: answers per place (subnet) and
openings of one filtering layer alone (defence in depth)."""

from __future__ import annotations

from infra.depth import lone_layer_openings
from infra.model import Model
from infra.placewise import place_gaps, sending_places
from infra.ports import PortSet
from infra.reach import Engine, Filter, Network, Rule, Side, Step
from infra.verify import verify

OPEN = Filter("open", "union", (Rule("open#all", "allow", None),))
SHUT = Filter("shut", "ordered", ())
WEB = Filter("web-443", "union", (Rule("web#443", "allow", frozenset({"db"}), "tcp", PortSet.single(443)),))


def two_zones(b_egress: Filter = OPEN) -> Network:
    """app in two subnets, db in one; app's subnet b sends through `b_egress`; app reaches the
    internet from each subnet through a spelled-out chain with the same filter."""
    sides = {"app": (Side("app-a", (OPEN,), (OPEN,), place="subnet-a"), Side("app-b", (b_egress,), (OPEN,),
                                                                              place="subnet-b")),
             "db": (Side("db-a", (OPEN,), (OPEN,), place="subnet-c"),)}
    chains = {("app", "internet"): ((Step(OPEN, "internet"),), (Step(b_egress, "internet"),))}
    places = {("app", "internet"): (("subnet-a", ""), ("subnet-b", ""))}
    return Network("t", ("app", "db", "internet"), chains, sides=sides, chain_places=places)


def test_the_engine_answers_for_one_place_of_a_side_or_of_a_spelled_out_chain() -> None:
    engine = Engine(two_zones(SHUT))
    assert engine.places("app") == ("subnet-a", "subnet-b") and engine.places("internet") == ()
    assert engine.traffic("app", "db", "tcp").ports() == PortSet.full("tcp")
    assert engine.traffic("app", "db", "tcp", ("subnet-b", None)).ports() == PortSet()
    assert engine.traffic("app", "internet", "udp", ("subnet-a", None)).ports() == PortSet.full("udp")
    assert engine.traffic("app", "internet", "udp", ("subnet-b", None)).ports() == PortSet()
    assert engine.blocked_by("app", "internet", "tcp", PortSet.single(443), ("subnet-b", None)) == ("shut",)


def test_a_place_that_lost_a_path_the_segment_keeps_is_a_gap_of_that_place_only() -> None:
    engine = Engine(two_zones(WEB))
    [gap] = place_gaps(engine, "app", "internet", "tcp", PortSet.single(443), PortSet(), ["app", "db"])
    assert (gap.src_place, gap.dst_place, gap.ports, gap.blocked_at) == ("subnet-b", None, PortSet.single(443),
                                                                         ("web-443",))
    assert place_gaps(Engine(two_zones()), "app", "internet", "tcp", PortSet.single(443), PortSet(), ["app"]) == []


def test_ports_missing_for_the_whole_segment_are_not_repeated_per_place() -> None:
    engine = Engine(two_zones(SHUT))
    assert place_gaps(engine, "app", "db", "tcp", PortSet.single(22), PortSet.single(22), ["app", "db"]) == []


def test_an_opening_from_some_places_only_names_them_and_from_all_names_none() -> None:
    engine = Engine(two_zones(SHUT))
    assert sending_places(engine, "app", "db", "tcp", PortSet.single(22), ["app", "db"]) == ("subnet-a",)
    assert sending_places(Engine(two_zones()), "app", "db", "tcp", PortSet.single(22), ["app", "db"]) == ()


def test_verify_reports_the_place_gap_with_the_subnet_in_message_and_evidence() -> None:
    model = Model.model_validate({"name": "t", "clouds": {"aws": {"region": "us-east-1", "cidr": "10.0.0.0/16"}},
                                  "segments": {"app": {"internet": {"egress": [443]}}, "db": {}},
                                  "flows": [{"from": "app", "to": "db", "ports": [443]}]})
    network = two_zones(WEB)
    network = Network("aws", network.endpoints, network.chains, sides=network.sides, chain_places=network.chain_places)
    found = [f for f in verify(model, network).findings if f.kind == "missing-path"]
    assert [(f.src, f.dst) for f in found] == [("app", "internet")]
    assert "subnet-b" in found[0].message and found[0].evidence[0] == "subnet-b"


def test_one_layer_alone_opening_what_the_other_stops_is_reported_with_both_sides_ids() -> None:
    groups = Filter("sg", "union", (Rule("sg#all", "allow", frozenset({"db"})),))
    acl = Filter("acl", "ordered", (Rule("acl#443", "allow", frozenset({"db"}), "tcp", PortSet.single(443)),))
    sides = {"app": (Side("app", (groups,), (), (acl,), ()),), "db": (Side("db", (OPEN,), (OPEN,)),)}
    network = Network("t", ("app", "db"), sides=sides)
    only_groups = {"app": (Side("app", (groups,), ()),), "db": (Side("db", (OPEN,), (OPEN,)),)}
    intended = {("app", "db", "tcp"): PortSet.single(443)}
    found = {(o.src, o.protocol): o for o in lone_layer_openings(network, only_groups, intended, ["app", "db"])}
    assert set(found) == {("app", "tcp"), ("app", "udp"), ("app", "icmp"), ("db", "tcp")}
    assert found[("app", "tcp")].ports == PortSet.full("tcp") - PortSet.single(443)
    assert "sg#all" in found[("app", "tcp")].opened_by and found[("app", "tcp")].stopped_at == ("acl",)
    # db -> app: app's stateless layer passes no replies toward db's ephemeral ports
    assert found[("db", "tcp")].stopped_at == ("acl",)


def test_one_layer_opening_only_what_is_intended_or_excused_is_no_finding() -> None:
    acl = Filter("acl", "ordered", (Rule("acl#443", "allow", frozenset({"db"}), "tcp", PortSet.single(443)),))
    sides = {"app": (Side("app", (acl,), ()),), "db": (Side("db", (), ()),)}
    network = Network("t", ("app", "db"), sides=sides)
    assert lone_layer_openings(network, sides, {("app", "db", "tcp"): PortSet.single(443)}, ["app", "db"]) == []
    # and an opening the full network does not stop is a path, not a layer finding
    wide = {"app": (Side("app", (OPEN,), ()),), "db": (Side("db", (), ()),)}
    assert lone_layer_openings(Network("t", ("app", "db"), sides=wide), wide, {}, ["app", "db"]) == []
    assert lone_layer_openings(network, wide, {}, ["app", "db"],
                               excused=lambda s, d, p: PortSet.full(p)) == []
