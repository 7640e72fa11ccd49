"""Random models deployed into the mocked cluster and read back verify exactly, and a random
extra policy that opens a port to a segment is always reported. BULKHEAD_THOROUGH=1 runs more."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.model import SERVICES, Model
from infra.plan import make_plan
from infra.ports import parse_port_specs
from infra.verify import verify
from providers.kubernetes.mock.cloud import MockedCloud
from providers.kubernetes.observe import collect, normalize

# A deploy into the mocked cluster is ~0.3 s: 10 examples per property in CI, 100 with BULKHEAD_THOROUGH=1.
_THOROUGH = bool(os.environ.get("BULKHEAD_THOROUGH"))
EXAMPLES = settings(max_examples=100 if _THOROUGH else 10, deadline=None, derandomize=not _THOROUGH,
                    suppress_health_check=[HealthCheck.too_slow])
NAMES = ["api", "db", "web", "ml", "etl", "cache"]
PORT = st.one_of(st.integers(1, 65535), st.sampled_from(["udp/53", "tcp/1024-65535", "8000-8100", "udp/1-5"]))
PLACES = st.sampled_from([None, ("shared", "a"), ("shared", "b"), ("own", None)])


@st.composite
def models(draw: st.DrawFn) -> Model:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    segments = {}
    for name in names:
        segment: dict = {
            "internet": {"ingress": draw(st.lists(PORT, max_size=2)), "egress": draw(st.lists(PORT, max_size=2))},
            "services": draw(st.lists(st.sampled_from(SERVICES), max_size=2, unique=True)),
        }
        place = draw(PLACES)
        if place is not None and place[0] == "shared":  # labels differ per segment: never overlapping
            segment["kubernetes"] = {"namespace": "shared", "pods": {"segment": name, "variant": place[1]}}
        elif place is not None:
            segment["kubernetes"] = {"namespace": f"ns-{name}"}
        segments[name] = segment
    flows = [{"from": draw(st.sampled_from(names)), "to": draw(st.lists(st.sampled_from(names), min_size=1,
                                                                          max_size=3, unique=True)),
              "ports": draw(st.lists(PORT, min_size=1, max_size=3))} for _ in range(draw(st.integers(0, 6)))]
    cluster = {"cluster": "prop", "pod_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12",
               "services": {s: [f"10.40.{i}.0/24"] for i, s in enumerate(SERVICES)}}
    return Model.model_validate({"name": "prop", "segments": segments, "flows": flows,
                                 "clouds": {"kubernetes": cluster}})


def deployed(model: Model, extra: list[dict] | None = None):
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("kubernetes"))
        for obj in extra or []:
            cloud.cluster.put(obj)
        return normalize(collect(cloud.source()), model)


@EXAMPLES
@given(models())
def test_a_random_model_deployed_and_read_back_verifies_exactly(model: Model) -> None:
    report = verify(model, deployed(model))
    assert [f.message for f in report.findings] == []


@EXAMPLES
@given(models(), st.integers(1, 65535), st.data())
def test_a_random_policy_opening_a_port_from_outside_is_always_reported(model: Model, port: int,
                                                                        data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(sorted(model.segments)))
    own = model.segments[target].kubernetes
    namespace = (own.namespace if own and own.namespace else target)
    selector = {"matchLabels": dict(own.pods)} if own and own.pods else {}
    drift = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"name": "drift", "namespace": namespace},
             "spec": {"podSelector": selector, "policyTypes": ["Ingress"],
                      "ingress": [{"from": [{"ipBlock": {"cidr": "198.51.100.0/24"}}], "ports": [{"port": port}]}]}}
    report = verify(model, deployed(model, [drift]))
    already = parse_port_specs(model.segments[target].internet.ingress).get("tcp")
    leaks = [f for f in report.findings if f.kind == "unintended-path" and (f.src, f.dst) == ("internet", target)]
    if already is not None and port in already:
        assert leaks == []
    else:
        assert [str(f.ports) for f in leaks] == [str(port)]
        assert "k8s:netpol/" + namespace + "/drift#ingress[0]" in leaks[0].evidence
