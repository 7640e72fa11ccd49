"""Random JSON in any snapshot file of any cloud is either refused cleanly (a BulkheadError with exit
2: SnapshotError, WrongPlace) or read into a clean result (audit and verify run to the end):
never another exception, which the CLI would show as a traceback.

Each example takes a good snapshot (tests/snapshot_baselines.py) and, in one of its files or in
a file it lacks, replaces the whole document or one node (a random walk down the JSON) with
random JSON, or deletes that node, or sets a key on one of its objects. Keys come from those
the real documents use, the keys the normalizers read and every key the shapes declare
(tests/snapshot_keys.py: also ones the baseline lacks, such as peerings, NAT addresses or
instances' access configs), so many examples get past the top level and reach the
normalizers. BULKHEAD_THOROUGH=1 runs many more, non-derandomized (`--hypothesis-seed=N`
repeats a run).
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra import report as reports
from infra.errors import BulkheadError
from infra.reach import evaluate
from infra.registry import part
from infra.shapes import Shape, check_snapshot
from infra.snapshot import Snapshot
from infra.verify import verify
from tests.snapshot_baselines import baseline
from tests.snapshot_keys import keys_read, layout_keys, shapes_in

THOROUGH = bool(os.environ.get("BULKHEAD_THOROUGH"))
EXAMPLES = settings(max_examples=400 if THOROUGH else 25, deadline=None, derandomize=not THOROUGH,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CLOUDS = ["aws", "gcp", "azure", "kubernetes"]
# Values a cloud's documents hold, so that random JSON often looks almost right.
TEXTS = ["10.50.999.0/26", "10.40.1.0/24", "0.0.0.0/0", "::/0", "10.0.0.0/33", "tcp", "-1", "6", "443", "80-90",
         "*", "Inbound", "Allow", "Deny", "INGRESS", "EGRESS", "allow", "VirtualNetwork", "Internet", "active",
         "snapcheck", "web", "api", "bulkhead:model", "bulkhead:segment", "", "None", "34.1.2.3", "10.40.1.5",
         "ACTIVE", "Connected", "available", "public", "GatewayLoadBalancer", "vpce-0abc", "igw-0abc",
         "Microsoft.Storage", "Storage",
         "Ingress", "Egress", "TCP", "SCTP", "In", "Exists", "http", "PodList", "10.244.0.4", "kube-system"]


def keys_of(document: Any, found: set[str]) -> set[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            found.add(key)
            keys_of(value, found)
    elif isinstance(document, list):
        for value in document:
            keys_of(value, found)
    return found


def shaped_objects(document: Any, model: type[Shape]) -> dict[type[Shape], list[dict[str, Any]]]:
    """The document's objects by the shape that governs them (where the document follows its shape)."""
    out: dict[type[Shape], list[dict[str, Any]]] = {}
    todo: list[tuple[Any, type[Shape]]] = [(document, model)]
    while todo:
        node, shape = todo.pop()
        if not isinstance(node, dict):
            continue
        out.setdefault(shape, []).append(node)
        for name, field in shape.model_fields.items():
            inner, child = shapes_in(field.annotation), node.get(name)
            if inner:
                todo += [(c, inner[0]) for c in (child if isinstance(child, list) else [child])]
    return out


def json_values(keys: list[str]) -> st.SearchStrategy[Any]:
    scalars = (st.none() | st.booleans() | st.integers(-70000, 70000) | st.floats(allow_nan=True)
               | st.text(max_size=10) | st.sampled_from(TEXTS))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(keys) | st.text(max_size=6), inner, max_size=5), max_leaves=10)


def mutated(data: st.DataObject, cloud: str, snapshot: Snapshot) -> Snapshot:
    out = copy.deepcopy(snapshot)
    layout = part(cloud, "observe").SNAPSHOT_LAYOUT
    first = sorted(out)[0]
    folder = first.rsplit("/", 1)[0] + "/" if "/" in first else ""
    # a file the snapshot has, or one of the layout's that it lacks (named as collect would)
    names = sorted(out) + [f"{folder}{f.pattern.replace('*', 'r1')}" for f in layout.files
                           if not any(f.matches(n) for n in out)]
    name = data.draw(st.sampled_from(names), label="file")
    read = sorted(set(keys_read(cloud)) | layout_keys(layout))
    keys = sorted(keys_of(snapshot, set()) | set(read))
    values = json_values(keys)
    how = "document" if name not in out else data.draw(st.sampled_from(("document", "walk", "declared key")))
    if how == "document":
        out[name] = data.draw(values, label="document")
    elif how == "walk":
        _walk(data, out, name, values)
    else:  # a key the shape or the normalizers name, on an object of the file: keys the baseline lacks
        shape = layout.shape_of(name)
        assert shape is not None
        found = shaped_objects(out[name], shape.model)
        model = data.draw(st.sampled_from(sorted(found, key=lambda m: m.__name__)), label="shape")
        target = data.draw(st.sampled_from(found[model]), label="object")
        key = data.draw(st.sampled_from(sorted(model.model_fields)) | st.sampled_from(read), label="key")
        target[key] = data.draw(values, label="value")
    return out


def _walk(data: st.DataObject, out: Snapshot, name: str, values: st.SearchStrategy[Any]) -> None:
    """Replace or delete one node found by a random walk down the document."""
    parent: Any = None
    key: Any = None
    node = out[name]
    while isinstance(node, dict | list) and node and data.draw(st.integers(0, 3), label="deeper") > 0:
        parent, key = node, data.draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        node = node[key]
    if parent is None:
        out[name] = data.draw(values, label="document")
    elif isinstance(parent, dict) and data.draw(st.booleans(), label="delete"):
        del parent[key]
    else:
        parent[key] = data.draw(values, label="value")


def read_as_the_cli_does(cloud: str, snapshot: Snapshot) -> None:
    """audit then verify, the way `bulkhead audit|verify --snapshot` read a snapshot."""
    observe = part(cloud, "observe")
    model = baseline(cloud).model
    try:
        check_snapshot(cloud, snapshot)
        network = observe.normalize(snapshot, None)
        reports.audit_json(network, evaluate(network))
        check_snapshot(cloud, snapshot, model)
        reports.report_json(verify(model, observe.normalize(snapshot, model)))
    except BulkheadError as refused:
        assert refused.exit_code == 2, refused


@pytest.mark.parametrize("cloud", CLOUDS)
@EXAMPLES
@given(data=st.data())
def test_random_json_in_a_snapshot_file_is_refused_cleanly_or_read_to_the_end(cloud, data):
    read_as_the_cli_does(cloud, mutated(data, cloud, baseline(cloud).snapshot))


POLICY_KEYS = ["Version", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
               "NotResource", "Condition", "AWS", "Service", "StringEquals", "aws:PrincipalAccount"]
POLICY_TEXTS = st.sampled_from(["*", "Allow", "Deny", "allow", "s3:*", "arn:aws:s3:::b/*", "123456789012"])
POLICY_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6) | POLICY_TEXTS,
                             lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                                 st.sampled_from(POLICY_KEYS), inner, max_size=5), max_leaves=12)
# Statements that are nearly right, so many documents pass the check and reach open_reasons.
_TEXTS = POLICY_TEXTS | st.lists(POLICY_TEXTS, max_size=3)
STATEMENTS = st.fixed_dictionaries({"Effect": st.sampled_from(["Allow", "Deny", "allow"])}, optional={
    "Sid": st.text(max_size=4),
    "Principal": st.just("*") | st.dictionaries(st.sampled_from(["AWS", "Service"]), _TEXTS),
    "NotPrincipal": st.dictionaries(st.just("AWS"), _TEXTS), "Action": _TEXTS, "Resource": _TEXTS,
    "NotResource": _TEXTS, "Condition": st.dictionaries(st.just("StringEquals"), st.dictionaries(
        st.just("aws:PrincipalAccount"), POLICY_TEXTS)) | POLICY_VALUES})
POLICIES = POLICY_VALUES | st.fixed_dictionaries(
    {"Statement": STATEMENTS | st.lists(STATEMENTS | POLICY_VALUES, max_size=3)}, optional={"Version": POLICY_TEXTS})


@settings(max_examples=2000 if THOROUGH else 150, deadline=None, derandomize=not THOROUGH)
@given(document=POLICIES, as_json=st.booleans())
def test_any_text_as_an_endpoint_policy_is_refused_by_the_check_or_judged_without_a_crash(document, as_json):
    from pydantic import ValidationError

    from providers.aws.observe.policies import open_reasons
    from providers.aws.observe.shapes import VpcEndpoint

    endpoint = {"VpcEndpointId": "vpce-1", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.us-east-1.s3",
                "PolicyDocument": json.dumps(document) if as_json else str(document)}
    try:
        VpcEndpoint.model_validate(endpoint)
    except ValidationError as refused:
        assert [tuple(e["loc"]) for e in refused.errors()] == [("PolicyDocument",)]
        return
    assert all(isinstance(reason, str) for reason in open_reasons(endpoint))
