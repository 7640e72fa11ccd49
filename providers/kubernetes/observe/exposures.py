"""Audit: the workloads reachable from outside the cluster, with the Services that publish them.

A workload is exposed when its ingress admits addresses outside the cluster (an ipBlock, a
rule without `from`, or no ingress isolation at all). Whether packets from outside arrive at
all depends on a Service of type LoadBalancer or NodePort (or a routable pod network), so each
exposure names the Services that select the workload; with none, it is reachable only where
pod addresses are routable from outside, or through an ingress controller's own pods.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra.ports import json_ports
from infra.reach import INTERNET, Engine
from providers.kubernetes.observe.chains import Place
from providers.kubernetes.observe.objects import Obj
from providers.kubernetes.observe.selectors import Selector

PUBLISHING = ("LoadBalancer", "NodePort")


def exposures(engine: Engine, places: Iterable[Place], objs: Iterable[Obj]) -> list[dict[str, object]]:
    services = [o for o in objs if o.kind == "Service"]
    out: list[dict[str, object]] = []
    for place in places:
        workload = place.filters.workload
        published = [s for s in services if _publishes(s, place)]
        for protocol in engine.network.protocols:
            passed = engine.traffic(INTERNET, place.endpoint, protocol)
            if not passed:
                continue
            out.append({
                "resource": workload.name,
                "interface": ", ".join(f"svc/{s.namespace}/{s.name} ({(s.body.get('spec') or {}).get('type')})"
                                       for s in published) or "pod network",
                "address": ", ".join(_addresses(published)) or "outside the cluster",
                "protocol": protocol, "ports": json_ports(protocol, passed.ports()),
                "evidence": list(passed.ids())})
    return out


def _publishes(service: Obj, place: Place) -> bool:
    spec = service.body.get("spec") or {}
    selector = spec.get("selector")
    workload = place.filters.workload
    return (spec.get("type") in PUBLISHING and bool(selector) and service.namespace == workload.namespace
            and Selector.of({"matchLabels": selector}).matches(workload.labels))


def _addresses(services: list[Obj]) -> list[str]:
    found = []
    for service in services:
        for entry in ((service.body.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            found.append(str(entry.get("ip") or entry.get("hostname") or ""))
    return [a for a in found if a]
