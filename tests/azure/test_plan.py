"""The Azure rule plan: deny-alls everywhere, unique priorities, names and order from the model."""

from __future__ import annotations

from collections import Counter
from ipaddress import IPv4Network

from infra.load import parse_model
from infra.plan import make_plan
from providers.azure.build.plan import quota_usage, rule_plan

MODEL = """
name: shop
clouds:
  azure: {region: eastus, cidr: 10.5.0.0/16}
segments:
  web:
    internet: {ingress: [443]}
  api:
    internet: {egress: [443, "udp/123"]}
    services: [key-management]
  db:
    services: [object-storage]
flows:
  - {from: web, to: api, ports: [8080, 8443]}
  - {from: api, to: db, ports: [5432]}
  - {from: api, to: api, ports: ["udp/7946"]}
"""


def plan_of(text: str):
    return rule_plan(make_plan(parse_model(text).model).cloud("azure"))


def nsg(plan, segment: str):
    return next(s.nsg for s in plan.segments if s.segment == segment)


def test_every_nsg_ends_in_deny_all_both_ways_at_4096() -> None:
    plan = plan_of(MODEL)
    for rules in [s.nsg.rules for s in plan.segments] + [plan.endpoint_nsg.rules]:
        denies = {(r.direction, r.priority, r.access, r.protocol, r.source.values, r.destination.values)
                  for r in rules if r.access == "Deny"}
        assert denies == {("Inbound", 4096, "Deny", "*", ("*",), ("*",)),
                          ("Outbound", 4096, "Deny", "*", ("*",), ("*",))}


def test_priorities_are_unique_per_direction_and_below_the_deny_all() -> None:
    plan = plan_of(MODEL)
    for segment in plan.segments:
        allows = [r for r in segment.nsg.rules if r.access == "Allow"]
        assert all(100 <= r.priority <= 4095 for r in allows)
        assert max(Counter((r.direction, r.priority) for r in allows).values()) == 1


def test_a_flow_becomes_an_outbound_allow_on_the_sender_and_an_inbound_allow_on_the_receiver() -> None:
    plan = plan_of(MODEL)
    [out] = [r for r in nsg(plan, "web").rules if r.direction == "Outbound" and r.access == "Allow"]
    [inn] = [r for r in nsg(plan, "api").rules if r.direction == "Inbound" and r.source.values == ("web",)]
    for r in (out, inn):
        assert (r.protocol, r.ports, r.source.kind, r.source.values, r.destination.values) == (
            "Tcp", ("8080", "8443"), "asg", ("web",), ("api",))


def test_load_balancer_probes_are_admitted_only_by_internet_facing_segments() -> None:
    plan = plan_of(MODEL)
    probing = {s.segment for s in plan.segments for r in s.nsg.rules if "AzureLoadBalancer" in r.source.values}
    assert probing == {"web"}


def test_nat_goes_only_to_segments_with_internet_egress() -> None:
    assert {s.segment for s in plan_of(MODEL).segments if s.nat} == {"api"}


def test_each_declared_service_gets_a_27_of_the_reserved_slot_admitting_only_its_declarers() -> None:
    plan = plan_of(MODEL)
    assert {(e.service, e.segments) for e in plan.endpoints} == {("key-management", ("api",)),
                                                                 ("object-storage", ("db",))}
    for e in plan.endpoints:
        assert e.prefix.prefixlen == 27 and e.prefix.subnet_of(IPv4Network("10.5.0.0/24"))
    allows = {(r.source.values, r.destination.values) for r in plan.endpoint_nsg.rules if r.access == "Allow"}
    api, db = "10.5.2.0/24", "10.5.3.0/24"
    assert allows == {((api,), (str(next(e.prefix for e in plan.endpoints if e.service == "key-management")),)),
                      ((db,), (str(next(e.prefix for e in plan.endpoints if e.service == "object-storage")),))}


def test_reordering_the_yaml_changes_no_rule() -> None:
    reordered = MODEL.replace("""  - {from: web, to: api, ports: [8080, 8443]}
  - {from: api, to: db, ports: [5432]}""", """  - {from: api, to: db, ports: [5432]}
  - {from: web, to: api, ports: [8443, 8080]}""")
    assert reordered != MODEL
    assert plan_of(reordered) == plan_of(MODEL)


def test_adding_a_peer_renames_no_existing_rule() -> None:
    more = MODEL + "  - {from: db, to: api, ports: [9000]}\n"
    before = {(r.name, r.direction) for r in nsg(plan_of(MODEL), "api").rules}
    after = {(r.name, r.direction) for r in nsg(plan_of(more), "api").rules}
    assert before < after and after - before == {("allow-in-db-tcp", "Inbound")}


def test_quota_usage_counts_the_rules_the_plan_makes() -> None:
    usage = {(u.scope, u.quota): u.used for u in quota_usage(make_plan(parse_model(MODEL).model).cloud("azure"))}
    # api: in from web (tcp) and itself (udp); out to db, itself, internet tcp+udp, key-management; 2 deny-alls.
    assert usage[("api", "rules in the NSG")] == 2 + 5 + 2
    assert usage[("api", "outbound priorities (100-4095)")] == 5
    assert usage[("api", "application security groups in the NSG's rules")] == 3  # web, api, db
