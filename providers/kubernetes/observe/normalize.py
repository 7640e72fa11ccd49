"""Raw Kubernetes snapshot (API lists or a manifest folder) -> infra.reach.Network (pure).

Endpoints. Without a model (`audit`), every workload is an endpoint (`namespace/name[Kind]`),
plus `internet` (every address outside the cluster). With a model, a workload belongs to the
segment whose namespace and pod labels select it; the cluster DNS pods are
`service:cluster-dns`; a service is the CIDRs the model gives it; the internet is every
address outside the pod and service ranges and the services; any other workload is its own
endpoint, and only pairs that involve a segment are proven (what two unmodelled workloads do
is outside the model). Each segment also gets one notional workload carrying exactly its
selection's labels: it stands for the pods the model describes, launched or not, so an empty
cluster still proves its policies (real workloads count as well).

The semantics of NetworkPolicies are in policies.py (what a policy says) and filters.py (who
it selects, which peers it names, named ports); chains.py spells out the pairs that can talk.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.errors import UsageError
from infra.model import Model
from infra.model_kubernetes import KubernetesCloud, Selection, selections
from infra.ports import ALL_PROTOCOLS
from infra.reach import INTERNET, SERVICE_PREFIX, Engine, Network, Posture
from infra.snapshot import CheckedSnapshot, Snapshot
from providers.kubernetes.observe import object_shapes, posture
from providers.kubernetes.observe.addresses import EVERYTHING, Addresses, PodAddresses
from providers.kubernetes.observe.baseline import baseline, is_baseline
from providers.kubernetes.observe.chains import Place, build_chains
from providers.kubernetes.observe.exposures import exposures
from providers.kubernetes.observe.filters import Cluster, Outside
from providers.kubernetes.observe.objects import Obj, objects
from providers.kubernetes.observe.policies import policy
from providers.kubernetes.observe.workloads import NOTIONAL, Workload, workload_name, workloads
from providers.kubernetes.services import DNS_ENDPOINT

MAX_SHOWN = 20


@dataclass(frozen=True)
class Intent:
    """What the model says about the cluster that the normalizer needs to name endpoints."""

    picks: dict[str, Selection]
    cloud: KubernetesCloud
    dns: Selection


def normalize(snapshot: Snapshot, model: Model | None) -> Network:
    objs = list(objects(snapshot))
    if not isinstance(snapshot, CheckedSnapshot):  # the manifest reader checked (and located) them already
        check(objs)
    found = workloads(objs)
    namespaces = {o.name: dict((o.body.get("metadata") or {}).get("labels") or {}) for o in objs
                  if o.kind == "Namespace"}
    policies = [policy(o) for o in objs if o.kind == "NetworkPolicy" and o.group in ("networking.k8s.io",
                                                                                      "extensions")]
    intent = _intent(model)
    if intent is not None:
        found += _notional(intent, found)
    baselines = [baseline(o) for o in objs if is_baseline(o)]
    cluster = Cluster(namespaces, found, policies, _outside(intent), baselines)
    places = [Place(f, *_endpoint(f.workload, intent)) for f in cluster.filters()]
    outside = [INTERNET, *cluster.outside.services]
    chains = build_chains(places, outside, focused=intent is not None, wanted=_wanted(model))
    network = Network(cloud="kubernetes", endpoints=_endpoints(places, intent, model), chains=chains,
                      posture=tuple(_posture(objs, cluster, places, intent)), protocols=ALL_PROTOCOLS)
    if intent is None:
        network = Network(network.cloud, network.endpoints, chains, network.posture,
                          tuple(exposures(Engine(network), places, objs)), protocols=network.protocols)
    return network


def check(objs: list[Obj]) -> None:
    """Refuse objects the API would refuse; the manifest reader has located them already."""
    found = [f"{o.origin}: {o.ref()}: {'.'.join(map(str, p.path))}: {p.message}; {p.fix}"
             for o in objs for p in object_shapes.problems(o)]
    if found:
        more = f" (and {len(found) - MAX_SHOWN} more)" if len(found) > MAX_SHOWN else ""
        raise UsageError("the snapshot has objects the API server would refuse:\n" + "\n".join(found[:MAX_SHOWN])
                         + more)


def _intent(model: Model | None) -> Intent | None:
    if model is None or model.clouds.kubernetes is None:
        return None
    cloud = model.clouds.kubernetes
    return Intent(selections(model), cloud, Selection(cloud.dns.namespace, dict(cloud.dns.pods), owned=False))


def _outside(intent: Intent | None) -> Outside:
    if intent is None:
        return Outside()
    cloud = intent.cloud
    services = {SERVICE_PREFIX + name: Addresses.of(cidrs) for name, cidrs in cloud.services.items()}
    cluster = Addresses.of([n for n in (cloud.pod_cidr, cloud.service_cidr) if n is not None])
    internet = EVERYTHING - cluster
    for addresses in services.values():
        internet = internet - addresses
    return Outside(internet, services)


def _notional(intent: Intent, found: list[Workload]) -> list[Workload]:
    """One workload per segment with exactly its selection's labels; the DNS too if none was found."""
    extra = [Workload(workload_name(pick.namespace, segment, NOTIONAL), pick.namespace, NOTIONAL, dict(pick.pods))
             for segment, pick in intent.picks.items()]
    dns = intent.dns
    if not any(_selected(w, dns) for w in found):
        extra.append(Workload(workload_name(dns.namespace, DNS_ENDPOINT.removeprefix(SERVICE_PREFIX), NOTIONAL),
                              dns.namespace, NOTIONAL, dict(dns.pods)))
    return extra


def _selected(w: Workload, pick: Selection) -> bool:
    return w.namespace == pick.namespace and all(w.labels.get(k) == v for k, v in pick.pods.items())


def _endpoint(w: Workload, intent: Intent | None) -> tuple[str, bool]:
    """The endpoint a workload counts for, and whether it is a segment's (proven in every pair)."""
    if intent is None:
        return w.name, False
    for segment, pick in intent.picks.items():
        if _selected(w, pick):
            return segment, True
    if _selected(w, intent.dns):
        return DNS_ENDPOINT, False
    return w.name, False


def _wanted(model: Model | None) -> list[tuple[str, str]]:
    """The endpoint pairs the model intends on the cluster (only where to look, never what passes)."""
    if model is None or model.clouds.kubernetes is None:
        return []
    placed = [s for s in model.segments if "kubernetes" in model.placement(s)]
    pairs = [(flow.from_, dst) for flow in model.flows for dst in flow.targets()
             if flow.from_ in placed and dst in placed]
    for name in placed:
        segment = model.segments[name]
        pairs += [(INTERNET, name)] if segment.internet.ingress else []
        pairs += [(name, INTERNET)] if segment.internet.egress else []
        pairs += [(name, SERVICE_PREFIX + s) for s in segment.services]
        pairs += [(name, endpoint) for endpoint, _ in model.implied_egress("kubernetes")]
    return pairs


def _endpoints(places: list[Place], intent: Intent | None, model: Model | None) -> tuple[str, ...]:
    if intent is None or model is None:
        return (*sorted({p.endpoint for p in places}), INTERNET)
    return (*intent.picks, INTERNET, DNS_ENDPOINT, *(SERVICE_PREFIX + s for s in intent.cloud.services))


def _posture(objs: list[Obj], cluster: Cluster, places: list[Place], intent: Intent | None) -> list[Posture]:
    out = posture.not_evaluated(objs)
    if intent is None:
        return out
    pod_range = Addresses.of([intent.cloud.pod_cidr] if intent.cloud.pod_cidr else [])
    pods = PodAddresses(a for w in cluster.workloads for a in w.addresses)
    namespaces = {pick.namespace for pick in intent.picks.values()}
    out += posture.host_network(places) + posture.not_isolated(places)
    out += posture.unsegmented(places, namespaces, DNS_ENDPOINT)
    out += posture.ipblocks_over_pods(cluster, pod_range, pods) + posture.named_ports(cluster)
    return out


