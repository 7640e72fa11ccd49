"""Run a collector's independent read calls at once, on a bounded pool of threads.

A live collect is mostly waiting on the cloud's API: run one after the other, a 200-segment
account's describe calls add up; run together, the collect takes about as long as its
slowest call. Calls that need another's answer (the rules of each security group listed)
are started the moment that answer arrives, not after every other call of its round.
The pool is bounded so a collector never opens more connections than its SDK's connection
pool holds, and throttling is the SDK's to absorb (botocore's adaptive retry mode, the
Google and Azure SDKs' own retry policies).

Results come back keyed as they were asked for, in the order they were asked (a follow-up
call right after the call that asked for it), whatever order the calls finish in, so a
snapshot does not depend on timing. When calls fail, no further call is started and the
error of the earliest failed call in that order is raised once the running ones finish.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

DEFAULT_WORKERS = 8  # below botocore's default of 10 pooled connections per client

Calls = Mapping[Hashable, Callable[[], Any]]
# Given a finished call's key and result, the calls that need it (none: an empty mapping).
FollowUps = Callable[[Hashable, Any], Calls]


def no_follow_ups(key: Hashable, result: Any) -> Calls:
    return {}


def read_concurrently(calls: Calls, workers: int = DEFAULT_WORKERS,
                      then: FollowUps = no_follow_ups) -> dict[Hashable, Any]:
    """Run every call and its follow-ups, `workers` at a time; `workers=1` runs them in order on this thread."""
    if workers <= 1:
        return _in_order(calls, then)
    results: dict[tuple[int, ...], tuple[Hashable, Any]] = {}
    failures: dict[tuple[int, ...], BaseException] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect") as pool:
        running: dict[Future[Any], tuple[tuple[int, ...], Hashable]] = {}

        def start(batch: Calls, parent: tuple[int, ...]) -> None:
            for i, (key, call) in enumerate(batch.items()):
                running[pool.submit(call)] = (parent + (i,), key)

        start(calls, ())
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                place, key = running.pop(future)
                error = future.exception()
                if error is not None:
                    failures[place] = error
                    continue
                results[place] = (key, future.result())
                if not failures:
                    start(then(key, future.result()), place)
    if failures:
        raise failures[min(failures)]
    return dict(results[place] for place in sorted(results))


def _in_order(calls: Calls, then: FollowUps) -> dict[Hashable, Any]:
    out: dict[Hashable, Any] = {}
    for key, call in calls.items():
        out[key] = result = call()
        out.update(_in_order(then(key, result), then))
    return out
