"""Kubernetes audit of a generated manifest folder: 1,000 workloads and 2,000 NetworkPolicies (and
smaller and larger sizes, to show how the cost grows).

The folder is what a platform team keeps in Git: one namespace per team (20 workloads each,
as Deployments with named container ports), and per namespace a default-deny plus, per
workload, one ingress policy (from a workload of the same namespace, or from labelled
namespaces by matchExpressions, on a numeric or a named port) and, for most, one egress policy
(to a workload in the next namespace, to the cluster DNS, or to an ipBlock with `except`).
Timed stages (CPU seconds of this process, which a loaded machine inflates less than wall time;
the total's wall time is shown too), best of --repeat runs: `read` (YAML parse of every file and the shape checks),
`normalize` (selectors, named ports, per-workload filters, chains, posture), `evaluate` (every
open path), and the audit JSON. Prints one row per size.

Run: .venv/bin/python bench/k8s_audit_bench.py [workloads...] [--repeat N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

from infra.gc_tuning import fewer_collections
from infra.reach import evaluate
from infra.report import audit_json
from providers.kubernetes.observe import normalize, read_snapshot

PER_NAMESPACE = 20


def namespace(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": f"team-{i:03d}", "labels": {"tier": ("front", "back", "data")[i % 3]}}}


def deployment(ns: str, j: int) -> dict:
    labels = {"app": f"svc-{j:02d}", "role": ("web", "api", "db", "cache")[j % 4]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"svc-{j:02d}", "namespace": ns},
            "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
                "containers": [{"name": "main", "image": "registry.invalid/svc:1",
                                "ports": [{"name": "http", "containerPort": 8000 + j}]}]}}}}


def policies(i: int, namespaces: int) -> list[dict]:
    ns, nxt = f"team-{i:03d}", f"team-{(i + 1) % namespaces:03d}"
    out = [_policy(ns, "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})]
    for j in range(PER_NAMESPACE):
        me = {"matchLabels": {"app": f"svc-{j:02d}"}}
        if j % 2:
            source = {"podSelector": {"matchLabels": {"app": f"svc-{(j + 1) % PER_NAMESPACE:02d}"}}}
            port = {"port": "http"}
        else:
            source = {"namespaceSelector": {"matchExpressions": [{"key": "tier", "operator": "In",
                                                                   "values": ["front", "back"]}]},
                      "podSelector": {"matchLabels": {"role": "web"}}}
            port = {"port": 8000 + j, "endPort": 8000 + j + 10}
        out.append(_policy(ns, f"svc-{j:02d}-in", {"podSelector": me, "policyTypes": ["Ingress"],
                                                   "ingress": [{"from": [source], "ports": [port]}]}))
        if j == PER_NAMESPACE - 1:
            continue  # 20 ingress + 19 egress + 1 default-deny = 40 policies per 20 workloads
        if j % 3 == 0:
            target = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": nxt}},
                      "podSelector": {"matchLabels": {"app": f"svc-{j:02d}"}}}
            ports = [{"port": "http"}]
        elif j % 3 == 1:
            target = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                      "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
            ports = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
        else:
            target = {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12"]}}
            ports = [{"port": 443}]
        out.append(_policy(ns, f"svc-{j:02d}-out", {"podSelector": me, "policyTypes": ["Egress"],
                                                    "egress": [{"to": [target], "ports": ports}]}))
    return out


def _policy(ns: str, name: str, spec: dict) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def write_folder(root: Path, workloads: int) -> tuple[int, int]:
    namespaces = workloads // PER_NAMESPACE
    count = 0
    for i in range(namespaces):
        ns = f"team-{i:03d}"
        folder = root / ns
        folder.mkdir(parents=True)
        docs = [namespace(i)] + [deployment(ns, j) for j in range(PER_NAMESPACE)]
        (folder / "workloads.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
        found = policies(i, namespaces)
        count += len(found)
        (folder / "policies.yaml").write_text(yaml.safe_dump_all(found, sort_keys=False), encoding="utf-8")
    dns = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
           deployment("kube-system", 0) | {"metadata": {"name": "coredns", "namespace": "kube-system"}}]
    dns[1]["spec"]["template"]["metadata"]["labels"] = {"k8s-app": "kube-dns"}
    (root / "kube-system.yaml").write_text(yaml.safe_dump_all(dns, sort_keys=False), encoding="utf-8")
    return namespaces * PER_NAMESPACE + 1, count


def run(root: Path) -> tuple[float, float, float, float, float, int, int]:
    wall = time.perf_counter()
    start = time.process_time()
    snapshot = read_snapshot(root)
    read = time.process_time()
    with fewer_collections():
        network = normalize(snapshot, None)
        normalized = time.process_time()
        observed = evaluate(network)
        evaluated = time.process_time()
        document = audit_json(network, observed)
    rendered = time.process_time()
    return (read - start, normalized - read, evaluated - normalized, rendered - evaluated,
            time.perf_counter() - wall, len(observed), len(document["exposures"]))


def main(argv: list[str]) -> None:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    numbers = [a for i, a in enumerate(argv) if a.isdigit() and (i == 0 or argv[i - 1] != "--repeat")]
    sizes = [int(a) for a in numbers] or [250, 500, 1000, 2000]
    print(f"best of {repeat}; CPU seconds per stage, total CPU and wall")
    print(f"{'workloads':>9} {'policies':>8} {'read':>7} {'normalize':>9} {'evaluate':>8} {'json':>6} "
          f"{'cpu':>6} {'wall':>6} {'paths':>7} {'exposed':>7}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            workloads, count = write_folder(Path(tmp), size)
            best = min((run(Path(tmp)) for _ in range(repeat)), key=lambda r: sum(r[:4]))
        read, norm, ev, js, wall, paths, exposed = best
        print(f"{workloads:>9} {count:>8} {read:>7.2f} {norm:>9.2f} {ev:>8.2f} {js:>6.2f} "
              f"{read + norm + ev + js:>6.2f} {wall:>6.2f} {paths:>7} {exposed:>7}")


if __name__ == "__main__":
    main(sys.argv[1:])
