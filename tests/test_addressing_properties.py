"""Addressing and planning properties on random models.

Subnets never overlap, stay inside their cloud's CIDR and outside the reserved slot; pinned
segments keep their subnets whatever happens to the unpinned ones; the same model always
plans the same, and reordering segments or flows changes no path. BULKHEAD_THOROUGH=1 runs
many more examples.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.load import parse_model
from infra.model import Model
from infra.plan import RESERVED_SLOT, make_plan, plan_problems, slot_block

EXAMPLES = settings(max_examples=800 if os.environ.get("BULKHEAD_THOROUGH") else 60, deadline=None)
NAMES = ["web", "api", "db", "cache", "queue", "batch", "ml", "etl", "auth", "logs", "search", "admin"]
EXTRA = ["new-a", "new-b", "new-c"]
BASES = {"aws": "10.0.0.0", "gcp": "10.64.0.0", "azure": "10.128.0.0"}
SETTINGS = {"aws": {"region": "us-east-1"}, "gcp": {"region": "us-central1", "project": "shop-project"},
            "azure": {"region": "eastus"}}
PORTS = st.sampled_from([22, 443, 8080, "8000-8100", 8050, "udp/53", "udp/8125", "icmp", "tcp/1024-65535"])


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    """A model as plain data (what the YAML holds), valid by construction."""
    prefix = draw(st.sampled_from([16, 18, 20]))  # 255, 63 or 15 usable /24 slots
    clouds = draw(st.lists(st.sampled_from(list(BASES)), min_size=1, max_size=3, unique=True))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True))
    slots = draw(st.lists(st.integers(1, 2 ** (24 - prefix) - 1), min_size=len(names), max_size=len(names),
                          unique=True))
    segments: dict[str, Any] = {}
    for name, slot in zip(names, slots, strict=True):
        body: dict[str, Any] = {"slot": slot} if draw(st.booleans()) else {}
        if draw(st.booleans()):
            body["clouds"] = draw(st.lists(st.sampled_from(clouds), min_size=1, unique=True))
        if draw(st.booleans()):
            body["internet"] = {"ingress": draw(st.lists(PORTS, max_size=2)),
                                "egress": draw(st.lists(PORTS, max_size=2))}
        segments[name] = body
    placed = {n: set(b.get("clouds", clouds)) for n, b in segments.items()}
    pairs = [(a, b) for a in names for b in names if placed[a] & placed[b]]
    flows = [{"from": a, "to": b, "ports": draw(st.lists(PORTS, min_size=1, max_size=3))}
             for a, b in draw(st.lists(st.sampled_from(pairs), max_size=8))]
    cloud_map = {c: {**SETTINGS[c], "cidr": f"{BASES[c]}/{prefix}"} for c in clouds}
    if "aws" in cloud_map:
        cloud_map["aws"]["zones"] = draw(st.integers(1, 4))
    return {"name": "prop", "clouds": cloud_map, "segments": segments, "flows": flows}


def load(data: dict[str, Any]) -> Model:
    # JSON is YAML: the model goes through the real loader, then the planner's own checks.
    model = parse_model(json.dumps(data), "random.yaml").model
    assert plan_problems(model) == []
    return model


def subnets_by_cloud(model: Model) -> dict[tuple[str, str], tuple]:
    return {(cp.cloud, p.segment): p.subnets for cp in make_plan(model).clouds for p in cp.segments}


@EXAMPLES
@given(models())
def test_subnets_never_overlap_and_stay_inside_the_cloud_cidr_outside_the_reserved_slot(data):
    model = load(data)
    for cp in make_plan(model).clouds:
        reserved = slot_block(cp.cidr, RESERVED_SLOT)
        assert cp.reserved == reserved
        subnets = [s for p in cp.segments for s in p.subnets]
        assert len(subnets) == sum(len(p.subnets) for p in cp.segments)
        for i, subnet in enumerate(subnets):
            assert subnet.subnet_of(cp.cidr)
            assert not subnet.overlaps(reserved)
            assert not any(subnet.overlaps(other) for other in subnets[i + 1:])
        for placed in cp.segments:
            assert len(placed.subnets) == cp.zones
            assert all(s.subnet_of(placed.block) for s in placed.subnets)


@EXAMPLES
@given(models())
def test_a_segment_gets_the_same_slot_in_every_cloud_it_is_placed_in(data):
    model = load(data)
    slots: dict[str, set[int]] = {}
    for cp in make_plan(model).clouds:
        for placed in cp.segments:
            slots.setdefault(placed.segment, set()).add(placed.slot)
            assert placed.block == slot_block(cp.cidr, placed.slot)
    assert all(len(s) == 1 for s in slots.values())
    for name, segment in model.segments.items():
        if segment.slot is not None:
            assert slots[name] == {segment.slot}


@EXAMPLES
@given(models(), st.data())
def test_pinned_segments_keep_their_subnets_when_unpinned_ones_are_added_removed_or_reordered(data, more):
    before = subnets_by_cloud(load(data))
    pinned = {n for n, b in data["segments"].items() if "slot" in b}
    unpinned = [n for n in data["segments"] if n not in pinned]
    removed = set(more.draw(st.lists(st.sampled_from(unpinned), unique=True))) if unpinned else set()
    kept = [n for n in data["segments"] if n not in removed]
    if not kept:  # a model needs a segment: keep one pinned-free placeholder
        kept, removed = [unpinned[0]], removed - {unpinned[0]}
    added = more.draw(st.lists(st.sampled_from(EXTRA), unique=True))
    order = more.draw(st.permutations(kept + added))
    segments = {n: data["segments"].get(n, {}) for n in order}
    flows = [f for f in data["flows"] if f["from"] in segments and f["to"] in segments]
    changed = {**data, "segments": segments, "flows": more.draw(st.permutations(flows))}
    after = subnets_by_cloud(load(changed))
    for (cloud, name), subnets in before.items():
        if name in pinned:
            assert after[(cloud, name)] == subnets


@EXAMPLES
@given(models())
def test_the_same_model_always_gives_the_same_plan(data):
    first, second = make_plan(load(data)), make_plan(load(data))
    assert first == second
    assert first.slots == second.slots


@EXAMPLES
@given(models(), st.data())
def test_reordering_segments_and_flows_changes_no_allowed_path(data, more):
    shuffled = {**data,
                "segments": dict(more.draw(st.permutations(list(data["segments"].items())))),
                "flows": more.draw(st.permutations(data["flows"]))}
    original, reordered = make_plan(load(data)), make_plan(load(shuffled))
    assert [cp.cloud for cp in original.clouds] == [cp.cloud for cp in reordered.clouds]
    for a, b in zip(original.clouds, reordered.clouds, strict=True):
        assert set(a.paths) == set(b.paths)
        assert a.paths == b.paths  # and in the same canonical order
        assert set(a.segment_names()) == set(b.segment_names())
