"""The model's intended paths in one cloud, as the classifier asks about them: one port at a time.

Intent is re-derived from the model by `infra.verify.intended_paths`, exactly as `verify`
does, and never from the builder's rules: if observe agreed with the builder by construction,
a builder bug would be invisible in the traffic too. What the model forbids outright (its
guardrails, `never:`) comes with it, as `rails` (infra/flows/rails.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from infra.flows.rails import FlowRails
from infra.model import Model
from infra.ports import PortSet
from infra.verify import intended_paths

Key = tuple[str, str, str]  # (src, dst, protocol)


class Intent:
    """Intended ports per (src, dst, protocol); an alias endpoint is intended where a member is."""

    def __init__(self, paths: Mapping[Key, PortSet], aliases: Mapping[str, frozenset[str]] | None = None,
                 rails: FlowRails | None = None):
        self.paths: dict[Key, PortSet] = dict(paths)
        self.aliases = dict(aliases or {})
        self.rails = rails if rails is not None else FlowRails()
        self._lookup = dict(self.paths)
        for alias, members in self.aliases.items():
            for (src, dst, protocol), ports in self.paths.items():
                for key in ((src, alias, protocol) if dst in members else None,
                            (alias, dst, protocol) if src in members else None):
                    if key is not None:
                        self._lookup[key] = self._lookup.get(key, PortSet()) | ports
        self._ranges = {key: ports.intervals for key, ports in self._lookup.items() if ports}

    @classmethod
    def of(cls, model: Model, cloud: str, aliases: Mapping[str, frozenset[str]] | None = None) -> Intent:
        found: dict[Key, PortSet] = {(s, d, p): ports for (s, d, p), ports in intended_paths(model, cloud).items()}
        return cls(found, aliases, FlowRails.of(model, aliases))

    def allows(self, src: str, dst: str, protocol: str, port: int | None) -> bool:
        """Is this one port intended? `port` is None for ICMP: any intended ICMP allows it."""
        ranges = self._ranges.get((src, dst, protocol))
        if ranges is None:
            return False
        if port is None:
            return True
        for lo, hi in ranges:  # noqa: SIM110  (a plain loop: any() and its generator cost 2x here)
            if lo <= port <= hi:
                return True
        return False

    def ports(self, src: str, dst: str, protocol: str) -> PortSet:
        return self._lookup.get((src, dst, protocol), PortSet())

    def members(self, endpoint: str) -> frozenset[str]:
        """The model endpoints an observed endpoint may stand for (itself unless an alias)."""
        return self.aliases.get(endpoint, frozenset((endpoint,)))

    def rows(self) -> Iterator[tuple[str, str, str, int, int]]:
        """(src, dst, protocol, first, last) per intended range, aliases included (the SQL's VALUES)."""
        for (src, dst, protocol), ports in sorted(self._lookup.items()):
            for lo, hi in ports:
                yield src, dst, protocol, lo, hi
