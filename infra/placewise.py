"""One answer per place: a segment spread over several subnets (zones) is judged subnet by subnet.

The engine unites a segment's sides, so a path that one zone's subnet lost (its route, its
NACL) still shows as open through the other zones, and a path one subnet gained shows
without saying where. Here, for a segment with more than one place (`Side.place`, or the
places of its spelled-out chains), each intended path is checked from every place of the
sender to every place of the receiver: the ports a place misses while the segment as a
whole still passes them are a gap of that place. And an unintended path is attributed to
the places it leaves from, when not all of them.

Places are the provider's ids (AWS: `aws:subnet/<id>`), so they go into evidence as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product

from infra.ports import PortSet, Protocol
from infra.reach import Engine


@dataclass(frozen=True)
class PlaceGap:
    """Intended ports that do not pass from `src_place` (of src) to `dst_place` (of dst)."""

    src: str
    dst: str
    protocol: Protocol
    ports: PortSet
    src_place: str | None
    dst_place: str | None
    blocked_at: tuple[str, ...]


def place_gaps(engine: Engine, src: str, dst: str, protocol: Protocol, want: PortSet, already_missing: PortSet,
               segments: Iterable[str]) -> list[PlaceGap]:
    """Per pair of places, the intended ports missing there but not missing for the segment as a whole."""
    judged = segments if isinstance(segments, set | frozenset) else set(segments)
    src_places = engine.places(src) if src in judged else ()
    dst_places = engine.places(dst) if dst in judged else ()
    if len(src_places) < 2 and len(dst_places) < 2:
        return []
    want = want - already_missing
    out = []
    for src_place, dst_place in product(src_places or (None,), dst_places or (None,)):
        places = (src_place, dst_place)
        missing = want - engine.passing_ports(src, dst, protocol, places)
        if missing:
            out.append(PlaceGap(src, dst, protocol, missing, src_place, dst_place,
                                engine.blocked_by(src, dst, protocol, missing, places)))
    return out


def sending_places(engine: Engine, src: str, dst: str, protocol: Protocol, ports: PortSet,
                   segments: Iterable[str]) -> tuple[str, ...]:
    """The places of src that send some of `ports` to dst, when that is not every place of src."""
    judged = segments if isinstance(segments, set | frozenset) else set(segments)
    found = engine.places(src) if src in judged else ()
    if len(found) < 2:
        return ()
    sending = tuple(p for p in found if engine.passing_ports(src, dst, protocol, (p, None)) & ports)
    return sending if len(sending) < len(found) else ()
