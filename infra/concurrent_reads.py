"""Run a collector's independent read calls at once, on a bounded pool of threads.

A live collect is mostly waiting on the cloud's API: run one after the other, a 200-segment
account's describe calls add up; run together, the collect takes about as long as its
slowest call. The pool is bounded so a collector never opens more connections than its
SDK's connection pool holds, and throttling is the SDK's to absorb (botocore's adaptive
retry mode, the Google and Azure SDKs' own retry policies).

Results come back keyed as they were asked for, in the order they were asked, whatever
order the calls finish in, so a snapshot does not depend on timing. When calls fail, the
error of the first failing call in that order is raised (the same one a sequential run
would have raised) after the others are cancelled or have finished.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_WORKERS = 8  # below botocore's default of 10 pooled connections per client


def read_concurrently(calls: Mapping[K, Callable[[], V]], workers: int = DEFAULT_WORKERS) -> dict[K, V]:
    """Run every call (at most `workers` at a time); `workers=1` runs them in order on this thread."""
    if workers <= 1 or len(calls) <= 1:
        return {key: call() for key, call in calls.items()}
    with ThreadPoolExecutor(max_workers=min(workers, len(calls)), thread_name_prefix="collect") as pool:
        futures: dict[K, Future[V]] = {key: pool.submit(call) for key, call in calls.items()}
        try:
            return {key: future.result() for key, future in futures.items()}
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise
