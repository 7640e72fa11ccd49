"""Whatever the file holds, loading raises ModelError or succeeds, and a loaded model plans.

Random documents are built near the real shape (right keys, wrong or odd values) so they
get past the first checks and reach the deeper ones: salvage, cross-references, addressing.
"""

from __future__ import annotations

import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.errors import ModelError
from infra.load import parse_model
from infra.plan import make_plan, plan_problems

EXAMPLES = settings(max_examples=1500 if os.environ.get("BULKHEAD_THOROUGH") else 120, deadline=None)

odd = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.floats(allow_nan=False),
                st.sampled_from(["", "web", "api", "Web", "10.0.0.0/16", "10.0.0.0/23", "aws", "gcp", "tcp/5",
                                 "icmp", "8000-8100", "x" * 70, "logging"]))
anything = st.recursive(odd, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["web", "api", "aws", "gcp", "region", "cidr", "from", "to", "ports", "slot", "clouds"]),
    inner, max_size=3), max_leaves=8)
segment = st.fixed_dictionaries({}, optional={
    "clouds": st.lists(st.sampled_from(["aws", "gcp", "azure", "azrue"]), max_size=3) | anything,
    "internet": st.fixed_dictionaries({}, optional={"ingress": st.lists(odd, max_size=2), "egress": anything}),
    "services": st.lists(st.sampled_from(["logging", "ml-api", "object-store"]), max_size=2),
    "slot": st.integers(-1, 300) | odd, "description": odd})
cloud = st.fixed_dictionaries({
    "region": st.sampled_from(["us-east-1", "us-central1", "eastus", "r"]) | odd,
    "cidr": st.sampled_from(["10.0.0.0/16", "10.0.0.0/23", "10.0.0.0/25", "10.1.0.0/16", "10.0.1.0/16", "bad"])},
    optional={"zones": st.integers(0, 5) | odd, "project": st.sampled_from(["shop-project", "p"]) | odd})
document = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["shop", "Shop", "a" * 60]) | odd,
    "clouds": st.dictionaries(st.sampled_from(["aws", "gcp", "azure", "awz"]), cloud | anything, max_size=3)
    | anything,
    "segments": st.dictionaries(st.sampled_from(["web", "api", "db", "Db", "x_y"]), segment | st.none(),
                                max_size=4) | anything,
    "flows": st.lists(st.fixed_dictionaries({"from": st.sampled_from(["web", "api", "db", "wbe"]) | odd,
                                             "to": st.sampled_from(["web", "api", ["db", "api"], []]) | odd,
                                             "ports": st.lists(odd, max_size=3)}) | anything, max_size=3)
    | anything})

REGIONS = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}
# Close to valid: right types everywhere, so many documents load and reach the planner with
# edge cases (tiny CIDRs, slots past the end, shared slots, ports at the limits).
near_segment = st.fixed_dictionaries({}, optional={
    "clouds": st.lists(st.sampled_from(["aws", "gcp", "azure"]), min_size=1, max_size=3, unique=True),
    "internet": st.fixed_dictionaries({}, optional={"ingress": st.lists(st.sampled_from([443, "udp/53"]), max_size=2),
                                                    "egress": st.lists(st.sampled_from([1, 65535, "icmp"]))}),
    "services": st.lists(st.sampled_from(["logging", "ml-api", "object-storage"]), max_size=2, unique=True),
    "slot": st.integers(1, 300)})
near = st.fixed_dictionaries({
    "name": st.just("shop"),
    "clouds": st.dictionaries(st.sampled_from(["aws", "gcp", "azure"]), st.fixed_dictionaries(
        {"project": st.just("shop-project"),
         "cidr": st.sampled_from(["10.0.0.0/16", "10.0.0.0/23", "10.0.0.0/22", "10.0.0.0/8", "10.1.0.0/16"])}),
        min_size=1).map(lambda cs: {c: {"region": REGIONS[c], **({k: v for k, v in body.items() if k != "project"}
                                                                if c != "gcp" else body)}
                                    for c, body in cs.items()}),
    "segments": st.dictionaries(st.sampled_from(["web", "api", "db"]), near_segment, min_size=1),
    "flows": st.lists(st.fixed_dictionaries({
        "from": st.sampled_from(["web", "api", "db"]), "to": st.sampled_from(["web", "api", ["db", "api"]]),
        "ports": st.lists(st.sampled_from([1, 65535, "tcp/1-65535", "udp/53", "icmp", "8000-8100"]), min_size=1)}),
        max_size=4)})


@EXAMPLES
@given(document | near)
def test_loading_any_document_either_succeeds_or_raises_located_problems_and_a_loaded_model_plans(data):
    try:
        loaded = parse_model(json.dumps(data), "fuzz.yaml")
    except ModelError as exc:
        assert exc.diagnostics
        for diagnostic in exc.diagnostics:
            assert diagnostic.line >= 1 and diagnostic.column >= 1
            assert diagnostic.message
        return
    problems = plan_problems(loaded.model)
    if not problems:
        plan = make_plan(loaded.model)
        assert {cp.cloud for cp in plan.clouds} == set(loaded.model.clouds.declared())


@EXAMPLES
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}#,'\" \n\t&*!|>%@`")), max_size=60))
def test_loading_any_text_either_succeeds_or_raises_model_error(text):
    try:
        parse_model(text, "fuzz.yaml")
    except ModelError as exc:
        assert exc.diagnostics
