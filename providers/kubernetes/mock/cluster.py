"""The state of the mocked cluster: objects by resource, stored as the API server returns them.

Every object goes through the official client's own model class (`V1NetworkPolicy`,
`V1Namespace`, `V1Pod`, ...) and back to JSON, so what the fake serves has the API's shape
(camelCase, ints where the API has ints) and a malformed one is refused as the API would.
The server adds what the API server adds: `kubernetes.io/metadata.name` on namespaces, a uid,
a resourceVersion, a creation timestamp.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s

Json = dict[str, Any]
NAME_LABEL = "kubernetes.io/metadata.name"
CREATED = "2026-01-01T00:00:00Z"


@dataclass(frozen=True)
class Resource:
    """One list endpoint: its URL prefix, plural, list kind, and the client model class of an item."""

    prefix: str  # "/api/v1" or "/apis/<group>/<version>"
    plural: str
    kind: str
    model: str | None  # None for custom resources (served as given)
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return "v1" if self.prefix == "/api/v1" else self.prefix.removeprefix("/apis/")


BUILT_IN = (
    Resource("/api/v1", "namespaces", "Namespace", "V1Namespace", namespaced=False),
    Resource("/api/v1", "pods", "Pod", "V1Pod"),
    Resource("/api/v1", "services", "Service", "V1Service"),
    Resource("/api/v1", "replicationcontrollers", "ReplicationController", "V1ReplicationController"),
    Resource("/apis/apps/v1", "deployments", "Deployment", "V1Deployment"),
    Resource("/apis/apps/v1", "replicasets", "ReplicaSet", "V1ReplicaSet"),
    Resource("/apis/apps/v1", "statefulsets", "StatefulSet", "V1StatefulSet"),
    Resource("/apis/apps/v1", "daemonsets", "DaemonSet", "V1DaemonSet"),
    Resource("/apis/batch/v1", "jobs", "Job", "V1Job"),
    Resource("/apis/batch/v1", "cronjobs", "CronJob", "V1CronJob"),
    Resource("/apis/networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", "V1NetworkPolicy"),
)
# Served only once something of the kind exists (a cluster without the CRD answers 404).
CUSTOM = (
    Resource("/apis/policy.networking.k8s.io/v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy", None, False),
    Resource("/apis/policy.networking.k8s.io/v1alpha1", "baselineadminnetworkpolicies",
             "BaselineAdminNetworkPolicy", None, False),
    Resource("/apis/cilium.io/v2", "ciliumnetworkpolicies", "CiliumNetworkPolicy", None),
)
BY_KIND = {r.kind: r for r in (*BUILT_IN, *CUSTOM)}


class Cluster:
    """Objects keyed by resource plural, then (namespace, name); thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.store: dict[str, dict[tuple[str, str], Json]] = {}
        self.api = k8s.ApiClient()
        self.version = 0

    def put(self, obj: Json) -> Json:
        """Create or replace an object given as API JSON (kind and apiVersion included)."""
        resource = BY_KIND[obj["kind"]]
        shaped = self._shaped(resource, _ints(obj))
        meta = shaped.setdefault("metadata", {})
        if resource.namespaced:
            meta.setdefault("namespace", "default")
        if resource.kind == "Namespace":
            meta.setdefault("labels", {})[NAME_LABEL] = meta["name"]
        with self.lock:
            self.version += 1
            key = (meta.get("namespace", ""), meta["name"])
            old = self.store.setdefault(resource.plural, {}).get(key)
            meta["uid"] = (old or {}).get("metadata", {}).get("uid") or str(uuid.uuid5(uuid.NAMESPACE_URL, repr(key)))
            meta["resourceVersion"] = str(self.version)
            meta.setdefault("creationTimestamp", CREATED)
            self.store[resource.plural][key] = shaped
        return copy.deepcopy(shaped)

    def delete(self, kind: str, namespace: str, name: str) -> None:
        with self.lock:
            del self.store[BY_KIND[kind].plural][(namespace, name)]

    def get(self, kind: str, namespace: str, name: str) -> Json:
        with self.lock:
            return copy.deepcopy(self.store[BY_KIND[kind].plural][(namespace, name)])

    def items(self, plural: str) -> list[Json]:
        with self.lock:
            return copy.deepcopy([self.store.get(plural, {})[k] for k in sorted(self.store.get(plural, {}))])

    def served(self, plural: str) -> bool:
        return any(r.plural == plural for r in BUILT_IN) or bool(self.store.get(plural))

    def state(self) -> dict[str, dict[tuple[str, str], Json]]:
        with self.lock:
            return copy.deepcopy(self.store)

    def restore(self, state: dict[str, dict[tuple[str, str], Json]]) -> None:
        with self.lock:
            self.store = copy.deepcopy(state)

    def _shaped(self, resource: Resource, obj: Json) -> Json:
        if resource.model is None:
            return copy.deepcopy(obj)
        model = self.api.deserialize(json.dumps(obj), resource.model, "application/json")
        shaped: Json = self.api.sanitize_for_serialization(model)
        shaped.pop("kind", None)  # list items carry neither, as the API serves them
        shaped.pop("apiVersion", None)
        return shaped


def _ints(value: Any) -> Any:
    """The Pulumi mock runtime sends every number as a float (6379.0): the API has ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value
