"""AWS security groups: internet egress on what a segment also accepts from the internet names only
what lies outside the VPC (members of one subnet would otherwise reach each other: no NACL filters
inside a subnet); on anything else it names 0.0.0.0/0. For tcp, udp and icmp alike."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from infra.load import parse_model
from infra.plan import make_plan
from providers.aws.build.plan import rule_plan
from providers.aws.build.security_groups import outside

VPC = "10.41.0.0/16"
OUTSIDE = {str(n) for n in outside(IPv4Network(VPC))}


def _egress_cidrs(internet: str, protocol: str) -> set[str | None]:
    model = parse_model(f"name: m\nclouds:\n  aws: {{region: us-east-1, cidr: {VPC}, zones: 1}}\n"
                        f"segments:\n  p: {{internet: {internet}}}\n").model
    plan = rule_plan(make_plan(model).cloud("aws"))
    return {r.cidr for r in plan.sg_rules if r.segment == "p" and r.direction == "egress" and r.protocol == protocol}


@pytest.mark.parametrize("spec, protocol", [("443", "tcp"), ('"udp/53"', "udp"), ("icmp", "icmp")])
def test_egress_on_what_the_segment_also_accepts_from_the_internet_names_only_outside_the_vpc(spec, protocol):
    assert _egress_cidrs(f"{{ingress: [{spec}], egress: [{spec}]}}", protocol) == OUTSIDE


@pytest.mark.parametrize("spec, protocol", [("443", "tcp"), ('"udp/53"', "udp"), ("icmp", "icmp")])
def test_egress_alone_names_the_whole_internet(spec, protocol):
    assert _egress_cidrs(f"{{egress: [{spec}]}}", protocol) == {"0.0.0.0/0"}


def test_only_the_shared_ports_are_narrowed():
    cidrs = _egress_cidrs("{ingress: [443], egress: [443, 80]}", "tcp")
    assert cidrs == OUTSIDE | {"0.0.0.0/0"}
