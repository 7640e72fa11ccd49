"""NetworkPolicy v1 objects -> what each one selects and allows (pure; shape-checked input).

The semantics applied (docs/verifier.md, "Kubernetes"):
- a policy selects pods of its own namespace (`podSelector`, `{}` = every pod there);
- it applies to a direction when `policyTypes` says so; without `policyTypes` it applies to
  Ingress, and to Egress too if it has egress rules;
- a rule with `from`/`to` missing or empty matches every peer (outside the cluster too); with
  `ports` missing or empty every port of every protocol;
- a peer with `podSelector` alone: pods of the policy's namespace; `namespaceSelector` alone:
  every pod of the matching namespaces; both: the AND; `ipBlock`: addresses outside the
  cluster (`cidr` minus `except`);
- a port without `protocol` is TCP; without `port` every port of its protocol; `endPort`
  makes a range; a port given by name is resolved per destination pod (rules/filters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from infra.ports import PortSet
from providers.kubernetes.observe.addresses import Addresses
from providers.kubernetes.observe.objects import Obj
from providers.kubernetes.observe.selectors import Selector

L4 = Literal["tcp", "udp", "sctp"]
Direction = Literal["ingress", "egress"]


@dataclass(frozen=True)
class PortMatch:
    protocol: L4
    ports: PortSet | None = None  # None: every port of the protocol
    name: str | None = None  # a named port, resolved per destination pod


@dataclass(frozen=True)
class Peer:
    namespaces: Selector | None = None  # None: the policy's own namespace
    pods: Selector | None = None  # None: every pod of those namespaces
    block: Addresses | None = None  # an ipBlock (then the selectors are unused)
    cidr: str = ""  # the ipBlock as written, for messages


@dataclass(frozen=True)
class PolicyRule:
    id: str  # k8s:netpol/<namespace>/<name>#ingress[i]
    peers: tuple[Peer, ...] | None  # None: every peer
    ports: tuple[PortMatch, ...] | None  # None: every port and protocol

    @property
    def named_ports(self) -> bool:
        return any(p.name is not None for p in self.ports or ())


@dataclass(frozen=True)
class Policy:
    namespace: str
    name: str
    selects: Selector
    ingress: tuple[PolicyRule, ...] | None  # None: the policy does not apply to ingress
    egress: tuple[PolicyRule, ...] | None

    @property
    def id(self) -> str:
        return f"k8s:netpol/{self.namespace}/{self.name}"

    def rules(self, direction: Direction) -> tuple[PolicyRule, ...] | None:
        return self.ingress if direction == "ingress" else self.egress


def policy(obj: Obj) -> Policy:
    spec = obj.body.get("spec") or {}
    types = spec.get("policyTypes")
    if types is None:
        types = ["Ingress"] + (["Egress"] if spec.get("egress") else [])
    base = f"k8s:netpol/{obj.namespace}/{obj.name}"
    directions: dict[Direction, tuple[PolicyRule, ...] | None] = {}
    for direction, side, title in (("ingress", "from", "Ingress"), ("egress", "to", "Egress")):
        raw = spec.get(direction) or []
        directions[cast(Direction, direction)] = tuple(
            _rule(f"{base}#{direction}[{i}]", r or {}, side) for i, r in enumerate(raw)) if title in types else None
    return Policy(obj.namespace, obj.name, Selector.of(spec.get("podSelector")),
                  directions["ingress"], directions["egress"])


def _rule(rule_id: str, raw: dict[str, Any], side: str) -> PolicyRule:
    peers = raw.get(side) or []
    ports = raw.get("ports") or []
    return PolicyRule(rule_id, tuple(_peer(p) for p in peers) if peers else None,
                      tuple(_port(p) for p in ports) if ports else None)


def _peer(raw: dict[str, Any]) -> Peer:
    if "ipBlock" in raw:
        block = raw["ipBlock"]
        excepts = block.get("except") or []
        text = block["cidr"] + (f" except {', '.join(excepts)}" if excepts else "")
        return Peer(block=Addresses.block(block["cidr"], excepts), cidr=text)
    namespaces = raw.get("namespaceSelector")
    pods = raw.get("podSelector")
    return Peer(Selector.of(namespaces) if namespaces is not None else None,
                Selector.of(pods) if pods is not None else None)


def _port(raw: dict[str, Any]) -> PortMatch:
    protocol = cast(L4, str(raw.get("protocol", "TCP")).lower())
    port, end = raw.get("port"), raw.get("endPort")
    if isinstance(port, str):
        return PortMatch(protocol, name=port)
    if port is None:
        return PortMatch(protocol)
    return PortMatch(protocol, PortSet.single(int(port), int(end) if end is not None else None))
