"""Random models deployed into the mocked GCP and read back verify exactly, and a random
extra firewall rule that opens a port is always reported. BULKHEAD_THOROUGH=1 runs more."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.model import SERVICES, Model
from infra.plan import make_plan
from infra.verify import verify
from providers.gcp.mock.cloud import MockedCloud
from providers.gcp.observe.collect import collect
from providers.gcp.observe.normalize import normalize

# A deploy into the mocked GCP is ~0.3 s: 20 examples per property in CI, 100 with BULKHEAD_THOROUGH=1.
# CI draws the same examples every run (a landing must not hinge on luck); thorough runs explore.
_THOROUGH = bool(os.environ.get("BULKHEAD_THOROUGH"))
EXAMPLES = settings(max_examples=100 if _THOROUGH else 20, deadline=None, derandomize=not _THOROUGH,
                    suppress_health_check=[HealthCheck.too_slow])
NAMES = ["api", "db", "web", "ml", "etl", "cache", "queue"]
PORT = st.one_of(st.integers(1, 65535), st.sampled_from(["icmp", "udp/53", "tcp/1024-65535", "8000-8100", "udp/1-5"]))


@st.composite
def models(draw: st.DrawFn) -> Model:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    segments = {}
    for name in names:
        segments[name] = {
            "internet": {"ingress": draw(st.lists(PORT, max_size=2)), "egress": draw(st.lists(PORT, max_size=2))},
            "services": draw(st.lists(st.sampled_from(SERVICES), max_size=3, unique=True)),
        }
    flows = [{"from": draw(st.sampled_from(names)), "to": draw(st.lists(st.sampled_from(names), min_size=1,
                                                                          max_size=3, unique=True)),
              "ports": draw(st.lists(PORT, min_size=1, max_size=3))} for _ in range(draw(st.integers(0, 6)))]
    return Model.model_validate({"name": "prop", "segments": segments, "flows": flows,
                                 "clouds": {"gcp": {"region": "us-central1", "cidr": "10.5.0.0/16",
                                                    "project": "prop-project"}}})


@EXAMPLES
@given(models())
def test_a_random_model_deployed_and_read_back_verifies_exactly(model: Model) -> None:
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("gcp"))
        snapshot = collect(cloud.source())
    report = verify(model, normalize(snapshot, model))
    assert [f.message for f in report.findings] == []


@EXAMPLES
@given(models(), st.integers(1, 65535), st.data())
def test_a_random_opening_rule_in_front_of_the_deny_all_is_always_reported(model: Model, port: int,
                                                                           data: st.DataObject) -> None:
    from google.cloud import compute_v1

    target = data.draw(st.sampled_from(sorted(model.segments)))
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("gcp"))
        account = next(e for e, a in cloud.store.side["serviceAccounts"].items() if f'"{target}"' in a["description"])
        cloud.store.put("global/firewalls", compute_v1.Firewall(
            name="drift", network="prop-vpc", direction="INGRESS", priority=10, source_ranges=["0.0.0.0/0"],
            allowed=[compute_v1.Allowed(I_p_protocol="tcp", ports=[str(port)])], target_service_accounts=[account]))
        snapshot = collect(cloud.source())
    report = verify(model, normalize(snapshot, model))
    declared = model.segments[target].internet.ingress
    from infra.ports import parse_port_specs

    already = parse_port_specs(declared).get("tcp")
    leaks = [f for f in report.findings if f.kind == "unintended-path" and (f.src, f.dst) == ("internet", target)]
    if already is not None and port in already:
        assert leaks == []
    else:
        assert leaks and "gcp:firewall/drift" in leaks[0].evidence
