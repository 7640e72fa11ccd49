"""Kubernetes rule plan (pure, no pulumi import): neutral CloudPlan -> the NetworkPolicies to apply.

Per segment: its namespace (created and labelled when bulkhead owns it: the only segment
there, selecting every pod), a default-deny policy for both directions on the segment's pods,
and one policy per path and direction: an egress policy on the sender naming the receiver
(namespace by its `kubernetes.io/metadata.name` label + pod labels, or an ipBlock for the
internet and the services) and the mirror ingress policy on the receiver. Each holds one rule
whose ports are the path's merged port set. Names come from the model (`<model>-<src>-to-<dst>-
egress`), so reordering the YAML renames nothing; the rare collision (segments named `a` and
`b-to-c` versus `a-to-b` and `c` in one namespace) is disambiguated by a hash.

Optionally (`clouds.kubernetes.baseline_deny`) a BaselineAdminNetworkPolicy denies everything
in the namespaces bulkhead owns, should a NetworkPolicy ever be deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from ipaddress import IPv4Network
from typing import Any, Literal

from infra.model_kubernetes import Selection, resolve
from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, Path, QuotaUsage
from infra.ports import PortSet
from providers.kubernetes.services import (
    ANYWHERE_V4,
    DNS_ENDPOINT,
    MODEL_LABEL,
    NAME_LABEL,
    PRIVATE_V4,
    PURPOSE_ANNOTATION,
    SEGMENT_LABEL,
    networks,
)

Direction = Literal["Ingress", "Egress"]
Json = dict[str, Any]
MAX_NAME = 253  # NetworkPolicy names are DNS subdomains
BANP_NAME = "default"  # the API allows exactly one BaselineAdminNetworkPolicy, named default
PROTOCOL_NAMES = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}


@dataclass(frozen=True)
class NamespacePlan:
    name: str
    segment: str
    labels: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PolicyPlan:
    """One NetworkPolicy: whose pods it selects and, unless it is a default-deny, one rule."""

    name: str
    namespace: str
    segment: str  # the segment whose pods it selects
    pods: tuple[tuple[str, str], ...]  # the podSelector's matchLabels; () = every pod of the namespace
    direction: Direction | None  # None: the default-deny (both directions, no rule)
    peers: tuple[Json, ...] = ()
    ports: tuple[Json, ...] = ()
    purpose: str = ""

    def manifest(self, model: str) -> Json:
        """The NetworkPolicy as the API takes it (camelCase JSON)."""
        types = ["Ingress", "Egress"] if self.direction is None else [self.direction]
        spec: Json = {"podSelector": {"matchLabels": dict(self.pods)} if self.pods else {}, "policyTypes": types}
        if self.direction is not None:
            key, side = ("ingress", "from") if self.direction == "Ingress" else ("egress", "to")
            spec[key] = [{side: [dict(p) for p in self.peers], "ports": [dict(p) for p in self.ports]}]
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": self.name, "namespace": self.namespace,
                             "labels": {MODEL_LABEL: model, SEGMENT_LABEL: self.segment},
                             "annotations": {PURPOSE_ANNOTATION: self.purpose}},
                "spec": spec}


@dataclass(frozen=True)
class KubernetesRulePlan:
    model: str
    cluster: str
    selections: dict[str, Selection]
    namespaces: tuple[NamespacePlan, ...]
    policies: tuple[PolicyPlan, ...]
    guardrail: Json | None  # the BaselineAdminNetworkPolicy, when the model asks for it

    def policies_of(self, segment: str) -> tuple[str, ...]:
        """The names of the policies that select the segment's pods."""
        return tuple(p.name for p in self.policies if p.segment == segment)


def rule_plan(plan: CloudPlan) -> KubernetesRulePlan:
    picks = resolve({p.segment: (p.settings.get("namespace"), p.settings.get("pods") or {}) for p in plan.segments})
    m = plan.model
    policies = [_default_deny(m, seg, pick) for seg, pick in picks.items()]
    policies += [p for path in _merged(plan.paths) for p in _path_policies(plan, picks, path)]
    namespaces = tuple(NamespacePlan(pick.namespace, seg, ((MODEL_LABEL, m), (SEGMENT_LABEL, seg)))
                       for seg, pick in picks.items() if pick.owned)
    guardrail = _baseline_deny(m, namespaces) if plan.settings.get("baseline_deny") and namespaces else None
    return KubernetesRulePlan(m, plan.region, picks, namespaces, _unique(policies), guardrail)


@dataclass(frozen=True)
class _PairPorts:
    src: str
    dst: str
    ports: dict[str, PortSet]  # protocol -> ports


def _merged(paths: Iterable[Path]) -> list[_PairPorts]:
    """One entry per (src, dst) pair with every protocol's ports: one rule per policy."""
    pairs: dict[tuple[str, str], dict[str, PortSet]] = {}
    for path in paths:
        pairs.setdefault((path.src, path.dst), {})[path.protocol] = path.ports
    return [_PairPorts(src, dst, ports) for (src, dst), ports in pairs.items()]


def _default_deny(model: str, segment: str, pick: Selection) -> PolicyPlan:
    return PolicyPlan(f"{model}-{segment}-default-deny", pick.namespace, segment, _pods(pick), None,
                      purpose=f"{segment}: deny every connection in and out that no other policy allows")


def _path_policies(plan: CloudPlan, picks: dict[str, Selection], pair: _PairPorts) -> list[PolicyPlan]:
    m, src, dst = plan.model, pair.src, pair.dst
    ports = _ports(pair.ports)
    out = []
    if src in picks:
        out.append(PolicyPlan(f"{m}-{src}-to-{_short(dst)}-egress", picks[src].namespace, src, _pods(picks[src]),
                              "Egress", _peers(plan, picks, dst), ports, f"{src} -> {dst}"))
    if dst in picks:
        out.append(PolicyPlan(f"{m}-{src}-to-{dst}-ingress", picks[dst].namespace, dst, _pods(picks[dst]),
                              "Ingress", _peers(plan, picks, src), ports, f"{src} -> {dst}"))
    return out


def _short(endpoint: str) -> str:
    return endpoint.removeprefix(SERVICE_PREFIX)


def _pods(pick: Selection) -> tuple[tuple[str, str], ...]:
    return () if pick.owned else tuple(sorted(pick.pods.items()))


def _peers(plan: CloudPlan, picks: dict[str, Selection], endpoint: str) -> tuple[Json, ...]:
    """How a policy names the far end: a segment's pods, the cluster DNS, the internet or a service's CIDRs."""
    if endpoint in picks:
        pick = picks[endpoint]
        return (_pod_peer(pick.namespace, {} if pick.owned else pick.pods),)
    if endpoint == DNS_ENDPOINT:
        dns = plan.settings.get("dns") or {}
        return (_pod_peer(dns.get("namespace", "kube-system"), dns.get("pods", {"k8s-app": "kube-dns"})),)
    if endpoint == INTERNET:
        return ({"ipBlock": {"cidr": str(ANYWHERE_V4), "except": [str(n) for n in _not_internet(plan)]}},)
    services = plan.settings.get("services") or {}
    return tuple({"ipBlock": {"cidr": str(n)}} for n in networks(services.get(_short(endpoint), ())))


def _pod_peer(namespace: str, pods: dict[str, str]) -> Json:
    return {"namespaceSelector": {"matchLabels": {NAME_LABEL: namespace}},
            "podSelector": {"matchLabels": dict(sorted(pods.items()))} if pods else {}}


def _not_internet(plan: CloudPlan) -> list[IPv4Network]:
    """Carved out of 0.0.0.0/0: private ranges, the cluster's own ranges and the services' CIDRs,
    each once (a range inside another is covered by it)."""
    own = [*networks(plan.settings.get("pod_cidr")), *networks(plan.settings.get("service_cidr"))]
    for cidrs in (plan.settings.get("services") or {}).values():
        own += networks(cidrs)
    candidates = [*PRIVATE_V4, *(n for n in own if isinstance(n, IPv4Network))]
    kept: list[IPv4Network] = []
    for net in sorted(set(candidates), key=lambda n: (n.prefixlen, n)):
        if not any(net.subnet_of(k) for k in kept):
            kept.append(net)
    return sorted(kept)


def _ports(by_protocol: dict[str, PortSet]) -> tuple[Json, ...]:
    entries = []
    for protocol in ("tcp", "udp", "sctp"):
        for lo, hi in by_protocol.get(protocol, PortSet()):
            entry: Json = {"protocol": PROTOCOL_NAMES[protocol], "port": lo}
            if hi > lo:
                entry["endPort"] = hi
            entries.append(entry)
    return tuple(entries)


def _baseline_deny(model: str, namespaces: tuple[NamespacePlan, ...]) -> Json:
    """Deny everything the NetworkPolicies leave unselected in bulkhead's own namespaces."""
    subject = {"namespaces": {"matchExpressions": [
        {"key": NAME_LABEL, "operator": "In", "values": sorted(n.name for n in namespaces)}]}}
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": BANP_NAME, "labels": {MODEL_LABEL: model}},
            "spec": {"subject": subject,
                     "ingress": [{"name": "deny-all-ingress", "action": "Deny", "from": [{"namespaces": {}}]}],
                     "egress": [{"name": "deny-all-egress", "action": "Deny",
                                 "to": [{"namespaces": {}}, {"networks": ["0.0.0.0/0", "::/0"]}]}]}}


def _unique(policies: list[PolicyPlan]) -> tuple[PolicyPlan, ...]:
    """Names that collide in one namespace get a short hash of what they are for."""
    seen: dict[tuple[str, str], int] = {}
    for policy in policies:
        seen[(policy.namespace, policy.name)] = seen.get((policy.namespace, policy.name), 0) + 1
    out = []
    for policy in policies:
        if seen[(policy.namespace, policy.name)] > 1:
            digest = hashlib.sha256(f"{policy.purpose}|{policy.direction}".encode()).hexdigest()[:8]
            policy = replace(policy, name=f"{policy.name}-{digest}")
        out.append(policy)
    return tuple(out)


def quota_usage(plan: CloudPlan) -> list[QuotaUsage]:
    """Per segment: its longest policy name against the API's 253 characters."""
    rp = rule_plan(plan)
    longest: dict[str, int] = {}
    for policy in rp.policies:
        longest[policy.segment] = max(longest.get(policy.segment, 0), len(policy.name))
    return [QuotaUsage("kubernetes", seg, "characters in a NetworkPolicy name", longest.get(seg, 0), MAX_NAME)
            for seg in plan.segment_names()]

