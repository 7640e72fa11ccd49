"""A deny that covers one of a segment's subnets closes that subnet's paths, not the segment's.

AWS segments have one subnet per zone. A NACL entry denying the CIDR of one of them names that
place (`at_place`), and the engine judges each place with it; a deny covering the whole
segment still names the segment, and one covering only part of a subnet names nothing (a
partial deny leaves a path open). Checked on the engine, on AWS's address book, and on a
two-zone deployment tampered behind bulkhead's back.
"""

from __future__ import annotations

import pytest

from infra.load import parse_model
from infra.placewise import place_gaps
from infra.ports import PortSet
from infra.reach import Engine, Filter, Network, Rule, Side, at_place
from infra.verify import verify
from providers.aws.observe.addresses import AddressBook
from providers.aws.observe.normalize import normalize
from tests.verify.conftest import deploy_and_change

TCP80 = PortSet.single(80)


def _rule(rule_id: str, action: str, peers: set[str]) -> Rule:
    return Rule(rule_id, action, frozenset(peers), "tcp", TCP80)  # type: ignore[arg-type]


def _network(receiver_rules: list[Rule], placed: frozenset[str]) -> Network:
    """S at places p1 and p2 sends to T; T's inbound filter holds `receiver_rules`, in order."""
    out = Filter("s-out", "ordered", (Rule("s-any", "allow", None),))
    inbound = Filter("t-in", "ordered", tuple(receiver_rules))
    sides = {"S": (Side("s1", egress=(out,), place="p1"), Side("s2", egress=(out,), place="p2")),
             "T": (Side("t", ingress=(inbound,), place="pt"),)}
    return Network("test", ("S", "T"), sides=sides, placed=placed)


def _from_each_place(network: Network) -> dict[str | None, PortSet]:
    engine = Engine(network)
    return {place: engine.passing_ports("S", "T", "tcp", (place, None)) for place in ("p1", "p2", None)}


def test_a_deny_naming_one_place_closes_that_place_only_and_the_whole_segments_rules_still_apply_there():
    network = _network([_rule("deny-p1", "deny", {at_place("S", "p1")}), _rule("allow-s", "allow", {"S"})],
                       frozenset({"S"}))
    assert _from_each_place(network) == {"p1": PortSet(), "p2": TCP80, None: TCP80}
    gaps = place_gaps(Engine(network), "S", "T", "tcp", TCP80, PortSet(), {"S", "T"})
    assert [(g.src_place, g.ports, g.blocked_at) for g in gaps] == [("p1", TCP80, ("deny-p1",))]


def test_a_deny_naming_the_segment_closes_every_place():
    network = _network([_rule("deny-s", "deny", {"S"}), _rule("allow-s", "allow", {"S"})], frozenset())
    assert _from_each_place(network) == {"p1": PortSet(), "p2": PortSet(), None: PortSet()}


def test_without_a_place_rule_every_place_passes_what_the_segment_does():
    network = _network([_rule("allow-s", "allow", {"S"})], frozenset({"S"}))
    assert _from_each_place(network) == {"p1": TCP80, "p2": TCP80, None: TCP80}


def test_a_place_deny_after_the_segments_allow_changes_nothing():
    network = _network([_rule("allow-s", "allow", {"S"}), _rule("deny-p1", "deny", {at_place("S", "p1")})],
                       frozenset({"S"}))
    assert _from_each_place(network) == {"p1": TCP80, "p2": TCP80, None: TCP80}


def test_inside_one_segment_each_end_is_named_at_its_own_place():
    """S to S: a deny of p1 as the sender, on the receiver's filter, closes p1 -> p2 only."""
    out = Filter("s-out", "ordered", (Rule("s-any", "allow", None),))
    inbound = Filter("s-in", "ordered", (_rule("deny-p1", "deny", {at_place("S", "p1")}),
                                         _rule("allow-s", "allow", {"S"})))
    sides = {"S": (Side("s1", egress=(out,), ingress=(inbound,), place="p1"),
                   Side("s2", egress=(out,), ingress=(inbound,), place="p2"))}
    engine = Engine(Network("test", ("S",), sides=sides, placed=frozenset({"S"})))
    assert engine.passing_ports("S", "S", "tcp", ("p1", "p2")) == PortSet()
    assert engine.passing_ports("S", "S", "tcp", ("p2", "p1")) == TCP80


# --- AWS's address book ---------------------------------------------------------------------

BOOK_SEGMENTS = {"edge": ["10.0.1.0/26", "10.0.1.64/26"], "data": ["10.0.2.0/26"]}
PLACES = {"10.0.1.0/26": "aws:subnet/a", "10.0.1.64/26": "aws:subnet/b", "10.0.2.0/26": "aws:subnet/c"}


@pytest.mark.parametrize("cidr, covered", [
    ("10.0.1.0/26", {at_place("edge", "aws:subnet/a")}),   # one of edge's two subnets: that place
    ("10.0.1.0/25", {"edge"}),                             # both: the segment
    ("10.0.1.0/27", set()),                                # half a subnet: nothing (leaves a path open)
    ("10.0.2.0/26", {"data"}),                             # a one-subnet segment: the segment
    ("10.0.0.0/22", {"edge", "data"}),
])
def test_a_deny_names_the_segments_it_covers_and_the_subnets_of_those_it_covers_in_part(cidr, covered):
    book = AddressBook("v4", BOOK_SEGMENTS, {}, ["10.0.0.0/16"], PLACES)
    assert book.covered(cidr) == covered
    assert book.placed == ({"edge"} if cidr == "10.0.1.0/26" else set())  # what the normalizer tells the engine


def test_an_allow_still_names_every_segment_it_overlaps():
    book = AddressBook("v4", BOOK_SEGMENTS, {}, ["10.0.0.0/16"], PLACES)
    assert book.overlapping("10.0.1.0/27") == {"edge"}
    assert book.placed == set()


# --- a two-zone deployment ------------------------------------------------------------------

TWO_ZONES = parse_model("""name: zoned
clouds:
  aws: {region: us-east-1, cidr: 10.44.0.0/16, zones: 2}
segments:
  web: {}
  api: {}
flows:
  - {from: web, to: api, ports: [8080]}
""").model


def _subnets(ec2, segment: str) -> list[dict]:
    found = ec2.describe_subnets(Filters=[{"Name": "tag:bulkhead:model", "Values": ["zoned"]},
                                          {"Name": "tag:bulkhead:segment", "Values": [segment]}])["Subnets"]
    return sorted(found, key=lambda s: s["CidrBlock"])


def _deny_on_api_nacl(cidr_of):
    def change(ec2, ids):
        web = _subnets(ec2, "web")
        ec2.create_network_acl_entry(NetworkAclId=ids["api"]["acl"], RuleNumber=50, Protocol="6", RuleAction="deny",
                                     Egress=False, CidrBlock=cidr_of(web), PortRange={"From": 8080, "To": 8080})
        change.denied = web[0]["SubnetId"]  # type: ignore[attr-defined]
    return change


def test_a_nacl_deny_of_one_senders_subnet_is_a_missing_path_naming_that_subnet():
    change = _deny_on_api_nacl(lambda web: web[0]["CidrBlock"])
    report = verify(TWO_ZONES, normalize(deploy_and_change(TWO_ZONES, change), TWO_ZONES))
    assert {(f.kind, f.src, f.dst, f.protocol) for f in report.findings} == {("missing-path", "web", "api", "tcp")}
    assert all(f.evidence[0] == f"aws:subnet/{change.denied}" for f in report.findings)  # type: ignore[attr-defined]
    assert all("although the segment's other subnets can" in f.message for f in report.findings)


def test_a_nacl_deny_of_part_of_a_subnet_leaves_the_path_and_one_of_the_whole_segment_closes_it():
    half = _deny_on_api_nacl(lambda web: web[0]["CidrBlock"].replace("/26", "/27"))
    assert verify(TWO_ZONES, normalize(deploy_and_change(TWO_ZONES, half), TWO_ZONES)).findings == ()
    whole = _deny_on_api_nacl(lambda web: "10.44.0.0/16")
    report = verify(TWO_ZONES, normalize(deploy_and_change(TWO_ZONES, whole), TWO_ZONES))
    assert [(f.kind, f.src, f.dst, "although" in f.message) for f in report.findings] == [
        ("missing-path", "web", "api", False)]
