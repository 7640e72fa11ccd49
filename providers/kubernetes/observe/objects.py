"""A snapshot's documents -> the Kubernetes objects bulkhead reads, each with where it came from.

A snapshot maps a file name to one document (what `collect` writes: the API's `<Kind>List`
responses) or to a list of documents (a manifest file with several `---` documents). Lists
(`kind: List`, and typed lists such as `PodList`, whose items usually omit `kind`) are opened;
documents that are not Kubernetes objects (no `apiVersion` and `kind`) are ignored; objects of
kinds bulkhead does not read (ConfigMaps, ...) are dropped; policy kinds it does not evaluate
are kept so they are reported, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infra.snapshot import Snapshot

Json = dict[str, Any]

# Kinds whose pods are workloads, and where their pod template is.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"), "ReplicaSet": ("spec", "template"), "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"), "Job": ("spec", "template"), "ReplicationController": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
CORE = {"Namespace", "Pod", "Service"}  # core/v1 kinds read besides the templates
BASELINE = ("policy.networking.k8s.io", "BaselineAdminNetworkPolicy")  # evaluated (baseline.py)
NETWORK_POLICY_GROUPS = ("networking.k8s.io", "extensions")
# Policy kinds other engines enforce next to (or before) NetworkPolicies; bulkhead does not
# evaluate them, and reports each one found.
NOT_EVALUATED: dict[tuple[str, str], str] = {
    ("policy.networking.k8s.io", "AdminNetworkPolicy"): "evaluated before NetworkPolicies; can allow what they deny",
    ("cilium.io", "CiliumNetworkPolicy"): "Cilium enforces it in addition to NetworkPolicies",
    ("cilium.io", "CiliumClusterwideNetworkPolicy"): "Cilium enforces it cluster-wide",
    ("crd.projectcalico.org", "NetworkPolicy"): "Calico orders it with NetworkPolicies; it can allow or deny",
    ("crd.projectcalico.org", "GlobalNetworkPolicy"): "Calico enforces it cluster-wide; it can allow or deny",
    ("projectcalico.org", "NetworkPolicy"): "Calico orders it with NetworkPolicies; it can allow or deny",
    ("projectcalico.org", "GlobalNetworkPolicy"): "Calico enforces it cluster-wide; it can allow or deny",
    ("crd.antrea.io", "NetworkPolicy"): "Antrea evaluates it before NetworkPolicies",
    ("crd.antrea.io", "ClusterNetworkPolicy"): "Antrea evaluates it before NetworkPolicies",
    ("k8s.cni.cncf.io", "MultiNetworkPolicy"): "applies to secondary networks bulkhead does not model",
}


@dataclass(frozen=True)
class Origin:
    """Where an object is: a snapshot file, the document in it, the List item (if any)."""

    file: str
    document: int
    item: int | None = None

    def path(self) -> tuple[str | int, ...]:
        """The object's path inside its document."""
        return () if self.item is None else ("items", self.item)

    def __str__(self) -> str:
        doc = f" (document {self.document + 1})" if self.document else ""
        return f"{self.file}{doc}" + (f" items[{self.item}]" if self.item is not None else "")


@dataclass(frozen=True)
class Obj:
    kind: str
    group: str  # "" for core/v1
    body: Json
    origin: Origin

    @property
    def name(self) -> str:
        return str((self.body.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str:
        """The object's namespace; `default` when a manifest leaves it out, as kubectl applies it."""
        return str((self.body.get("metadata") or {}).get("namespace") or "default")

    def ref(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.kind != "Namespace" else f"Namespace {self.name}"


def group_of(api_version: object) -> str:
    text = str(api_version or "")
    return text.rsplit("/", 1)[0] if "/" in text else ""


def is_read(kind: str, group: str) -> bool:
    """Whether bulkhead reads this kind (workloads, namespaces, services, policies)."""
    if (group, kind) in NOT_EVALUATED or (group, kind) == BASELINE:
        return True
    if kind == "NetworkPolicy":
        return group in NETWORK_POLICY_GROUPS
    return (kind in CORE and group == "") or (kind in TEMPLATES and group in ("apps", "batch", "extensions", ""))


def objects(snapshot: Snapshot) -> Iterator[Obj]:
    """Every object bulkhead reads, in file order, Lists opened."""
    for file in sorted(snapshot):
        documents = snapshot[file]
        for index, document in enumerate(documents if isinstance(documents, list) else [documents]):
            yield from _opened(document, Origin(file, index))


def _opened(document: Any, origin: Origin) -> Iterator[Obj]:
    if not isinstance(document, dict):
        return
    kind = document.get("kind")
    if not isinstance(kind, str):
        return
    if kind == "List" or (kind.endswith("List") and isinstance(document.get("items"), list)):
        item_kind = kind[:-len("List")] if kind != "List" else None
        for i, item in enumerate(document.get("items") or []):
            if not isinstance(item, dict):
                continue
            own = item.get("kind") or item_kind
            version = item.get("apiVersion") or document.get("apiVersion")
            if isinstance(own, str) and is_read(own, group_of(version)):
                yield Obj(own, group_of(version), item, Origin(origin.file, origin.document, i))
        return
    if "apiVersion" in document and is_read(kind, group_of(document["apiVersion"])):
        yield Obj(kind, group_of(document["apiVersion"]), document, origin)


def template_of(obj: Obj) -> Json | None:
    """The pod template of a template-bearing object (None if the path is missing)."""
    node: Any = obj.body
    for step in TEMPLATES[obj.kind]:
        node = node.get(step) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None
