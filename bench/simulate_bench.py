"""How much the moto-backed mocked AWS costs over the plain Pulumi mock runtime.

For 10, 50 and 200 segments, deploy a generated model (chained flows, a few services and
internet paths, two zones) once with `providers.aws.mock.cloud.MotoMocks` (every resource applied to
moto through boto3) and once with mocks that only echo inputs, and print the ratio. Both
runtimes are warmed up first on a tiny model (moto's first EC2 call costs about a second).

Run: .venv/bin/python bench/simulate_bench.py [sizes...]
"""

from __future__ import annotations

import sys
import time
from typing import Any

import pulumi

from infra.load import parse_model
from infra.plan import CloudPlan, make_plan, plan_problems
from providers.aws.mock.cloud import MockedCloud, MotoMocks, run_program

SERVICES = ["object-storage", "container-registry", "logging", "key-management", "ml-api"]


class EchoMocks(pulumi.runtime.Mocks):
    """The plain mock runtime: inputs echoed, plus the outputs consumers read."""

    def __init__(self) -> None:
        self.count = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.count += 1
        return f"{args.name}-id", {**args.inputs, "prefixListId": "pl-echo", "allocationId": "eipalloc-echo",
                                   "arn": f"arn:echo:{args.name}"}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, None]:
        raise NotImplementedError(args.token)


def model_text(segments: int) -> str:
    lines = ["name: bench", "clouds:", "  aws: {region: us-east-1, cidr: 10.0.0.0/16, zones: 2}", "segments:"]
    for i in range(segments):
        extras = []
        if i % 10 == 0:
            extras.append(f"services: [{SERVICES[(i // 10) % len(SERVICES)]}]")
        if i % 25 == 1:
            extras.append("internet: {ingress: [443]}")
        if i % 25 == 2:
            extras.append("internet: {egress: [443]}")
        lines.append(f"  s{i:03d}: {{{', '.join(extras)}}}")
    lines.append("flows:")
    for i in range(segments - 1):
        lines.append(f"  - {{from: s{i:03d}, to: s{i + 1:03d}, ports: [{8000 + i % 50}, \"udp/9000\"]}}")
    return "\n".join(lines) + "\n"


def cloud_plan(segments: int) -> CloudPlan:
    model = parse_model(model_text(segments), f"<bench {segments}>").model
    problems = plan_problems(model)
    if problems:
        raise SystemExit(f"generated model is invalid: {problems[0]}")
    return make_plan(model).cloud("aws")


def timed_plain(cp: CloudPlan) -> tuple[float, int]:
    mocks = EchoMocks()
    start = time.perf_counter()
    run_program(mocks, cp)
    return time.perf_counter() - start, mocks.count


def timed_moto(cp: CloudPlan) -> float:
    with MockedCloud():
        mocks = MotoMocks(region=cp.region)
        start = time.perf_counter()
        run_program(mocks, cp)
        return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    timed_plain(cloud_plan(3))
    timed_moto(cloud_plan(3))
    print("| segments | resources | plain mocks (s) | moto-backed (s) | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        cp = cloud_plan(n)
        plain, count = timed_plain(cp)
        moto_s = timed_moto(cp)
        print(f"| {n} | {count} | {plain:.2f} | {moto_s:.2f} | {moto_s / plain:.2f}x |", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 50, 200])
