"""The model's Kubernetes keys: `clouds.kubernetes` (a cluster) and `segments.<s>.kubernetes`.

A cluster has no address plan: a segment is a set of pods, chosen by namespace and labels,
and NetworkPolicies are the filters. What the rest of the model means is unchanged; the few
things a cluster cannot express (ICMP alone, services without configured addresses or at
overlapping ones, overlapping pod selections, a segment over the cluster DNS pods) are located
problems here, reported with every other problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from infra.errors import FixableValueError, Problem
from infra.ports import parse_port_spec

if TYPE_CHECKING:
    from infra.model import Model

KUBERNETES = "kubernetes"
DNS_ENDPOINT = "service:cluster-dns"  # the implied path of every segment on a cluster
DNS_PORTS = ("udp/53", "tcp/53")
NAME_LABEL = "kubernetes.io/metadata.name"  # set by the API server on every namespace (1.21+)
RESERVED_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")

ServiceKey = Literal["object-storage", "container-registry", "key-management", "logging", "ml-api"]

# The API's own name rules (also the JSON Schema's patterns, infra/schema.py). Checked with
# fullmatch: `$` also matches before a final newline, so `match` would take "web\n".
LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _label_key(key: str) -> str:
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or not DNS_SUBDOMAIN.fullmatch(prefix)):  # `/tier`: an empty prefix
        raise FixableValueError(f"label key {key!r} has an invalid prefix {prefix!r}",
                                "use a DNS subdomain before the '/', e.g. example.com/tier")
    if not LABEL_NAME.fullmatch(name):
        raise FixableValueError(f"label key {key!r} is not a Kubernetes label name",
                                "use up to 63 letters, digits, '-', '_' or '.', starting and ending "
                                "with a letter or digit")
    return key


def _label_value(value: object) -> object:
    if not isinstance(value, str):
        # YAML reads `tier: 1` or `on: yes` as a number or boolean; Kubernetes label values are text.
        raise FixableValueError(f"label value {value!r} is not text", "quote it, e.g. \"1\"")
    if value and not LABEL_NAME.fullmatch(value):
        raise FixableValueError(f"label value {value!r} is not a Kubernetes label value",
                                "use up to 63 letters, digits, '-', '_' or '.', starting and ending "
                                "with a letter or digit")
    return value


def _namespace(value: str) -> str:
    if len(value) > 63 or not NAMESPACE.fullmatch(value):
        raise FixableValueError(f"{value!r} is not a namespace name",
                                "use up to 63 lowercase letters, digits and '-', starting and ending "
                                "with a letter or digit")
    return value


def _network(value: object) -> object:
    if not isinstance(value, str) or "/" not in value:
        raise FixableValueError(f"{value!r} is not a CIDR", "write it as e.g. 10.244.0.0/16")
    try:
        return ip_network(value)
    except ValueError:
        pass
    try:
        loose = ip_network(value, strict=False)
    except ValueError:
        raise FixableValueError(f"{value!r} is not a CIDR", "write it as e.g. 10.244.0.0/16") from None
    raise FixableValueError(f"{value!r} has host bits set", f"did you mean {loose}?")


LabelKey = Annotated[str, AfterValidator(_label_key)]
LabelValue = Annotated[str, BeforeValidator(_label_value)]
Namespace = Annotated[str, AfterValidator(_namespace)]
Cidr = Annotated[IPv4Network | IPv6Network, BeforeValidator(_network)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class PodSelection(_Frozen):
    """Which pods make up something on the cluster: a namespace and pod labels (none = all its pods)."""

    namespace: Namespace | None = Field(None, description="the namespace (default: the segment's name)")
    pods: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="pod labels that select the segment's pods (default: every pod)")


class ClusterDns(_Frozen):
    namespace: Namespace = "kube-system"
    pods: dict[LabelKey, LabelValue] = Field(default_factory=lambda: {"k8s-app": "kube-dns"})


class KubernetesCloud(_Frozen):
    """`clouds.kubernetes`: one cluster; the kubeconfig context is chosen at run time (--context).

    `baseline_deny` is strict: YAML 1.2 reads `yes`, `on` and `off` as text, which pydantic would
    otherwise turn into true and false.
    """

    cluster: str = Field(min_length=1, description="the cluster's name (a label for reports)")
    pod_cidr: Cidr | None = Field(None, description="pod addresses: excluded from the internet")
    service_cidr: Cidr | None = Field(None, description="ClusterIP addresses: excluded from the internet")
    services: dict[ServiceKey, tuple[Cidr, ...]] = Field(
        default_factory=dict, description="where each neutral service is reached (tcp/443), e.g. a VPC "
        "endpoint subnet")
    dns: ClusterDns = Field(default_factory=ClusterDns, description="the cluster DNS pods (udp+tcp/53)")
    baseline_deny: bool = Field(False, strict=True, description="also apply a BaselineAdminNetworkPolicy deny-all "
                                "(policy.networking.k8s.io/v1alpha1) to the segments' namespaces")

    @field_validator("services", mode="before")
    @classmethod
    def _cidrs_per_service(cls, value: object) -> object:
        if isinstance(value, dict):
            for name, cidrs in value.items():
                if not isinstance(cidrs, list | tuple) or not cidrs:
                    raise FixableValueError(f"service {name!r} needs a list of CIDRs",
                                            f"write {name}: [10.0.5.0/24]")
        return value

    @property
    def implied_egress(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """What every segment on the cluster may reach without a flow saying so: the cluster DNS."""
        return ((DNS_ENDPOINT, DNS_PORTS),)


@dataclass(frozen=True)
class Selection:
    """A segment's pods: its namespace, its labels, and whether bulkhead owns the namespace."""

    namespace: str
    pods: dict[str, str]
    owned: bool  # the only segment there, selecting every pod: bulkhead creates and labels it


def selections(model: Model) -> dict[str, Selection]:
    """Segment -> its pods, for every segment placed on the cluster."""
    placed = [name for name in model.segments if KUBERNETES in model.placement(name)]
    own = {name: model.segments[name].kubernetes for name in placed}
    return resolve({name: (pick.namespace, pick.pods) if pick else (None, {}) for name, pick in own.items()})


def resolve(picks: Mapping[str, tuple[str | None, Mapping[str, str]]]) -> dict[str, Selection]:
    """Segment -> (namespace or None, pod labels) made concrete: the namespace defaults to the
    segment's name, and bulkhead owns a namespace that holds one segment selecting all its pods."""
    users: dict[str, int] = {}
    for name, (namespace, _) in picks.items():
        users[namespace or name] = users.get(namespace or name, 0) + 1
    return {name: Selection(namespace or name, dict(pods), owned=users[namespace or name] == 1 and not pods)
            for name, (namespace, pods) in picks.items()}


def kubernetes_problems(model: Model, flow_index: Sequence[int] | None = None) -> list[Problem]:
    """What a cluster cannot do with this model: each located at the key to change."""
    cloud = model.clouds.kubernetes
    problems = _misplaced(model)
    if cloud is None or not isinstance(cloud, KubernetesCloud):
        return problems
    picks = selections(model)
    problems += _reserved(model, picks) + _overlaps(model, picks) + _services(model, cloud, picks)
    problems += _dns_isolated(model, cloud, picks) + _service_overlaps(cloud)
    problems += _icmp(model, picks, flow_index)
    return problems


def _misplaced(model: Model) -> list[Problem]:
    return [Problem(("segments", name, KUBERNETES),
                    f"segment '{name}' sets kubernetes: but is not placed on kubernetes",
                    "declare clouds.kubernetes and place the segment there, or remove its kubernetes: key", key=True)
            for name, seg in model.segments.items()
            if seg.kubernetes is not None and KUBERNETES not in model.placement(name)]


def _reserved(model: Model, picks: dict[str, Selection]) -> list[Problem]:
    return [Problem(_namespace_loc(model, name), f"namespace '{pick.namespace}' belongs to the cluster itself",
                    "give the segment its own namespace under kubernetes.namespace")
            for name, pick in picks.items() if pick.namespace in RESERVED_NAMESPACES]


def _namespace_loc(model: Model, segment: str) -> tuple[str | int, ...]:
    own = model.segments[segment].kubernetes
    if own is not None and own.namespace is not None:
        return ("segments", segment, KUBERNETES, "namespace")
    return ("segments", segment)


def _may_share_pods(namespace: str, pods: Mapping[str, str], other_namespace: str,
                    other_pods: Mapping[str, str]) -> bool:
    """Whether one pod can match both selections: one namespace, and no label key set to two values."""
    return namespace == other_namespace and not any(k in other_pods and other_pods[k] != v for k, v in pods.items())


def _overlaps(model: Model, picks: dict[str, Selection]) -> list[Problem]:
    """Two segments in one namespace must select disjoint pods: some label key with different values."""
    problems = []
    names = list(picks)
    for i, name in enumerate(names):
        for other in names[:i]:
            a, b = picks[name], picks[other]
            if not _may_share_pods(a.namespace, a.pods, b.namespace, b.pods):
                continue
            for here, there in ((other, name), (name, other)):
                problems.append(Problem(
                    ("segments", here, KUBERNETES) if model.segments[here].kubernetes else ("segments", here),
                    f"segment '{here}' can select the same pods as segment '{there}' in namespace "
                    f"'{a.namespace}' (their pod labels do not differ)",
                    "give both segments pod labels with a key they set to different values, or "
                    "separate namespaces", key=True))
    return problems


def _dns_isolated(model: Model, cloud: KubernetesCloud, picks: dict[str, Selection]) -> list[Problem]:
    """A segment whose pods may be the cluster DNS would put DNS behind its default deny: every segment's
    implied udp+tcp/53 would then be dropped at DNS's side, breaking name resolution cluster-wide."""
    dns = cloud.dns
    return [Problem(
        ("segments", name, KUBERNETES) if model.segments[name].kubernetes else ("segments", name),
        f"segment '{name}' can select the cluster DNS pods ({_labels(dns.pods)} in namespace '{dns.namespace}'): "
        "its default deny would cut every segment off from DNS",
        "give the segment pod labels that the DNS pods do not carry (a key they set to another value), or "
        "its own namespace; or correct clouds.kubernetes.dns if the DNS pods are elsewhere",
        key=True, see=("clouds", KUBERNETES, "dns"))
        for name, pick in picks.items()
        if pick.namespace not in RESERVED_NAMESPACES  # refused already, as the cluster's own namespace
        and _may_share_pods(pick.namespace, pick.pods, dns.namespace, dns.pods)]


def _labels(pods: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in pods.items()) or "every pod"


def _service_overlaps(cloud: KubernetesCloud) -> list[Problem]:
    """Two services at overlapping ranges: a policy allowing one would also reach the other's endpoints."""
    problems = []
    ranges = [(name, i, net) for name, nets in cloud.services.items() for i, net in enumerate(nets)]
    for at, (name, i, net) in enumerate(ranges):
        for other, j, other_net in ranges[:at]:
            if other != name and net.version == other_net.version and net.overlaps(other_net):
                problems.append(Problem(
                    ("clouds", KUBERNETES, "services", name, i),
                    f"{net} of service {name} overlaps {other_net} of service {other}: allowing either would "
                    "also open the other's endpoints",
                    "give each service the addresses of its own endpoints only",
                    see=("clouds", KUBERNETES, "services", other, j)))
    return problems


def _services(model: Model, cloud: KubernetesCloud, picks: dict[str, Selection]) -> list[Problem]:
    problems = []
    for name in picks:
        for i, service in enumerate(model.segments[name].services):
            if service not in cloud.services:
                problems.append(Problem(
                    ("segments", name, "services", i),
                    f"service '{service}' has no addresses on kubernetes",
                    f"list its CIDRs under clouds.kubernetes.services.{service} (e.g. the private endpoint's subnet)"))
    return problems


def _icmp(model: Model, picks: dict[str, Selection],
          flow_index: Sequence[int] | None) -> list[Problem]:
    """NetworkPolicies name TCP, UDP and SCTP ports only; ICMP passes only where every protocol does."""
    fix = ("NetworkPolicies cannot allow ICMP without opening every protocol; remove icmp here or "
           "keep one of the segments off kubernetes (clouds: [...])")
    problems = []
    index = range(len(model.flows)) if flow_index is None else flow_index
    for i, flow in zip(index, model.flows, strict=True):
        if flow.from_ not in picks or not any(t in picks for t in flow.targets()):
            continue
        problems += [Problem(("flows", i, "ports", j), "icmp cannot be allowed on kubernetes", fix)
                     for j, spec in enumerate(flow.ports) if _is_icmp(spec)]
    for name in picks:
        internet = model.segments[name].internet
        for key, specs in (("ingress", internet.ingress), ("egress", internet.egress)):
            problems += [Problem(("segments", name, "internet", key, j), "icmp cannot be allowed on kubernetes", fix)
                         for j, spec in enumerate(specs) if _is_icmp(spec)]
    return problems


def _is_icmp(spec: object) -> bool:
    try:
        return parse_port_spec(spec)[0] == "icmp"
    except ValueError:
        return False
