"""What one mocked deploy costs, with and without the test-suite speed-ups in the mocks.

Each row deploys a model into a fresh mocked cloud and reads it back (what a test or a
property example does): the median over rounds that run every variant once, after a warm-up:
  aws   fresh clients  every deploy makes its boto3 session and clients anew (as before)
  aws   with AMIs      moto loads its public AMI catalogue per account (as before)
  aws   now            cached clients, no AMI catalogue
  azure with aliases   azure-native's per-API-version aliases kept (as before)
  azure now            aliases dropped by the mocked deploy
The GCP fake's shutdown poll (0.5 s -> 0.05 s per `with MockedCloud()`) is timed as `close`.

Run: .venv/bin/python bench/mock_bench.py [rounds]
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from infra.load import load_model
from infra.model import Model
from infra.plan import make_plan
from providers.aws.mock import cloud as aws_mock
from providers.aws.observe.collect import collect as aws_collect
from providers.azure.mock.cloud import MockedCloud as AzureCloud
from providers.azure.observe.collect import collect as azure_collect
from providers.gcp.mock.cloud import MockedCloud as GcpCloud

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ai-platform.yaml"
SMALL = ROOT / "tests" / "verify" / "tamper.yaml"


def aws_deploy(model: Model, fresh_clients: bool = False, amis: bool = False) -> None:
    if fresh_clients:
        aws_mock._SESSIONS.clear()
        aws_mock._CLIENTS.clear()
    if amis:
        os.environ[aws_mock.LOAD_AMIS] = "true"
    try:
        with aws_mock.MockedCloud() as cloud:
            cloud.deploy(make_plan(model).cloud("aws"))
            aws_collect(cloud.source())
    finally:
        os.environ.pop(aws_mock.LOAD_AMIS, None)


def azure_deploy(model: Model, keep_aliases: bool = False) -> None:
    with AzureCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("azure"), keep_aliases=keep_aliases)
        azure_collect(cloud.source())


def gcp_close() -> None:
    with GcpCloud():
        pass


def medians(runs: list[Callable[[], None]], rounds: int) -> list[float]:
    """Round-robin over the variants, so drifting load on the shared machine hits them alike."""
    for run in runs:
        run()  # warm-up: imports, moto's first call, client caches
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for i, run in enumerate(runs):
            gc.collect()  # the garbage of the variant before (moto's AMIs) is not this one's cost
            start = time.perf_counter()
            run()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main(rounds: int) -> None:
    example, small = load_model(EXAMPLE).model, load_model(SMALL).model
    rows: list[tuple[str, str, Callable[[], None]]] = []
    for label, model in (("ai-platform", example), ("tamper", small)):
        rows += [(f"aws {label}", "fresh clients", lambda m=model: aws_deploy(m, fresh_clients=True)),
                 (f"aws {label}", "with AMIs", lambda m=model: aws_deploy(m, amis=True)),
                 (f"aws {label}", "now", lambda m=model: aws_deploy(m))]
    rows += [("azure ai-platform", "with aliases", lambda: azure_deploy(example, keep_aliases=True)),
             ("azure ai-platform", "now", lambda: azure_deploy(example)),
             ("gcp", "close", gcp_close)]
    found = medians([run for _, _, run in rows], rounds)
    print(f"{'deploy + collect':<20} {'variant':<14} {'median s':>9}   ({rounds} rounds)")
    for (what, variant, _), seconds in zip(rows, found, strict=True):
        print(f"{what:<20} {variant:<14} {seconds:9.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
