"""BaselineAdminNetworkPolicy (`policy.networking.k8s.io/v1alpha1`, the cluster's singleton `default`).

It is the lowest tier: it decides only for pods that no NetworkPolicy isolates in that
direction (a NetworkPolicy's implicit deny wins over it), walking its rules in order, first
match wins (`Allow` or `Deny`), and allowing what none of them matches. So for such a pod the
filter is ordered: the baseline's rules, then `k8s:not-isolated/...` for the rest.

- `subject`: `namespaces` (a selector on namespace labels) or `pods` (`namespaceSelector` AND
  `podSelector`);
- peers: `namespaces` (every pod of them), `pods` (the AND), and for egress `networks`
  (CIDRs: the endpoints outside the cluster they overlap for an Allow, that they cover
  completely for a Deny); `nodes` peers are not modelled (bulkhead has no node addresses);
- ports: `portNumber` {protocol, port}, `portRange` {protocol, start, end}, `namedPort` (by
  name, on whichever protocol the container declares it); none = every port of every protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from infra.ports import PortSet
from providers.kubernetes.observe.addresses import Addresses
from providers.kubernetes.observe.objects import Obj
from providers.kubernetes.observe.policies import L4, Direction, Peer, PortMatch
from providers.kubernetes.observe.selectors import Labels, Selector

Action = Literal["allow", "deny"]
EVERY_POD = Selector()


@dataclass(frozen=True)
class BaselineRule:
    id: str  # k8s:banp/<name>#ingress[i]
    action: Action
    peers: tuple[Peer, ...]
    ports: tuple[PortMatch, ...] | None  # None: every port and protocol

    @property
    def named_ports(self) -> bool:
        return any(p.name is not None for p in self.ports or ())


@dataclass(frozen=True)
class Baseline:
    name: str
    namespaces: Selector | None  # subject.namespaces
    pods: tuple[Selector, Selector] | None  # subject.pods: (namespaceSelector, podSelector)
    ingress: tuple[BaselineRule, ...]
    egress: tuple[BaselineRule, ...]

    def selects(self, namespace_labels: Labels, pod_labels: Labels) -> bool:
        if self.namespaces is not None:
            return self.namespaces.matches(namespace_labels)
        if self.pods is not None:
            return self.pods[0].matches(namespace_labels) and self.pods[1].matches(pod_labels)
        return False

    def rules(self, direction: Direction) -> tuple[BaselineRule, ...]:
        return self.ingress if direction == "ingress" else self.egress


def is_baseline(obj: Obj) -> bool:
    return obj.group == "policy.networking.k8s.io" and obj.kind == "BaselineAdminNetworkPolicy"


def baseline(obj: Obj) -> Baseline:
    spec = obj.body.get("spec") or {}
    subject = spec.get("subject") or {}
    pods = subject.get("pods")
    base = f"k8s:banp/{obj.name}"
    return Baseline(
        obj.name, Selector.of(subject["namespaces"]) if subject.get("namespaces") is not None else None,
        (Selector.of(pods.get("namespaceSelector")), Selector.of(pods.get("podSelector"))) if pods else None,
        tuple(_rule(f"{base}#ingress[{i}]", r, "from") for i, r in enumerate(spec.get("ingress") or [])),
        tuple(_rule(f"{base}#egress[{i}]", r, "to") for i, r in enumerate(spec.get("egress") or [])))


def _rule(rule_id: str, raw: dict[str, Any], side: str) -> BaselineRule:
    action = cast(Action, "allow" if raw.get("action") == "Allow" else "deny")
    peers = tuple(p for raw_peer in raw.get(side) or [] for p in _peers(raw_peer))
    ports = raw.get("ports")
    return BaselineRule(rule_id, action, peers,
                        tuple(m for port in ports for m in _ports(port)) if ports else None)


def _peers(raw: dict[str, Any]) -> list[Peer]:
    if raw.get("namespaces") is not None:
        return [Peer(Selector.of(raw["namespaces"]), EVERY_POD)]
    if raw.get("pods") is not None:
        pods = raw["pods"]
        return [Peer(Selector.of(pods.get("namespaceSelector")), Selector.of(pods.get("podSelector")))]
    if raw.get("networks"):
        return [Peer(block=Addresses.of(raw["networks"]), cidr=", ".join(raw["networks"]))]
    return []  # nodes: not modelled


def _ports(raw: dict[str, Any]) -> list[PortMatch]:
    if "portNumber" in raw:
        number = raw["portNumber"]
        return [PortMatch(_protocol(number), PortSet.single(int(number["port"])))]
    if "portRange" in raw:
        span = raw["portRange"]
        return [PortMatch(_protocol(span), PortSet.single(int(span["start"]), int(span["end"])))]
    if "namedPort" in raw:
        return [PortMatch(protocol, name=str(raw["namedPort"])) for protocol in ("tcp", "udp", "sctp")]
    return []


def _protocol(raw: dict[str, Any]) -> L4:
    return cast(L4, str(raw.get("protocol", "TCP")).lower())
