"""The collected Kubernetes snapshot's files as collect.py writes them, checked before normalizing.

A folder holding `cluster.json` was written by `bulkhead collect --cloud kubernetes` (or
`simulate --snapshot-out`): one `<Kind>List` per resource, the API's own JSON. Each file must
be the list its name says (`pods.json` a PodList, ...), its `items` a list (the API writes `[]`
for an empty one, never null) of objects with `metadata.name`; labels and annotations are
text. Then every object bulkhead reads is checked as the API server would check it
(object_shapes.py: selectors, peers, ports, pod templates), each problem at its JSON path.
Every list is required: the collector always writes them all, and a missing `namespaces.json`
or `pods.json` would read as a cluster without namespace labels or workloads.

A folder without `cluster.json` is a folder of manifests (manifests.py), with checks and
located messages of its own; this layout then only names the cloud a folder of another
cloud's snapshot looks like.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import create_model

from infra.errors import SnapshotProblem
from infra.shapes import FileShape, Layout, Shape, absent, json_path
from providers.kubernetes.observe import object_shapes
from providers.kubernetes.observe.collect import CLUSTER_FILE, CORE_LISTS, CUSTOM_LISTS, custom_file
from providers.kubernetes.observe.objects import objects

# file stem -> the list kind the API returns for it
LIST_KINDS = {
    "namespaces": "NamespaceList", "pods": "PodList", "services": "ServiceList",
    "replicationcontrollers": "ReplicationControllerList", "deployments": "DeploymentList",
    "replicasets": "ReplicaSetList", "statefulsets": "StatefulSetList", "daemonsets": "DaemonSetList",
    "jobs": "JobList", "cronjobs": "CronJobList", "networkpolicies": "NetworkPolicyList",
}
assert set(LIST_KINDS) == set(CORE_LISTS)  # every list collect.py writes has its shape here


class OwnerReference(Shape):
    kind: str
    name: str
    controller: bool = absent()


class Metadata(Shape):
    name: str
    namespace: str = absent()
    labels: dict[str, str] = absent()
    annotations: dict[str, str] = absent()
    ownerReferences: list[OwnerReference] = absent()


class Item(Shape):
    metadata: Metadata
    apiVersion: str = absent()
    kind: str = absent()


class ClusterFile(Shape):
    context: str
    server: str = absent()


class CustomList(Shape):
    """Another engine's policies (CustomObjectsApi): items carry their own kind and apiVersion."""

    kind: str
    apiVersion: str = absent()
    items: list[Item]


def _list_of(kind: str) -> type[Shape]:
    """`{"kind": "<kind>", "items": [...]}`: the list one file holds, and no other."""
    exactly: Any = Literal[kind]  # a Literal of a value known at run time
    return create_model(f"{kind}File", __base__=Shape, kind=(exactly, ...), apiVersion=(str, absent()),
                        items=(list[Item], ...))


def object_problems(name: str, document: Any) -> list[SnapshotProblem]:
    """What the API server would refuse in the objects of one list, at each one's JSON path."""
    return [SnapshotProblem(name, json_path(obj.origin.path() + problem.path), f"{obj.ref()}: {problem.message}",
                            problem.fix)
            for obj in objects({name: document}) for problem in object_shapes.problems(obj)]


COLLECT = "bulkhead collect --cloud kubernetes --context <context> --out DIR"
SNAPSHOT_LAYOUT = Layout("kubernetes", "cluster", (
    FileShape(CLUSTER_FILE, ClusterFile, "bulkhead collect's record of the context read", required=True),
    *(FileShape(f"{stem}.json", _list_of(kind), f"{api}.{method}", required=True)
      for stem, kind in LIST_KINDS.items() for api, method in [CORE_LISTS[stem]]),
    *(FileShape(custom_file(group, plural), CustomList, f"CustomObjectsApi.list_cluster_custom_object({group}, "
                f"{version}, {plural}), when the cluster serves it") for group, version, plural in CUSTOM_LISTS),
), COLLECT, more=object_problems)
