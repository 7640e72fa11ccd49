"""Which pairs of workloads can talk at all, spelled out as engine chains (sender egress, receiver ingress).

A chain from workload s to workload d is `egress(s) toward d`, then `ingress(d) from s`; from
the internet only the receiver's ingress, to the internet or a service only the sender's
egress. Only pairs whose two filters can match each other are spelled out: a sender's egress
names its destinations (or everyone, when not isolated), a receiver's ingress its sources;
the candidates come from indexes of those names, so a cluster where few workloads talk costs
little and a wide-open one costs what it opens. Chains are grouped by endpoint pair (with a
model, a segment's workloads share its name); `in_scope` drops pairs the proof does not cover.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from infra.reach import INTERNET, Filter, Step
from providers.kubernetes.observe.filters import WorkloadFilters

Chain = tuple[Step, ...]
Chains = dict[tuple[str, str], tuple[Chain, ...]]


@dataclass(frozen=True)
class Place:
    """A workload with its filters and the endpoint it counts for (its segment, or itself)."""

    filters: WorkloadFilters
    endpoint: str
    in_focus: bool  # a segment's workload: every pair with one of these is proven

    @property
    def token(self) -> str:
        return self.filters.workload.name


@dataclass(frozen=True)
class Reach:
    """What a filter's allow rules can match: everyone, and/or these names."""

    everyone: bool
    names: frozenset[str]

    @classmethod
    def of(cls, flt: Filter) -> Reach:
        everyone = any(r.peers is None for r in flt.rules)
        names: set[str] = set()
        for rule in flt.rules:
            names |= rule.peers or set()
        return cls(everyone, frozenset(names))

    def admits(self, name: str) -> bool:
        return self.everyone or name in self.names


class ChainBuilder:
    def __init__(self, places: Iterable[Place], outside: Iterable[str], focused: bool):
        self.places = list(places)
        self.outside = tuple(outside)  # internet and service endpoints
        self.focused = focused  # with a model: only pairs that involve a segment
        self.by_token = {p.token: p for p in self.places}
        self.out = {p.token: Reach.of(p.filters.egress) for p in self.places}
        self.into = {p.token: Reach.of(p.filters.ingress) for p in self.places}
        self.open_in = [p for p in self.places if self.into[p.token].everyone]
        self.open_in_focus = [p for p in self.open_in if p.in_focus]
        self.named_in: dict[str, list[Place]] = {}
        for p in self.places:
            for name in self.into[p.token].names:
                self.named_in.setdefault(name, []).append(p)
        self.chains: dict[tuple[str, str], list[Chain]] = {}
        self.done: set[tuple[str, str]] = set()

    def build(self, wanted: Iterable[tuple[str, str]] = ()) -> Chains:
        for s in self.places:
            for d in self._candidates(s):
                self._pair(s, d)
            for name in self.outside:
                if self.out[s.token].admits(name):
                    self._to_outside(s, name)
        for d in self.places:
            if self.into[d.token].admits(INTERNET):
                self._from_internet(d)
        self._wanted(wanted)
        return {pair: tuple(chains) for pair, chains in self.chains.items()}

    def _candidates(self, s: Place) -> Iterable[Place]:
        reach = self.out[s.token]
        if reach.everyone:
            wide = self.open_in if (s.in_focus or not self.focused) else self.open_in_focus
            found = {id(p): p for p in wide}
            found.update((id(p), p) for p in self.named_in.get(s.token, ()))
            return found.values()
        return [d for name in reach.names if (d := self.by_token.get(name)) is not None
                and self.into[d.token].admits(s.token)]

    def _keep(self, focus: bool) -> bool:
        return focus or not self.focused

    def _add(self, pair: tuple[str, str], key: tuple[str, str], chain: Chain) -> None:
        if key in self.done:
            return
        self.done.add(key)
        self.chains.setdefault(pair, []).append(chain)

    def _pair(self, s: Place, d: Place) -> None:
        if s is d and not s.filters.workload.multiple:
            return  # a single pod does not reach itself over the network
        if self._keep(s.in_focus or d.in_focus):
            self._add((s.endpoint, d.endpoint), (s.token, d.token),
                      (Step(s.filters.egress, d.token), Step(d.filters.ingress, s.token)))

    def _to_outside(self, s: Place, name: str) -> None:
        if self._keep(s.in_focus):
            self._add((s.endpoint, name), (s.token, name), (Step(s.filters.egress, name),))

    def _from_internet(self, d: Place) -> None:
        if self._keep(d.in_focus):
            self._add((INTERNET, d.endpoint), (INTERNET, d.token), (Step(d.filters.ingress, INTERNET),))

    def _wanted(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Pairs the model intends get every chain, open or not, so a blocked one says where it stops."""
        members: dict[str, list[Place]] = {}
        for p in self.places:
            members.setdefault(p.endpoint, []).append(p)
        for src, dst in wanted:
            for s in members.get(src, ()):
                if dst in self.outside:
                    self._to_outside(s, dst)
                for d in members.get(dst, ()):
                    self._pair(s, d)
            if src == INTERNET:
                for d in members.get(dst, ()):
                    self._from_internet(d)


def build_chains(places: Iterable[Place], outside: Iterable[str], focused: bool,
                 wanted: Iterable[tuple[str, str]] = ()) -> Chains:
    return ChainBuilder(places, outside, focused).build(wanted)

