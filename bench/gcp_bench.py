"""GCP simulate and verify times at 10, 50 and 200 segments.

A generated model (chained flows, a few services and internet paths) is deployed into the
mocked GCP (`deploy`: the Pulumi program under the mock runtime, writing the fake Compute
API), read back through google-cloud-compute (`collect`: every list call, paged), then
normalized and verified (`verify`). Prints one row per size; best of --repeat runs.

Run: .venv/bin/python bench/gcp_bench.py [sizes...] [--repeat N]
"""

from __future__ import annotations

import sys
import time

from infra.load import parse_model
from infra.model import Model
from infra.plan import make_plan
from infra.verify import verify
from providers.gcp.mock.cloud import MockedCloud
from providers.gcp.observe.collect import collect
from providers.gcp.observe.normalize import normalize

SERVICES = ["object-storage", "container-registry", "logging", "key-management", "ml-api"]


def model_text(segments: int) -> str:
    lines = ["name: bench", "clouds:", "  gcp: {region: us-central1, cidr: 10.0.0.0/16, project: bench-project}",
             "segments:"]
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


def run(model: Model) -> tuple[int, float, float, float, bool]:
    with MockedCloud() as cloud:
        start = time.perf_counter()
        counts = cloud.deploy(make_plan(model).cloud("gcp"))
        deployed = time.perf_counter()
        snapshot = collect(cloud.source())
        collected = time.perf_counter()
    report = verify(model, normalize(snapshot, model))
    verified = time.perf_counter()
    return sum(counts.values()), deployed - start, collected - deployed, verified - collected, report.matches_intent


def main(argv: list[str]) -> None:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    sizes = [int(a) for a in argv if a.isdigit() and (not argv.count("--repeat") or a != str(repeat))] or [10, 50, 200]
    run(parse_model(model_text(2), "<warm-up>").model)  # imports and the first gRPC setup
    print(f"gcp; best of {repeat}")
    print(f"{'segments':>8} {'resources':>9} {'deploy s':>9} {'collect s':>9} {'simulate s':>10} "
          f"{'verify s':>9} {'match':>6}")
    for size in sizes:
        model = parse_model(model_text(size), f"<bench {size}>").model
        runs = [run(model) for _ in range(repeat)]
        best = min(runs, key=lambda r: r[1] + r[2] + r[3])
        count, deploy, read, check, match = best
        print(f"{size:>8} {count:>9} {deploy:>9.2f} {read:>9.2f} {deploy + read:>10.2f} {check:>9.3f} {match!s:>6}")


if __name__ == "__main__":
    main(sys.argv[1:])
