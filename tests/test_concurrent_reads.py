"""Collectors run their independent reads at once, and the snapshot is the one a sequential read gives.

The pool really runs calls side by side (calls that can only finish together do), stays
within its bound, hands results back in the order asked, and raises the error a
sequential run would have raised. Each cloud's collector then reads the same mocked
account with one worker and with its pool: the snapshots must be identical.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from infra.concurrent_reads import read_concurrently
from infra.errors import CloudError
from infra.load import load_model
from infra.plan import make_plan
from infra.registry import part

ROOT = Path(__file__).resolve().parents[1]


def test_calls_run_at_the_same_time_and_come_back_in_the_order_asked():
    barrier = threading.Barrier(4, timeout=5)  # breaks unless all four calls are running at once
    calls = {}
    for key in ("d", "b", "a", "c"):
        def call(key=key) -> str:
            barrier.wait()
            return key.upper()
        calls[key] = call
    assert list(read_concurrently(calls, workers=4).items()) == [("d", "D"), ("b", "B"), ("a", "A"), ("c", "C")]


def test_a_follow_up_call_starts_when_its_parent_answers_not_when_the_whole_round_is_done():
    released = threading.Event()

    def slow() -> str:
        assert released.wait(5), "the follow-up never ran while the slow call was still running"
        return "slow"

    def then(key, result):
        return {"child": lambda: released.set() or f"child of {result}"} if key == "parent" else {}

    results = read_concurrently({"slow": slow, "parent": lambda: "parent"}, workers=4, then=then)
    assert list(results.items()) == [("slow", "slow"), ("parent", "parent"), ("child", "child of parent")]


def test_follow_ups_come_right_after_their_parent_in_order_with_one_worker_as_with_many():
    def then(key, result):
        return {f"{key}.{i}": (lambda k=f"{key}.{i}": k) for i in range(2)} if len(key) == 1 else {}

    calls = {k: (lambda k=k: k) for k in "ab"}
    expected = ["a", "a.0", "a.1", "b", "b.0", "b.1"]
    assert list(read_concurrently(calls, workers=1, then=then)) == expected
    assert list(read_concurrently(calls, workers=3, then=then)) == expected


def test_no_more_calls_run_at_once_than_the_pool_allows():
    running, most, lock = 0, 0, threading.Lock()

    def call() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1

    read_concurrently({i: call for i in range(12)}, workers=3)
    assert most == 3


def test_one_worker_runs_the_calls_in_order_on_the_calling_thread():
    seen: list[tuple[int, str]] = []
    read_concurrently({i: (lambda i=i: seen.append((i, threading.current_thread().name))) for i in range(3)},
                      workers=1)
    assert seen == [(i, threading.current_thread().name) for i in range(3)]


def test_the_error_raised_is_the_first_failing_call_in_the_order_asked_not_the_first_to_fail():
    def slow_failure() -> None:
        time.sleep(0.05)
        raise CloudError("aws", "describe_vpcs", "region r", "AccessDenied")

    def fast_failure() -> None:
        raise CloudError("aws", "describe_subnets", "region r", "Throttling")

    with pytest.raises(CloudError) as caught:
        read_concurrently({"vpcs": slow_failure, "subnets": fast_failure, "ok": lambda: None}, workers=3)
    assert caught.value.operation == "describe_vpcs"


@pytest.fixture(scope="module", params=["aws", "gcp", "azure"])
def mocked_account(request):
    """ai-platform deployed into the cloud's mock, kept up while the collector reads it."""
    model = load_model(ROOT / "examples" / "ai-platform.yaml").model
    with part(request.param, "mock").MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud(request.param))
        yield request.param, cloud


def test_the_concurrent_collect_writes_the_same_snapshot_as_a_sequential_one(mocked_account):
    cloud, mocked = mocked_account
    collect = part(cloud, "observe").collect
    sequential = collect(mocked.source(), workers=1)
    concurrent = collect(mocked.source())
    assert concurrent == sequential
    assert sum(len(str(document)) for document in sequential.values()) > 10_000  # a real account, not empty files


def test_the_aws_collector_backs_off_adaptively_and_pools_a_connection_per_worker():
    from providers.aws.mock.cloud import mocked_session
    from providers.aws.observe.collect import _client

    config = _client(mocked_session("us-east-1"), workers=16).meta.config
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 11}  # 10 retries after the first try
    assert config.max_pool_connections == 16
