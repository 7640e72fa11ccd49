"""Each workload's two filters (egress, ingress) from the NetworkPolicies that select it.

A workload is isolated in a direction only if some policy that applies to that direction
selects it; then what passes is the union of those policies' rules (an allow-union filter),
else everything passes (`k8s:not-isolated/<workload>#<direction>`). A hostNetwork workload is
not governed by policies at all. Rule peers are workload names (`namespace/name[Kind]`),
`internet` and `service:<name>`, so a rule naming a segment's pods can still tell two
workloads of that segment apart.

Named ports are resolved where the traffic arrives: for ingress against the selected workload
itself, for egress against each destination workload (one engine rule per distinct
resolution); a name no container of that workload declares (with that protocol) allows
nothing there, and an ipBlock has no named ports.

Selections are indexed (LabelIndex) and cached per distinct selector, so the cost grows with
policies + workloads + what they select, not with workloads squared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from infra.ports import PortSet
from infra.reach import INTERNET, Filter, Rule
from providers.kubernetes.observe.addresses import EVERYTHING, Addresses
from providers.kubernetes.observe.baseline import Action, Baseline, BaselineRule
from providers.kubernetes.observe.policies import Direction, Peer, Policy, PolicyRule, PortMatch
from providers.kubernetes.observe.selectors import LabelIndex, Selector
from providers.kubernetes.observe.workloads import Workload

NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Outside:
    """Addresses outside the pods: the internet and the services the model places somewhere."""

    internet: Addresses = EVERYTHING
    services: Mapping[str, Addresses] = field(default_factory=dict)

    def named_by(self, block: Addresses) -> frozenset[str]:
        names = {INTERNET} if block & self.internet else set()
        return frozenset(names | {s for s, a in self.services.items() if block & a})

    def covered_by(self, block: Addresses) -> frozenset[str]:
        """What a deny of `block` closes completely (a partial deny leaves the rest open)."""
        names = {INTERNET} if self.internet and not self.internet - block else set()
        return frozenset(names | {s for s, a in self.services.items() if a and not a - block})


@dataclass(frozen=True)
class WorkloadFilters:
    workload: Workload
    egress: Filter
    ingress: Filter
    selected_by: tuple[Policy, ...]  # every policy whose podSelector matches it


class Cluster:
    """Namespaces, workloads and policies, with the indexes that resolve selectors."""

    def __init__(self, namespaces: Mapping[str, Mapping[str, str]], workloads: Iterable[Workload],
                 policies: Iterable[Policy], outside: Outside, baselines: Iterable[Baseline] = ()):
        self.workloads = list(workloads)
        self.policies = list(policies)
        self.baselines = list(baselines)
        self.outside = outside
        labels = {n: {**ls, NAME_LABEL: n} for n, ls in namespaces.items()}
        for w in self.workloads:  # a namespace only named by its workloads still has its name label
            labels.setdefault(w.namespace, {NAME_LABEL: w.namespace})
        self.namespace_labels = labels
        self.namespace_index = LabelIndex((n, ls) for n, ls in labels.items())
        self.pods: dict[str, LabelIndex[Workload]] = {}
        grouped: dict[str, list[Workload]] = {}
        for w in self.workloads:
            grouped.setdefault(w.namespace, []).append(w)
        self.pods = {n: LabelIndex((w, w.labels) for w in ws) for n, ws in grouped.items()}
        self.by_name = {w.name: w for w in self.workloads}
        self._peers: dict[tuple[str, Selector | None, Selector | None], frozenset[str]] = {}
        self._blocks: dict[Addresses, frozenset[str]] = {}
        self._resolved: dict[tuple[str, str], dict[str, tuple[int, ...]]] = {}
        self._egress: dict[str, tuple[Rule, ...]] = {}
        self._ingress: dict[str, tuple[Rule, ...]] = {}

    # --- who a peer is -------------------------------------------------------------------

    def select(self, namespace: str, selector: Selector) -> list[Workload]:
        index = self.pods.get(namespace)
        return index.select(selector) if index is not None else []

    def peer_names(self, policy_namespace: str, peer: Peer) -> frozenset[str]:
        if peer.block is not None:
            found = self._blocks.get(peer.block)
            if found is None:
                found = self._blocks[peer.block] = self.outside.named_by(peer.block)
            return found
        key = (policy_namespace if peer.namespaces is None else "", peer.namespaces, peer.pods)
        cached = self._peers.get(key)
        if cached is None:
            spaces = [policy_namespace] if peer.namespaces is None else self.namespace_index.select(peer.namespaces)
            pods = peer.pods or Selector()
            cached = self._peers[key] = frozenset(w.name for n in spaces for w in self.select(n, pods))
        return cached

    def rule_peers(self, namespace: str, rule: PolicyRule) -> frozenset[str] | None:
        if rule.peers is None:
            return None
        names: set[str] = set()
        for peer in rule.peers:
            names |= self.peer_names(namespace, peer)
        return frozenset(names)

    # --- named ports ---------------------------------------------------------------------

    def resolved(self, name: str, protocol: str) -> dict[str, tuple[int, ...]]:
        """Workload name -> the numbers a named port stands for there (workloads without it left out)."""
        key = (name, protocol)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = {w.name: nums for w in self.workloads if (nums := w.resolve(name, protocol))}
        return found

    # --- engine rules --------------------------------------------------------------------

    def egress_rules(self, namespace: str, rule: PolicyRule) -> tuple[Rule, ...]:
        """A policy's egress rule as engine rules; the same for every workload it selects."""
        found = self._egress.get(rule.id)
        if found is None:
            found = self._egress[rule.id] = tuple(self._rules(rule, self.rule_peers(namespace, rule), None))
        return found

    def ingress_rules(self, namespace: str, rule: PolicyRule, receiver: Workload) -> tuple[Rule, ...]:
        """A policy's ingress rule as engine rules; named ports resolved on the receiver itself."""
        if rule.named_ports:
            return tuple(self._rules(rule, self.rule_peers(namespace, rule), receiver))
        found = self._ingress.get(rule.id)
        if found is None:
            found = self._ingress[rule.id] = tuple(self._rules(rule, self.rule_peers(namespace, rule), receiver))
        return found

    def _rules(self, rule: PolicyRule | BaselineRule, peers: frozenset[str] | None, receiver: Workload | None,
               action: Action = "allow") -> Iterable[Rule]:
        if rule.ports is None:
            yield Rule(rule.id, action, peers)
            return
        for match in rule.ports:
            if match.name is None:
                yield Rule(rule.id, action, peers, match.protocol, match.ports)
            elif receiver is not None:
                numbers = receiver.resolve(match.name, match.protocol)
                if numbers:
                    yield Rule(rule.id, action, peers, match.protocol, _ports(numbers))
            else:
                yield from self._named_egress(rule.id, match, peers, action)

    def _named_egress(self, rule_id: str, match: PortMatch, peers: frozenset[str] | None,
                      action: Action) -> Iterable[Rule]:
        assert match.name is not None
        groups: dict[tuple[int, ...], set[str]] = {}
        for workload, numbers in self.resolved(match.name, match.protocol).items():
            if peers is None or workload in peers:
                groups.setdefault(numbers, set()).add(workload)
        for numbers, names in sorted(groups.items()):
            yield Rule(rule_id, action, frozenset(names), match.protocol, _ports(numbers))

    def baseline_rules(self, w: Workload, direction: Direction) -> list[Rule]:
        """The BaselineAdminNetworkPolicy rules that decide for `w` when no NetworkPolicy isolates it."""
        rules: list[Rule] = []
        labels = self.namespace_labels.get(w.namespace, {})
        for banp in self.baselines:
            if not banp.selects(labels, w.labels):
                continue
            for rule in banp.rules(direction):
                names: set[str] = set()
                for peer in rule.peers:
                    if peer.block is not None and rule.action == "deny":
                        names |= self.outside.covered_by(peer.block)
                    else:
                        names |= self.peer_names("", peer)
                receiver = w if direction == "ingress" else None
                rules += self._rules(rule, frozenset(names), receiver, rule.action)
        return rules

    # --- per workload --------------------------------------------------------------------

    def selections(self) -> dict[str, list[Policy]]:
        """Workload name -> the policies whose podSelector selects it (each policy's own namespace)."""
        chosen: dict[str, list[Policy]] = {}
        for pol in self.policies:
            for w in self.select(pol.namespace, pol.selects):
                chosen.setdefault(w.name, []).append(pol)
        return chosen

    def filters(self) -> list[WorkloadFilters]:
        chosen = self.selections()
        out = []
        for w in self.workloads:
            selected = tuple(chosen.get(w.name, ()))
            out.append(WorkloadFilters(w, self._filter(w, selected, "egress"), self._filter(w, selected, "ingress"),
                                       selected))
        return out

    def _filter(self, w: Workload, selected: tuple[Policy, ...], direction: Direction) -> Filter:
        fid = f"k8s:{direction}/{w.name}"
        if w.host_network:
            return Filter(fid, "union", (Rule(f"k8s:host-network/{w.name}#{direction}", "allow", None),))
        applying = [p for p in selected if p.rules(direction) is not None]
        if not applying:
            rest = Rule(f"k8s:not-isolated/{w.name}#{direction}", "allow", None)
            baseline = self.baseline_rules(w, direction)
            return Filter(fid, "ordered", (*baseline, rest)) if baseline else Filter(fid, "union", (rest,))
        rules: list[Rule] = []
        for pol in applying:
            for rule in pol.rules(direction) or ():
                if direction == "egress":
                    rules += self.egress_rules(pol.namespace, rule)
                else:
                    rules += self.ingress_rules(pol.namespace, rule, w)
        return Filter(fid, "union", tuple(rules))


def _ports(numbers: tuple[int, ...]) -> PortSet:
    return PortSet.of((n, n) for n in numbers)
