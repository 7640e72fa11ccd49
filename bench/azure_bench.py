"""Simulate and verify times on the mocked Azure at 10, 50 and 200 segments.

A generated model per size (each segment flows to the next two, every fifth has internet
ingress, every seventh internet egress, every third a service) is deployed with the real
Pulumi program into a fresh fake subscription (simulate), read back through
azure-mgmt-network over loopback http (collect), then normalized and verified. Prints a
table; append the results to bench/RESULTS.md under "## azure".

Run: .venv/bin/python bench/azure_bench.py [sizes...]
"""

from __future__ import annotations

import sys
import time

from infra.load import parse_model
from infra.plan import make_plan, plan_problems
from infra.verify import verify
from providers.azure.mock.cloud import MockedCloud
from providers.azure.observe.collect import collect
from providers.azure.observe.normalize import normalize

SERVICES = ["object-storage", "container-registry", "logging", "key-management", "ml-api"]


def model_text(size: int) -> str:
    lines = ["name: bench", "clouds:", "  azure: {region: eastus, cidr: 10.0.0.0/16}", "segments:"]
    for i in range(size):
        extras = []
        if i % 5 == 0:
            extras.append("internet: {ingress: [443]}")
        if i % 7 == 0:
            extras.append("internet: {egress: [443]}" if i % 5 else "")
        if i % 3 == 0:
            extras.append(f"services: [{SERVICES[i % len(SERVICES)]}]")
        body = ", ".join(e for e in extras if e)
        lines.append(f"  s{i:03d}: {{{body}}}")
    lines.append("flows:")
    for i in range(size):
        targets = [f"s{(i + k) % size:03d}" for k in (1, 2) if (i + k) % size != i]
        if targets:
            lines.append(f"  - {{from: s{i:03d}, to: [{', '.join(targets)}], ports: [8080, 'udp/53']}}")
    return "\n".join(lines) + "\n"


def run(size: int) -> tuple[int, int, float, float, float, int]:
    model = parse_model(model_text(size)).model
    assert not plan_problems(model), plan_problems(model)
    cloud_plan = make_plan(model).cloud("azure")
    with MockedCloud() as cloud:
        start = time.perf_counter()
        counts = cloud.deploy(cloud_plan)
        deployed = time.perf_counter()
        snapshot = collect(cloud.source())
        collected = time.perf_counter()
    report = verify(model, normalize(snapshot, model))
    verified = time.perf_counter()
    assert report.matches_intent, [f.message for f in report.findings][:5]
    return (size, sum(counts.values()), deployed - start, collected - deployed, verified - collected,
            sum(1 for p in report.paths if p.observed))


def main(sizes: list[int]) -> None:
    run(3)  # warm up imports and the Pulumi runtime
    print("segments  resources  simulate s  collect s  verify s  open paths")
    for size in sizes:
        s, resources, simulate, read, check, paths = run(size)
        print(f"{s:8d}  {resources:9d}  {simulate:10.2f}  {read:9.2f}  {check:8.2f}  {paths:10d}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 50, 200])
