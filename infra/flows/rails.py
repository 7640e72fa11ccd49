"""The model's guardrails (`never:`) as the classifier asks about them: one record at a time.

`infra/guardrails.py` says which rails traffic between two endpoints crosses, on which ports;
this module indexes the same rails for the hot loop of `observe` (a dict lookup and a few
integer comparisons per record that intent does not explain) and for the SQL emitter.

- A guardrail with `ports` forbids those ports; without `ports` it forbids every port of every
  protocol, including IP protocols the model cannot name (GRE, ESP, ...: `ip-<n>` records):
  "A never reaches B" holds for any traffic.
- An endpoint that stands for several (GCP's one VIP for every Google API, `service:google-apis`)
  crosses a rail when any endpoint it stands for does: the VIP reaches each of them, so the
  traffic may be the forbidden one. Intent is asked first (infra/flows/classify.py): traffic
  the model allows through such an endpoint is intended, not a crossing.
- When several rails forbid the same traffic, the first in the model (lowest `never[i]`) is named.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from infra.guardrails import GuardrailIndex, Rail
from infra.model import Model
from infra.ports import PROTOCOLS, PortSet

ANY_PROTOCOL = "*"  # a rail without ports: also every IP protocol the model cannot name
Key = tuple[str, str, str]  # (src, dst, protocol)
Span = tuple[int, int, int]  # (first port, last port, guardrail index)


def forbids_everything(rail: Rail) -> bool:
    return len(rail.forbidden) == len(PROTOCOLS) and all(ports == PortSet.full(p) for p, ports in rail.forbidden)


def rail_name(index: int) -> str:
    """The guardrail as reports name it: `never[2]`."""
    return f"never[{index}]"


class FlowRails:
    """Forbidden port spans per (src, dst, protocol), aliases included, first guardrail first."""

    def __init__(self, spans: Mapping[Key, list[Span]] | None = None):
        self.spans: dict[Key, tuple[Span, ...]] = {key: tuple(sorted(found, key=lambda s: (s[2], s[0])))
                                                   for key, found in (spans or {}).items()}

    @classmethod
    def of(cls, model: Model, aliases: Mapping[str, frozenset[str]] | None = None) -> FlowRails:
        spans: dict[Key, list[Span]] = {}
        for (src, dst), pair_rails in GuardrailIndex.of(model).by_pair.items():
            for rail in pair_rails:
                for key, span in _spans(src, dst, rail):
                    spans.setdefault(key, []).append(span)
        for alias, members in (aliases or {}).items():
            for (src, dst, protocol), found in list(spans.items()):
                keys = ([(src, alias, protocol)] if dst in members else []) + (
                    [(alias, dst, protocol)] if src in members else [])
                for key in keys:
                    known = spans.setdefault(key, [])
                    known.extend(s for s in found if s not in known)
        return cls(spans)

    def __bool__(self) -> bool:
        return bool(self.spans)

    def crossed(self, src: str, dst: str, protocol: str, port: int | None) -> int | None:
        """The index of the first guardrail this traffic crosses, None when it crosses none.

        `port` is the service port for TCP and UDP; None for ICMP and other protocols (any
        forbidden ICMP is crossed; other protocols only by a guardrail without ports)."""
        if protocol in ("tcp", "udp", "icmp"):
            spans = self.spans.get((src, dst, protocol))
        else:
            spans = self.spans.get((src, dst, ANY_PROTOCOL))
        if not spans:
            return None
        for lo, hi, index in spans:
            if port is None or lo <= port <= hi:
                return index
        return None

    def rows(self) -> Iterator[tuple[str, str, str, int, int, int]]:
        """(src, dst, protocol, first, last, guardrail index) per span: the SQL's inline table."""
        for (src, dst, protocol), spans in sorted(self.spans.items()):
            for lo, hi, index in spans:
                yield src, dst, protocol, lo, hi, index


def _spans(src: str, dst: str, rail: Rail) -> Iterator[tuple[Key, Span]]:
    for protocol, ports in rail.forbidden:
        for lo, hi in ports:
            yield (src, dst, protocol), (lo, hi, rail.index)
    if forbids_everything(rail):
        yield (src, dst, ANY_PROTOCOL), (0, 65535, rail.index)
