"""Workloads: what sends and receives, from Pods and from the pod templates of controllers.

A workload is named `namespace/name[Kind]` (the naming other NetworkPolicy analyzers use): a
Pod with a controlling owner reference is named after its owner (`default/frontend-99684f7f8
[ReplicaSet]`), a template-bearing object after itself, a bare Pod after itself. Pods of one
owner are one workload (their labels and ports united, their addresses kept). A controller
owned by another controller in the snapshot (a Deployment's ReplicaSet, a CronJob's Job) is
represented by its owner; its own pods still appear under its name, as the cluster names them.
A pod whose labels or host networking differ from its siblings' (relabelled by hand, say) is
its own workload, named after the pod: merging it would let a selector match a union of labels
that no single pod carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from providers.kubernetes.observe.objects import TEMPLATES, Obj, template_of

NOTIONAL = "notional"  # the kind of a workload the model describes, launched or not


@dataclass(frozen=True)
class NamedPort:
    name: str
    protocol: str  # "tcp", "udp" or "sctp"
    number: int


@dataclass(frozen=True)
class Workload:
    name: str
    namespace: str
    kind: str
    labels: Mapping[str, str] = field(hash=False, compare=False)
    ports: tuple[NamedPort, ...] = ()
    host_network: bool = False
    addresses: tuple[str, ...] = ()
    multiple: bool = True  # more than one pod can run it, so it can reach itself

    def resolve(self, name: str, protocol: str) -> tuple[int, ...]:
        """The numbers a named port stands for on this workload's pods (none if no container has it)."""
        return tuple(sorted({p.number for p in self.ports if p.name == name and p.protocol == protocol}))


def workload_name(namespace: str, name: str, kind: str) -> str:
    return f"{namespace}/{name}[{kind}]"


def workloads(objs: Iterable[Obj]) -> list[Workload]:
    """Every workload in the objects, in the order first seen; owned controllers left out."""
    found: dict[str, Workload] = {}
    listed = list(objs)
    controllers = {(o.kind, o.namespace, o.name) for o in listed if o.kind in TEMPLATES}
    for obj in listed:
        if obj.kind == "Pod":
            pod = _from_pod(obj)
            old = found.get(pod.name)
            if old is not None and (dict(old.labels) != dict(pod.labels) or old.host_network != pod.host_network):
                pod = Workload(workload_name(obj.namespace, obj.name, "Pod"), pod.namespace, "Pod", pod.labels,
                               pod.ports, pod.host_network, pod.addresses, multiple=False)
            _merge(found, pod)
        elif obj.kind in TEMPLATES and not _owned(obj, controllers):
            template = template_of(obj) or {}
            _merge(found, _from_template(obj, template))
    return list(found.values())


def _owner(obj: Obj) -> tuple[str, str] | None:
    """The controlling owner that is a workload controller (a static pod's owner is its Node: not one)."""
    for ref in (obj.body.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller") and ref.get("kind") in TEMPLATES and ref.get("name"):
            return str(ref["kind"]), str(ref["name"])
    return None


def _owned(obj: Obj, controllers: set[tuple[str, str, str]]) -> bool:
    owner = _owner(obj)
    return owner is not None and (owner[0], obj.namespace, owner[1]) in controllers


def _from_pod(obj: Obj) -> Workload:
    meta, spec, status = obj.body.get("metadata") or {}, obj.body.get("spec") or {}, obj.body.get("status") or {}
    owner = _owner(obj)
    kind, name = owner if owner else ("Pod", obj.name)
    addresses = [a.get("ip") for a in status.get("podIPs") or [] if isinstance(a, dict)] or [status.get("podIP")]
    return Workload(workload_name(obj.namespace, name, kind), obj.namespace, kind, dict(meta.get("labels") or {}),
                    _ports(spec), bool(spec.get("hostNetwork")), tuple(str(a) for a in addresses if a),
                    multiple=owner is not None)


def _from_template(obj: Obj, template: dict[str, Any]) -> Workload:
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    return Workload(workload_name(obj.namespace, obj.name, obj.kind), obj.namespace, obj.kind,
                    dict(meta.get("labels") or {}), _ports(spec), bool(spec.get("hostNetwork")))


def _ports(spec: dict[str, Any]) -> tuple[NamedPort, ...]:
    out = []
    for container in spec.get("containers") or []:
        for port in (container or {}).get("ports") or []:
            if isinstance(port, dict) and port.get("name"):
                out.append(NamedPort(str(port["name"]), str(port.get("protocol", "TCP")).lower(),
                                     int(port["containerPort"])))
    return tuple(out)


def _merge(found: dict[str, Workload], new: Workload) -> None:
    old = found.get(new.name)
    if old is None:
        found[new.name] = new
        return
    found[new.name] = Workload(
        old.name, old.namespace, old.kind, old.labels, tuple(dict.fromkeys(old.ports + new.ports)),
        old.host_network, tuple(dict.fromkeys(old.addresses + new.addresses)), True)
