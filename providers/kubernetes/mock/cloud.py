"""The mocked cluster that `bulkhead simulate` and the tests deploy into.

`MockedCloud` is a fresh fake API server (cluster.py, served by server.py on a loopback port).
`deploy` runs the real Pulumi program (build.program) under Pulumi's mock runtime; every
registered Namespace, NetworkPolicy and policy custom resource is stored as the API server
would hold it. Then the cluster gets what a real one has without bulkhead: `kube-system` and
`default`, the cluster DNS pod, and one notional pod per segment (labelled as the model
selects it, with an address from the pod CIDR), so the read-back has workloads to evaluate.
observe/collect reads it all through the official client over http, as it would a real cluster.
"""

from __future__ import annotations

import threading
from collections import Counter
from ipaddress import ip_network
from typing import Any

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from infra.model_kubernetes import resolve
from infra.plan import CloudPlan
from providers.kubernetes.build import component as build
from providers.kubernetes.mock.cluster import BY_KIND, Cluster, Json
from providers.kubernetes.mock.server import FakeApiServer
from providers.kubernetes.observe.collect import KubeSource, loopback_source
from providers.kubernetes.services import SEGMENT_LABEL

DEFAULT_POD_CIDR = "10.244.0.0/16"


class UnsupportedResource(TypeError):
    """The program registered a type the mocked cluster does not model; it names the type token."""


class _ClusterMocks(Mocks):
    def __init__(self, cluster: Cluster):
        self.cluster, self.lock, self.counts = cluster, threading.Lock(), Counter[str]()

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        with self.lock:
            self.counts[args.typ] += 1
        if args.custom is False:  # the component itself
            return None, {}
        kind = args.typ.rsplit(":", 1)[-1]
        if not args.typ.startswith("kubernetes:") or kind not in BY_KIND:
            raise UnsupportedResource(f"the mocked cluster does not support resource type {args.typ} ({args.name})")
        stored = self.cluster.put(dict(args.inputs))
        meta = stored["metadata"]
        return f"{meta.get('namespace', '')}/{meta['name']}".lstrip("/"), {**args.inputs, **stored}

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        raise UnsupportedResource(f"the mocked cluster does not support function {args.token}")


class MockedCloud:
    """A fresh fake cluster; use as a context manager."""

    def __init__(self) -> None:
        self.cluster = Cluster()
        self.server: FakeApiServer | None = None

    def __enter__(self) -> MockedCloud:
        self.server = FakeApiServer(self.cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def deploy(self, cloud_plan: CloudPlan) -> dict[str, int]:
        """Run the Pulumi program against the fake; then start the cluster's own pods. Type token -> count."""
        mocks = _ClusterMocks(self.cluster)
        pulumi.runtime.set_mocks(mocks, project="bulkhead", stack=cloud_plan.model, preview=False)

        @pulumi.runtime.test
        def run() -> pulumi.Output[Any]:
            net = build.program(cloud_plan)
            return pulumi.Output.all(*(p.id for p in net.policies.values()))

        run()
        self.start_workloads(cloud_plan)
        return dict(mocks.counts)

    def start_workloads(self, cloud_plan: CloudPlan) -> None:
        """What runs in a cluster besides bulkhead's policies: system namespaces, the DNS, one pod per segment."""
        settings = cloud_plan.settings
        addresses = ip_network(settings.get("pod_cidr") or DEFAULT_POD_CIDR).hosts()
        next(addresses)
        dns = settings.get("dns") or {}
        dns_namespace = dns.get("namespace", "kube-system")
        for name in ("default", "kube-system", dns_namespace):
            self.cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        dns_ports = [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                     {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"}]
        self.cluster.put(_pod(dns_namespace, "coredns-0", dns.get("pods", {"k8s-app": "kube-dns"}),
                              str(next(addresses)), dns_ports))
        picks = resolve({p.segment: (p.settings.get("namespace"), p.settings.get("pods") or {})
                         for p in cloud_plan.segments})
        for segment, pick in picks.items():
            if not pick.owned:  # a shared namespace exists before bulkhead; create it here
                self.cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": pick.namespace}})
            self.cluster.put(_pod(pick.namespace, f"{segment}-0", {**pick.pods, SEGMENT_LABEL: segment},
                                  str(next(addresses)), []))

    def source(self) -> KubeSource:
        if self.server is None:
            raise RuntimeError("MockedCloud is not running; use it as a context manager")
        return loopback_source(self.server.host)


def _pod(namespace: str, name: str, labels: dict[str, str], address: str, ports: list[Json]) -> Json:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"containers": [{"name": "main", "image": "registry.invalid/workload:1", "ports": ports}]},
            "status": {"phase": "Running", "podIP": address, "podIPs": [{"ip": address}]}}
