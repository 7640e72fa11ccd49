"""Random JSON in any snapshot file of any cloud is either refused cleanly (a BulkheadError with exit
2: SnapshotError, WrongPlace) or read into a clean result (audit and verify run to the end):
never another exception, which the CLI would show as a traceback.

Each example takes a good snapshot (tests/snapshot_baselines.py) and, in one of its files or in
a file it lacks, replaces the whole document or one node (a random walk down the JSON) with
random JSON, or deletes that node. Random objects draw their keys from the keys real
documents use, so many examples get past the top level and reach the normalizers.
BULKHEAD_THOROUGH=1 runs many more, non-derandomized.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra import report as reports
from infra.errors import BulkheadError
from infra.reach import evaluate
from infra.registry import part
from infra.shapes import check_snapshot
from infra.snapshot import Snapshot
from infra.verify import verify
from tests.snapshot_baselines import baseline

THOROUGH = bool(os.environ.get("BULKHEAD_THOROUGH"))
EXAMPLES = settings(max_examples=400 if THOROUGH else 25, deadline=None, derandomize=not THOROUGH,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CLOUDS = ["aws", "gcp", "azure", "kubernetes"]
# Values a cloud's documents hold, so that random JSON often looks almost right.
TEXTS = ["10.50.999.0/26", "10.40.1.0/24", "0.0.0.0/0", "::/0", "10.0.0.0/33", "tcp", "-1", "6", "443", "80-90",
         "*", "Inbound", "Allow", "Deny", "INGRESS", "EGRESS", "allow", "VirtualNetwork", "Internet", "active",
         "snapcheck", "web", "api", "bulkhead:model", "bulkhead:segment", "", "None",
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
    values = json_values(sorted(keys_of(snapshot, set())))
    if name not in out or data.draw(st.booleans(), label="whole document"):
        out[name] = data.draw(values, label="document")
        return out
    parent, key = None, None
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
    return out


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
