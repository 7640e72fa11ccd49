"""Whether the model is in the cluster read at all; if not, say which cluster was read (one line, exit 2).

A segment lives in a namespace (its own, or a shared one with pod labels). The model is in a
cluster, however partially, when one of its segments' namespaces is there: as a Namespace,
or as the namespace of any object read (a folder of manifests may hold only the policies and
workloads of namespaces that exist already). Missing policies or pods are then findings of
the verifier. None of its namespaces means the wrong kubeconfig context was read, or a
snapshot or manifest folder of another cluster, and a report of "paths" between notional pods
would only hide that.
"""

from __future__ import annotations

from infra.model import Model
from infra.model_kubernetes import selections
from infra.shapes import wrong_place
from infra.snapshot import Snapshot
from providers.kubernetes.observe.collect import CLUSTER_FILE
from providers.kubernetes.observe.objects import TEMPLATES, objects
from providers.kubernetes.services import MODEL_LABEL

SHOWN = 5  # namespaces named in the message
NAMESPACED = {"Pod", "Service", "NetworkPolicy", *TEMPLATES}  # kinds read that live in a namespace


def check_placement(snapshot: Snapshot, model: Model) -> None:
    wanted = sorted({pick.namespace for pick in selections(model).values()})
    found = namespaces_read(snapshot)
    if not wanted or found & set(wanted):
        return
    cluster = model.clouds.kubernetes.cluster if model.clouds.kubernetes is not None else None
    where, context = _where(snapshot)
    listed = ", ".join(sorted(found)[:SHOWN]) + (", ..." if len(found) > SHOWN else "")
    raise wrong_place(
        model.name, "kubernetes", where,
        f"{len(found)} namespace(s) read{' (' + listed + ')' if listed else ''}, none of the model's",
        f"the namespace(s) {', '.join(wanted)} (bulkhead's stack labels those it creates {MODEL_LABEL}={model.name})",
        f"cluster {cluster}" if cluster and context not in (None, cluster) else None)


def namespaces_read(snapshot: Snapshot) -> set[str]:
    """Every namespace the snapshot shows: Namespaces, and the namespaces of the objects in it."""
    return {obj.name if obj.kind == "Namespace" else obj.namespace for obj in objects(snapshot)
            if obj.kind == "Namespace" or obj.kind in NAMESPACED}


def _where(snapshot: Snapshot) -> tuple[str, str | None]:
    """How to name the cluster read, and its kubeconfig context when a collect recorded it."""
    record = snapshot.get(CLUSTER_FILE)
    if isinstance(record, dict) and isinstance(record.get("context"), str):
        context, server = record["context"], record.get("server")
        return f"context {context}{f' ({server})' if server and server != context else ''}", context
    return f"the manifests read ({len(snapshot)} file(s))", None
