"""Read a GCP project through google-cloud-compute into a raw snapshot (the only I/O of verify).

Files (docs/snapshot-formats.md, GCP section), each the API's JSON with every page merged
into one `items` list:
  <project>/networks.json, firewalls.json, routes.json,
  <project>/subnetworks-<region>.json, routers-<region>.json,
  <project>/effective-firewalls-<network>.json   (networks.getEffectiveFirewalls: VPC rules
                                                  plus hierarchical / network policies)
  <project>/iam-policy.json                      (Resource Manager projects.getIamPolicy)
  <project>/instances.json                       (instances.aggregatedList, every zone's items
                                                 in one list: audit's exposures)
Every call is a read. API failures become CloudError (exit 3) naming the call. The calls run
at once (infra/concurrent_reads.py), each with its own client (the REST transport's HTTP
session is not shared between threads) and the SDK's default retry policy; each list still
pages through its results in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from infra.concurrent_reads import DEFAULT_WORKERS, read_concurrently
from infra.errors import CloudError
from infra.registry import needs
from infra.snapshot import Snapshot

RESOURCE_MANAGER = "https://cloudresourcemanager.googleapis.com"


@dataclass(frozen=True)
class Source:
    """Where to read: a project and region; `endpoint` None means Google's real APIs."""

    project: str
    region: str
    endpoint: str | None = None
    anonymous: bool = False  # the loopback fake needs no credentials


def live_source(region: str, project: str | None = None, endpoint: str | None = None, **_: object) -> Source:
    """A real project, read with Application Default Credentials.

    The CLI passes only `region`; the project then comes from GOOGLE_CLOUD_PROJECT (or
    CLOUDSDK_CORE_PROJECT), else from the Application Default Credentials.
    """
    import os

    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("CLOUDSDK_CORE_PROJECT")
    if not project:
        project = _default_project()
    return Source(project=project, region=region, endpoint=endpoint)


def _default_project() -> str:
    needs("google.auth", extra="gcp")  # a missing SDK names the extra, not an ImportError
    from google.auth import default
    from google.auth.exceptions import GoogleAuthError

    try:
        _, project = default()
    except GoogleAuthError as exc:
        raise CloudError("gcp", "authenticate", "application default credentials",
                         f"{exc}; run `gcloud auth application-default login`") from None
    if not project:
        raise CloudError("gcp", "find project", "application default credentials",
                         "no project is set; export GOOGLE_CLOUD_PROJECT=<project id>")
    return str(project)


def _credentials(source: Source) -> Any:
    from google.auth import default
    from google.auth.credentials import AnonymousCredentials
    from google.auth.exceptions import GoogleAuthError

    if source.anonymous:
        return AnonymousCredentials()
    try:
        credentials, _ = default(scopes=["https://www.googleapis.com/auth/cloud-platform.read-only"])
    except GoogleAuthError as exc:
        raise CloudError("gcp", "authenticate", f"projects/{source.project}",
                         f"{exc}; run `gcloud auth application-default login`") from None
    return credentials


def _items(messages: Iterable[Any]) -> dict[str, list[Any]]:
    return {"items": [json.loads(type(m).to_json(m)) for m in messages]}


def _call(operation: str, resource: str, read: Callable[[], Any]) -> Any:
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError
    from requests import RequestException

    try:
        return read()
    except (GoogleAPIError, GoogleAuthError, RequestException) as exc:
        raise CloudError("gcp", operation, resource, str(exc).splitlines()[0]) from None


def collect(source: Source, workers: int = DEFAULT_WORKERS) -> Snapshot:
    """Read the project's network state; `workers` calls run at once (1: one after the other)."""
    compute_v1 = needs("google.cloud.compute_v1", extra="gcp")  # first: _credentials imports google.auth

    credentials = _credentials(source)
    options = {"api_endpoint": source.endpoint} if source.endpoint else None
    p, r = source.project, source.region

    def client(cls: Any) -> Any:
        return cls(credentials=credentials, client_options=options, transport="rest")

    def listing(operation: str, resource: str, cls: Any, **where: str) -> Callable[[], Any]:
        return lambda: _call(operation, resource, lambda: _items(client(cls).list(**where)))

    def effective_firewalls(name: Hashable, networks: Any) -> dict[Hashable, Callable[[], Any]]:
        if name != f"{p}/networks.json":
            return {}
        # a network without a name is left to the snapshot check (infra/shapes.py), which reports it
        names = [n["name"] for n in networks.get("items", []) if isinstance(n, dict) and isinstance(n.get("name"), str)]
        return {f"{p}/effective-firewalls-{n}.json": partial(
            _call, "get effective firewalls", f"projects/{p}/global/networks/{n}",
            _effective(client(compute_v1.NetworksClient), p, n)) for n in names}

    def instances() -> Any:
        def every_zone() -> Any:
            scoped = client(compute_v1.InstancesClient).aggregated_list(project=p)
            return _items(i for _, zone in scoped for i in zone.instances)
        return _call("list instances", f"projects/{p}", every_zone)

    return cast(Snapshot, read_concurrently({
        f"{p}/networks.json": listing("list networks", f"projects/{p}", compute_v1.NetworksClient, project=p),
        f"{p}/firewalls.json": listing("list firewalls", f"projects/{p}", compute_v1.FirewallsClient, project=p),
        f"{p}/routes.json": listing("list routes", f"projects/{p}", compute_v1.RoutesClient, project=p),
        f"{p}/subnetworks-{r}.json": listing("list subnetworks", f"projects/{p}/regions/{r}",
                                             compute_v1.SubnetworksClient, project=p, region=r),
        f"{p}/routers-{r}.json": listing("list routers", f"projects/{p}/regions/{r}",
                                         compute_v1.RoutersClient, project=p, region=r),
        f"{p}/iam-policy.json": lambda: _iam_policy(source, credentials),
        f"{p}/instances.json": instances,
    }, workers, then=effective_firewalls))


def _effective(networks: Any, project: str, network: str) -> Callable[[], Any]:
    from google.cloud import compute_v1

    def read() -> Any:
        response = networks.get_effective_firewalls(project=project, network=network)
        return json.loads(compute_v1.NetworksGetEffectiveFirewallsResponse.to_json(response))

    return read


def _iam_policy(source: Source, credentials: Any) -> Any:
    """Project IAM bindings: which identity may use which Google API (see services.py)."""
    from google.auth.transport.requests import AuthorizedSession

    base = source.endpoint or RESOURCE_MANAGER
    resource = f"projects/{source.project}"

    def read() -> Any:
        response = AuthorizedSession(credentials).post(f"{base}/v1/{resource}:getIamPolicy", json={}, timeout=60)
        if response.status_code != 200:
            raise CloudError("gcp", "get IAM policy", resource, f"HTTP {response.status_code}: {response.text[:200]}")
        return response.json()

    return _call("get IAM policy", resource, read)
