"""Small builders of Kubernetes objects for hand-written semantics cases, and a way to evaluate them."""

from __future__ import annotations

from typing import Any

from infra.model import Model
from infra.ports import PortSet
from infra.reach import Network, evaluate
from providers.kubernetes.observe import normalize

Json = dict[str, Any]


def namespace(name: str, **labels: str) -> Json:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def pod(ns: str, name: str, labels: dict[str, str] | None = None, ports: list[Json] | None = None,
        host_network: bool = False, ip: str | None = None, owner: tuple[str, str] | None = None) -> Json:
    meta: Json = {"name": name, "namespace": ns, "labels": labels or {}}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": "u",
                                    "controller": True}]
    body: Json = {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                  "spec": {"containers": [{"name": "c", "image": "i", "ports": ports or []}]}}
    if host_network:
        body["spec"]["hostNetwork"] = True
    if ip:
        body["status"] = {"podIP": ip, "podIPs": [{"ip": ip}]}
    return body


def deployment(ns: str, name: str, labels: dict[str, str], ports: list[Json] | None = None) -> Json:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "i", "ports": ports or []}]}}}}


def netpol(ns: str, name: str, spec: Json) -> Json:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def tcp(port: int | str, end: int | None = None, protocol: str = "TCP") -> Json:
    entry: Json = {"protocol": protocol, "port": port}
    if end is not None:
        entry["endPort"] = end
    return entry


def audit(*objects: Json) -> Network:
    return normalize({"manifests.yaml": list(objects)}, None)


def paths(*objects: Json, model: Model | None = None) -> dict[tuple[str, str, str], PortSet]:
    """(src, dst, protocol) -> open ports, for workloads named `namespace/name[Kind]` and `internet`."""
    network = normalize({"manifests.yaml": list(objects)}, model)
    return {(p.src, p.dst, p.protocol): p.ports for p in evaluate(network)}


def ports(found: dict[tuple[str, str, str], PortSet], src: str, dst: str, protocol: str = "tcp") -> PortSet:
    return found.get((src, dst, protocol), PortSet())


ALL = PortSet.single(0, 65535)
