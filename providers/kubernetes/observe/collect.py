"""Read a cluster through the official `kubernetes` client (the only I/O): list calls, read-only.

Each list is written as the API returned it (`<Kind>List` JSON, pages merged, no `continue`
token), one file per resource: `namespaces.json`, `pods.json`, `deployments.json`, ...,
`networkpolicies.json`, and one per policy kind of another engine the cluster serves, named
`<plural>.<group>.json` as kubectl names the resource (`ciliumnetworkpolicies.cilium.io.json`;
a kind whose API is not installed is skipped). The raw body is kept (`_preload_content=False`),
so a snapshot is the API's own JSON. `cluster.json` (bulkhead's own record, not an API
response) says which context and API server were read: it marks the folder as a collected
snapshot, checked file by file against what this module writes (shapes.py), and names the
cluster when the model is not found there. `live_source(context=...)` reads a kubeconfig
context, or the pod's service account with `context="in-cluster"`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from infra.errors import CloudError, UsageError
from infra.registry import needs
from infra.snapshot import Snapshot

IN_CLUSTER = "in-cluster"
PAGE = 500
CLUSTER_FILE = "cluster.json"  # {"context": ..., "server": ...}: which cluster a collected snapshot holds
# file -> (API class, list method) of the kinds bulkhead evaluates
CORE_LISTS: dict[str, tuple[str, str]] = {
    "namespaces": ("CoreV1Api", "list_namespace"),
    "pods": ("CoreV1Api", "list_pod_for_all_namespaces"),
    "services": ("CoreV1Api", "list_service_for_all_namespaces"),
    "replicationcontrollers": ("CoreV1Api", "list_replication_controller_for_all_namespaces"),
    "deployments": ("AppsV1Api", "list_deployment_for_all_namespaces"),
    "replicasets": ("AppsV1Api", "list_replica_set_for_all_namespaces"),
    "statefulsets": ("AppsV1Api", "list_stateful_set_for_all_namespaces"),
    "daemonsets": ("AppsV1Api", "list_daemon_set_for_all_namespaces"),
    "jobs": ("BatchV1Api", "list_job_for_all_namespaces"),
    "cronjobs": ("BatchV1Api", "list_cron_job_for_all_namespaces"),
    "networkpolicies": ("NetworkingV1Api", "list_network_policy_for_all_namespaces"),
}
# Policy kinds of other engines (reported as not evaluated): (group, version, plural)
CUSTOM_LISTS: tuple[tuple[str, str, str], ...] = (
    ("policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies"),
    ("policy.networking.k8s.io", "v1alpha1", "baselineadminnetworkpolicies"),
    ("cilium.io", "v2", "ciliumnetworkpolicies"),
    ("cilium.io", "v2", "ciliumclusterwidenetworkpolicies"),
    ("crd.projectcalico.org", "v1", "networkpolicies"),
    ("crd.projectcalico.org", "v1", "globalnetworkpolicies"),
    ("crd.antrea.io", "v1beta1", "networkpolicies"),
    ("crd.antrea.io", "v1beta1", "clusternetworkpolicies"),
)


@dataclass(frozen=True)
class KubeSource:
    """Where to read from: an ApiClient factory (a kubeconfig context, in-cluster, or a fake's host)."""

    name: str  # the context, for messages
    client: Callable[[], Any]


def live_source(context: str | None = None, region: str | None = None, **_: object) -> KubeSource:
    """A cluster from the kubeconfig (`--context`), or the pod's own service account (`in-cluster`)."""
    if region is not None:
        raise UsageError("kubernetes: a cluster has no region; pass --context (a kubeconfig context, "
                         f"or '{IN_CLUSTER}' inside a pod) instead of --region")
    if not context:
        raise UsageError(f"kubernetes: pass --context (a kubeconfig context, or '{IN_CLUSTER}' inside a pod)")
    config = needs("kubernetes.config", extra="kubernetes")

    def client() -> Any:
        try:
            if context == IN_CLUSTER:
                config.load_incluster_config()
                return needs("kubernetes.client", extra="kubernetes").ApiClient()
            return config.new_client_from_config(context=context)
        except (config.ConfigException, OSError, ValueError) as exc:
            raise UsageError(f"kubernetes: cannot load context '{context}': {_first_line(exc)}; check "
                             "`kubectl config get-contexts`") from None

    return KubeSource(context, client)


def loopback_source(host: str) -> KubeSource:
    """A plain-http API server without credentials (the mocked cluster)."""

    def client() -> Any:
        k8s = needs("kubernetes.client", extra="kubernetes")
        cfg = k8s.Configuration()
        cfg.host = host
        return k8s.ApiClient(cfg)

    return KubeSource(host, client)


def collect(source: KubeSource) -> Snapshot:
    api = source.client()
    k8s = needs("kubernetes.client", extra="kubernetes")
    snapshot: Snapshot = {CLUSTER_FILE: {"context": source.name, "server": str(api.configuration.host)}}
    for name, (api_class, method) in CORE_LISTS.items():
        call = getattr(getattr(k8s, api_class)(api), method)
        snapshot[f"{name}.json"] = _read_all(source, name, call)
    custom = k8s.CustomObjectsApi(api)
    for group, version, plural in CUSTOM_LISTS:
        call = partial(custom.list_cluster_custom_object, group, version, plural)
        found = _read_all(source, plural, call, missing_ok=True)
        if found is not None:
            snapshot[custom_file(group, plural)] = found
    return snapshot


def custom_file(group: str, plural: str) -> str:
    """The file of another engine's policy list: `<plural>.<group>.json`, kubectl's name of the resource."""
    return f"{plural}.{group}.json"


def _read_all(source: KubeSource, what: str, call: Callable[..., Any], missing_ok: bool = False) -> Any:
    """Every page of one list, merged into the first page's document (its `continue` dropped)."""
    errors = needs("kubernetes.client.exceptions", extra="kubernetes")
    transport = needs("urllib3.exceptions", extra="kubernetes")
    document: dict[str, Any] | None = None
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"limit": PAGE, "_preload_content": False}
        if token:
            kwargs["_continue"] = token
        try:
            page = json.loads(call(**kwargs).data)
        except errors.ApiException as exc:
            if missing_ok and exc.status == 404:
                return None
            raise CloudError("kubernetes", "list", f"{what} ({source.name})", f"{exc.status} {exc.reason}") from None
        except (OSError, ValueError, transport.HTTPError) as exc:  # refused, TLS, a body that is not JSON
            raise CloudError("kubernetes", "list", f"{what} ({source.name})", _first_line(exc)) from None
        token = (page.get("metadata") or {}).get("continue")
        if document is None:
            document = page
        else:
            document.setdefault("items", []).extend(page.get("items") or [])
        if not token:
            break
    assert document is not None
    document.setdefault("metadata", {}).pop("continue", None)
    return document


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
