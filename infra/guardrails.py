"""Guardrails (`never:` in the model): which traffic crosses an invariant a security team owns.

A guardrail says that `from` never reaches any of `to`, on `ports` or (without them) at all.
Each `to` entry is one `Rail`. This module answers, for any traffic between two endpoints,
which rails it crosses and on which ports: verify asks it about every observed path, observe
about every flow record, and infra/contradictions.py about the model's own flows (validate).

Endpoints are the reports' names: segment names, `internet` and `service:<name>`. Nothing here
knows a cloud; the answer depends only on the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from infra.model import Guardrail, Model
from infra.ports import PROTOCOLS, PortSet, Protocol, format_ports, parse_port_specs

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Rail:
    """One `from -> to` edge of a guardrail, with what it forbids per protocol."""

    index: int  # the guardrail's position under `never:`
    target: int | None  # the position in its `to` list, None when `to` names one endpoint
    src: str
    dst: str
    forbidden: tuple[tuple[Protocol, PortSet], ...]
    description: str = ""

    @property
    def name(self) -> str:
        return f"never[{self.index}]"

    @property
    def loc(self) -> Loc:
        """Where the guardrail is written in the model file."""
        return ("never", self.index)

    @property
    def target_loc(self) -> Loc:
        """Where this edge's destination is written (its item in a `to` list)."""
        return ("never", self.index, "to") + (() if self.target is None else (self.target,))

    def forbids(self, protocol: Protocol, ports: PortSet | None = None) -> PortSet:
        """The part of `ports` (every port of the protocol when None) this rail forbids."""
        own = dict(self.forbidden).get(protocol, PortSet())
        return own if ports is None else own & ports

    def says(self) -> str:
        """The guardrail in words: `serving never reaches payments on tcp/443`."""
        every = all(ports == PortSet.full(p) for p, ports in self.forbidden) and len(self.forbidden) == 3
        scope = "" if every else " on " + ", ".join(format_ports(p, ports) for p, ports in self.forbidden)
        text = f"{self.src} never reaches {self.dst}{scope}"
        return f"{text}: {self.description}" if self.description else text


@dataclass(frozen=True)
class Crossing:
    """Traffic that crosses a rail: the rail and the part of the traffic it forbids."""

    rail: Rail
    protocol: Protocol
    ports: PortSet

    def describe(self) -> str:
        return f"{format_ports(self.protocol, self.ports)} crosses guardrail {self.rail.name} ({self.rail.says()})"


def forbidden_by(guardrail: Guardrail) -> tuple[tuple[Protocol, PortSet], ...]:
    """What one guardrail forbids: its ports per protocol, or every port of every protocol."""
    if guardrail.ports is None:
        return tuple((p, PortSet.full(p)) for p in PROTOCOLS)
    parsed = parse_port_specs(guardrail.ports)
    return tuple((p, parsed[p]) for p in PROTOCOLS if p in parsed)


def rails(model: Model) -> tuple[Rail, ...]:
    """Every edge of every guardrail, in model order."""
    out: list[Rail] = []
    for index, guardrail in enumerate(model.never):
        forbidden = forbidden_by(guardrail)
        many = not isinstance(guardrail.to, str)
        for target, dst in enumerate(guardrail.targets()):
            out.append(Rail(index, target if many else None, guardrail.from_, dst, forbidden, guardrail.description))
    return tuple(out)


@dataclass(frozen=True)
class GuardrailIndex:
    """The model's rails by (src, dst), built once so a lookup costs one dict access.

    observe classifies millions of flow records: `crossings` must stay cheap when no rail applies.
    """

    by_pair: Mapping[tuple[str, str], tuple[Rail, ...]] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, model: Model) -> GuardrailIndex:
        pairs: dict[tuple[str, str], list[Rail]] = {}
        for rail in rails(model):
            pairs.setdefault((rail.src, rail.dst), []).append(rail)
        return cls({pair: tuple(found) for pair, found in pairs.items()})

    def __bool__(self) -> bool:
        return bool(self.by_pair)

    def crossings(self, src: str, dst: str, protocol: Protocol, ports: PortSet | None = None) -> tuple[Crossing, ...]:
        """The rails that traffic from src to dst on `ports` (every port when None) crosses."""
        found: list[Crossing] = []
        for rail in self.by_pair.get((src, dst), ()):
            crossed = rail.forbids(protocol, ports)
            if crossed:
                found.append(Crossing(rail, protocol, crossed))
        return tuple(found)


def crossings(model: Model, src: str, dst: str, protocol: Protocol,
              ports: PortSet | None = None) -> tuple[Crossing, ...]:
    """Which of the model's guardrails the traffic crosses (for many lookups, keep a GuardrailIndex)."""
    return GuardrailIndex.of(model).crossings(src, dst, protocol, ports)
