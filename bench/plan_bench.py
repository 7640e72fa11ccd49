"""How long loading, planning and checking take as models grow (10, 100, 1,000 segments).

Each synthetic model has ~5 flows per segment (each to the next five segments), one port each; every twentieth
segment open to the internet and using two services, on one AWS network (10.0.0.0/8, two
zones). Timings are the best of a few runs, in seconds:

  load    YAML text -> validated Model (parse, schema, cross-references)
  plan    make_plan: slots, subnets, merged allowed paths
  checks  plan_problems: addressing plus every provider's quota count (what `validate` adds)

Run: .venv/bin/python bench/plan_bench.py [--repeat N] [--clouds aws,gcp,azure] [--sizes 10,100]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from infra.load import parse_model
from infra.plan import make_plan, plan_problems

SIZES = (10, 100, 1000)
FLOWS_PER_SEGMENT = 5


NETWORKS = {
    "aws": "{region: us-east-1, cidr: 10.0.0.0/8, zones: 2}",
    "gcp": "{region: us-central1, cidr: 11.0.0.0/8, project: bench-project}",
    "azure": "{region: eastus, cidr: 12.0.0.0/8}",
}


def synthetic_model(segments: int, clouds: tuple[str, ...] = ("aws",)) -> str:
    lines = ["name: bench", "clouds:", *(f"  {c}: {NETWORKS[c]}" for c in clouds), "segments:"]
    for i in range(segments):
        extra = ", internet: {ingress: [443]}, services: [logging, object-storage]" if i % 20 == 0 else ""
        lines.append(f"  s{i}: {{description: tier {i}{extra}}}")
    lines.append("flows:")
    for i in range(segments):
        for k in range(1, FLOWS_PER_SEGMENT + 1):
            lines.append(f"  - {{from: s{i}, to: s{(i + k) % segments}, ports: [{8000 + k}]}}")
    return "\n".join(lines) + "\n"


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clouds", default="aws", help="comma-separated: aws,gcp,azure")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    repeat, clouds = args.repeat, tuple(args.clouds.split(","))
    print(f"clouds: {', '.join(clouds)}; best of {repeat}")
    print(f"{'segments':>8} {'flows':>6} {'paths':>6} {'load s':>8} {'plan s':>8} {'checks s':>9} {'total s':>8}"
          f" {'problems':>8}")
    for size in map(int, args.sizes.split(",")):
        text = synthetic_model(size, clouds)
        load_s, loaded = best_of(repeat, lambda text=text: parse_model(text, "bench.yaml"))
        model = loaded.model
        plan_s, plan = best_of(repeat, lambda model=model: make_plan(model))
        check_s, problems = best_of(repeat, lambda model=model: plan_problems(model))
        paths = sum(len(cp.paths) for cp in plan.clouds)
        total = load_s + plan_s + check_s
        print(f"{size:>8} {len(model.flows):>6} {paths:>6} {load_s:>8.3f} {plan_s:>8.3f} {check_s:>9.3f} {total:>8.3f}"
              f" {len(problems):>8}")


if __name__ == "__main__":
    main()
