"""Collect against the GCP and Azure fakes: each read call alone vs. all of them at once.

For each cloud and size (default 200 segments; the models of bench/gcp_bench.py and
bench/azure_bench.py) the model is deployed into the cloud's loopback fake, then read:

  calls    the collector with one worker, each call timed as it runs: the slowest call
           and the sum of all calls (= a sequential collect)
  conc     the collector with its default pool; ratio = conc / slowest call

The fake runs in a process of its own (as a cloud runs on machines of its own): served from
threads of the collector's process, its work would share the collector's interpreter lock
and no two calls could overlap (`--same-process` shows that case).

Run: .venv/bin/python bench/collect_bench.py [--clouds gcp,azure] [--sizes 10,200] [--repeat 3] [--same-process]
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import azure_bench  # bench/ is on the path when run as a script
import gcp_bench

from infra.concurrent_reads import Calls, FollowUps, no_follow_ups, read_concurrently
from infra.load import parse_model
from infra.plan import make_plan
from infra.registry import part

MODELS = {"gcp": gcp_bench.model_text, "azure": azure_bench.model_text}


def timed_calls(cloud: str, source: Any) -> dict[str, float]:
    """Run the collector with one worker, recording each call's own time."""
    module = importlib.import_module(f"providers.{cloud}.observe.collect")
    seconds: dict[str, float] = {}

    def timed(key: Any, call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            start = time.perf_counter()
            try:
                return call()
            finally:
                seconds[str(key)] = time.perf_counter() - start
        return run

    def timing(calls: Calls, workers: int = 1, then: FollowUps = no_follow_ups) -> dict[Any, Any]:
        def timed_then(key: Any, result: Any) -> Calls:
            return {k: timed(k, call) for k, call in then(key, result).items()}
        return read_concurrently({key: timed(key, call) for key, call in calls.items()}, workers=1, then=timed_then)

    module.read_concurrently = timing
    try:
        module.collect(source, workers=1)
    finally:
        module.read_concurrently = read_concurrently
    return seconds


def serve(cloud: str, size: int, pipe: Connection) -> None:
    """In the fake's own process: deploy, hand the source over, serve until told to stop."""
    model = parse_model(MODELS[cloud](size)).model
    with part(cloud, "mock").MockedCloud() as mocked:
        mocked.deploy(make_plan(model).cloud(cloud))
        pipe.send(mocked.source())
        pipe.recv()


def measure(cloud: str, size: int, repeat: int, same_process: bool) -> tuple[int, float, float, float, str]:
    if same_process:
        model = parse_model(MODELS[cloud](size)).model
        with part(cloud, "mock").MockedCloud() as mocked:
            mocked.deploy(make_plan(model).cloud(cloud))
            return read(cloud, mocked.source(), repeat)
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    fake = multiprocessing.get_context("spawn").Process(target=serve, args=(cloud, size, theirs), daemon=True)
    fake.start()
    try:
        return read(cloud, ours.recv(), repeat)
    finally:
        ours.send("stop")
        fake.join(30)


def read(cloud: str, source: Any, repeat: int) -> tuple[int, float, float, float, str]:
    collect = part(cloud, "observe").collect
    collect(source)  # warm up: clients, connections
    runs = [timed_calls(cloud, source) for _ in range(repeat)]
    calls = {key: min(run[key] for run in runs) for key in runs[0]}
    concurrent = []
    for _ in range(repeat):
        start = time.perf_counter()
        collect(source)
        concurrent.append(time.perf_counter() - start)
    slowest = max(calls, key=lambda key: calls[key])
    return len(calls), calls[slowest], sum(calls.values()), min(concurrent), slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clouds", default="gcp,azure")
    parser.add_argument("--sizes", default="200")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--same-process", action="store_true", help="serve the fake from this process")
    args = parser.parse_args()
    print(f"best of {args.repeat}; seconds")
    print(f"{'cloud':>6} {'segments':>8} {'calls':>5} {'slowest':>8} {'sum':>7} {'conc':>7} {'conc/slowest':>12}"
          "  slowest call")
    for cloud in args.clouds.split(","):
        for size in map(int, args.sizes.split(",")):
            count, slowest, total, concurrent, name = measure(cloud, size, args.repeat, args.same_process)
            print(f"{cloud:>6} {size:>8} {count:>5} {slowest:>8.3f} {total:>7.3f} {concurrent:>7.3f}"
                  f" {concurrent / slowest:>11.2f}x  {name}", flush=True)


if __name__ == "__main__":
    main()
