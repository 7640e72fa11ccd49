"""Deployed through the real Pulumi program, read back through azure-mgmt-network, verified."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.model import Model
from infra.plan import make_plan
from infra.ports import PortSet
from infra.verify import intended_paths
from providers.azure.mock.cloud import MockedCloud
from providers.azure.observe.collect import collect
from tests.azure.azsession import Subscription, check

THOROUGH = os.environ.get("BULKHEAD_THOROUGH") == "1"


def test_at_least_six_models_are_deployed_to_azure(subscription: Subscription) -> None:
    assert "ai-platform" in subscription.models
    assert len(subscription.models) >= 6


def test_every_model_matches_its_intent_with_zero_findings(subscription: Subscription) -> None:
    for stem, model in subscription.models.items():
        report = check(model, subscription.snapshot)
        assert report.findings == (), (stem, [f.message for f in report.findings])
        assert report.matches_intent


def test_the_example_opens_exactly_the_paths_written_in_the_yaml(subscription: Subscription) -> None:
    report = check(subscription.models["ai-platform"], subscription.snapshot)
    observed = {(p.src, p.dst, p.protocol, p.ports) for p in report.paths if p.observed}
    # Read off examples/ai-platform.yaml by hand: the segments placed on azure are edge,
    # feature-store, model-registry, notebooks and monitoring.
    assert observed == {
        ("internet", "edge", "tcp", PortSet.single(443)),
        ("notebooks", "feature-store", "tcp", PortSet.single(6379)),
        ("notebooks", "model-registry", "tcp", PortSet.single(443)),
        ("monitoring", "feature-store", "tcp", PortSet.single(9100)),
        ("monitoring", "feature-store", "udp", PortSet.single(8125)),
        ("monitoring", "feature-store", "icmp", PortSet.full("icmp")),
        ("model-registry", "service:object-storage", "tcp", PortSet.single(443)),
        ("model-registry", "service:key-management", "tcp", PortSet.single(443)),
        ("monitoring", "service:logging", "tcp", PortSet.single(443)),
    }


def test_every_open_path_names_the_nsg_rules_on_both_ends(subscription: Subscription) -> None:
    report = check(subscription.models["ai-platform"], subscription.snapshot)
    row = next(p for p in report.paths if (p.src, p.dst) == ("notebooks", "feature-store"))
    assert "azure:nsg/ai-platform-notebooks#allow-out-feature-store-tcp" in row.evidence
    assert "azure:nsg/ai-platform-feature-store#allow-in-notebooks-tcp" in row.evidence


def test_intra_segment_traffic_is_open_only_where_a_flow_names_the_segment_twice(subscription: Subscription) -> None:
    report = check(subscription.models["az-mesh"], subscription.snapshot)
    self_paths = {(p.src, p.protocol) for p in report.paths if p.observed and p.src == p.dst}
    assert self_paths == {("workers", "tcp"), ("workers", "udp"), ("cache", "tcp"), ("metrics", "tcp"),
                          ("metrics", "udp"), ("metrics", "icmp")}


def test_internet_egress_is_open_only_on_the_declared_ports(subscription: Subscription) -> None:
    report = check(subscription.models["az-egress"], subscription.snapshot)
    egress = {(p.src, p.protocol, p.ports) for p in report.paths if p.observed and p.dst == "internet"}
    assert egress == {("crawler", "tcp", PortSet.of([(80, 80), (443, 443)])), ("crawler", "udp", PortSet.single(123)),
                      ("resolver", "udp", PortSet.single(53)), ("resolver", "tcp", PortSet.single(53))}


def test_a_model_deployed_next_to_others_sees_only_its_own_network(subscription: Subscription) -> None:
    report = check(subscription.models["az-minimal"], subscription.snapshot)
    assert {p.src for p in report.paths} | {p.dst for p in report.paths} == {"internet", "web", "api"}


# --- random models ----------------------------------------------------------------------

NAMES = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")
PORTS = st.sampled_from([22, 443, 5432, "8000-8100", "udp/53", "udp/5000-5001", "icmp", "tcp/1024-65535"])


@st.composite
def models(draw: st.DrawFn) -> Model:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    segments = {}
    for name in names:
        segments[name] = {
            "internet": {"ingress": draw(st.lists(PORTS, max_size=2)), "egress": draw(st.lists(PORTS, max_size=2))},
            "services": draw(st.lists(st.sampled_from(["object-storage", "container-registry", "key-management",
                                                        "logging", "ml-api"]), max_size=2, unique=True))}
    flows = [{"from": draw(st.sampled_from(names)), "to": draw(st.sampled_from(names)),
              "ports": draw(st.lists(PORTS, min_size=1, max_size=3))} for _ in range(draw(st.integers(0, 6)))]
    return Model.model_validate({"name": "rnd", "clouds": {"azure": {"region": "eastus", "cidr": "10.77.0.0/16"}},
                                 "segments": segments, "flows": flows})


# A deploy into the mocked Azure is ~0.3 s: 20 examples in CI, 100 with BULKHEAD_THOROUGH=1.
# CI draws the same examples every run (a landing must not hinge on luck); thorough runs explore.
@settings(max_examples=100 if THOROUGH else 20, deadline=None, derandomize=not THOROUGH,
          suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_any_model_deployed_to_azure_shows_exactly_its_intended_paths(model: Model) -> None:
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("azure"))
        snapshot = collect(cloud.source())
    report = check(model, snapshot)
    assert report.findings == (), [f.message for f in report.findings]
    observed = {(p.src, p.dst, p.protocol): p.ports for p in report.paths if p.observed}
    merged: dict[tuple[str, str, str], PortSet] = {}
    for key, ports in observed.items():
        merged[key] = merged.get(key, PortSet()) | ports
    assert merged == intended_paths(model, "azure")
