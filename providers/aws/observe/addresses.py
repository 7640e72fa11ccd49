"""Which endpoints a CIDR names, within one VPC and one address family.

Endpoints own address ranges: a segment (or audited subnet) its subnets, a service its
interface endpoints' addresses or its gateway prefix list, the internet every public
address. An ALLOW names every endpoint its CIDR overlaps (partial coverage opens a path to
part of it, so it counts); a DENY names the endpoints it covers completely, and of a segment
it covers only in part, the places (subnets) it covers completely, as `at_place(segment,
place)`: a deny of one zone's subnet closes that subnet's paths and leaves the others open,
which the engine judges place by place (infra/reach.py). IPv4 and IPv6 are separate books:
0.0.0.0/0 does not cover ::/0.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network

from infra.reach import INTERNET, at_place

Net = IPv4Network | IPv6Network
Range = tuple[int, int]

# Never on the internet: private, shared, loopback, link-local, multicast, reserved.
NOT_PUBLIC = {
    "v4": ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
           "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4"),
    "v6": ("::/127", "fc00::/7", "fe80::/10", "ff00::/8"),
}


def family(cidr: str) -> str:
    return "v6" if ":" in cidr else "v4"


def span(net: Net) -> Range:
    return int(net.network_address), int(net.broadcast_address)


def parse(cidr: str) -> Net | None:
    try:
        return ip_network(cidr, strict=False)
    except ValueError:
        return None


class AddressBook:
    """One VPC's endpoints by address, in one family; answers are cached per CIDR."""

    def __init__(self, fam: str, segments: dict[str, list[str]], services: dict[str, list[str]],
                 vpc_cidrs: Iterable[str], places: Mapping[str, str] | None = None):
        """`places`: a segment CIDR -> the place (subnet) it belongs to, for denies that cover part
        of a segment; without it such a deny names nothing."""
        self.family = fam
        where = places or {}
        ranges = sorted((span(n), name, where.get(c, "")) for name, cidrs in segments.items() for c in cidrs
                        if (n := parse(c)) is not None and family(c) == fam)
        self._starts = [r[0][0] for r in ranges]
        self._ends = [r[0][1] for r in ranges]
        self._owners = [r[1] for r in ranges]
        self._places = [r[2] for r in ranges]
        self._totals: dict[str, int] = {}
        self._place_totals: dict[str, int] = {}
        for owner, place in zip(self._owners, self._places, strict=True):
            self._totals[owner] = self._totals.get(owner, 0) + 1
            self._place_totals[place] = self._place_totals.get(place, 0) + 1
        self.placed: set[str] = set()  # the segments some answer named by place
        self._services = {name: [span(n) for c in cidrs if (n := parse(c)) is not None and family(c) == fam]
                          for name, cidrs in services.items()}
        hidden = [span(n) for c in (*NOT_PUBLIC[fam], *vpc_cidrs) if (n := parse(c)) and family(c) == fam]
        self._not_public = _merge(hidden)
        self._cache: dict[tuple[str, bool], frozenset[str]] = {}

    def overlapping(self, cidr: str) -> frozenset[str]:
        return self._lookup(cidr, covered=False)

    def covered(self, cidr: str) -> frozenset[str]:
        return self._lookup(cidr, covered=True)

    def _lookup(self, cidr: str, covered: bool) -> frozenset[str]:
        key = (cidr, covered)
        found = self._cache.get(key)
        if found is None:
            net = parse(cidr)
            found = frozenset() if net is None or family(cidr) != self.family else self._resolve(span(net), covered)
            self._cache[key] = found
        return found

    def _resolve(self, rng: Range, covered: bool) -> frozenset[str]:
        lo, hi = rng
        first, last = bisect_left(self._ends, lo), bisect_right(self._starts, hi)
        inside: dict[str, int] = {}
        places: dict[tuple[str, str], int] = {}
        for i in range(first, last):
            if not covered or (lo <= self._starts[i] and self._ends[i] <= hi):
                inside[self._owners[i]] = inside.get(self._owners[i], 0) + 1
                if covered and self._places[i]:
                    places[self._owners[i], self._places[i]] = places.get((self._owners[i], self._places[i]), 0) + 1
        names = {n for n, count in inside.items() if not covered or count == self._totals[n]}
        for (owner, place), count in places.items():
            if owner not in names and count == self._place_totals[place]:
                names.add(at_place(owner, place))
                self.placed.add(owner)
        for name, spans in self._services.items():
            if not spans:  # a service whose addresses the snapshot lacks: somewhere public
                hit = self._touches_internet(rng, covered)
            elif covered:
                hit = bool(spans) and all(lo <= s[0] and s[1] <= hi for s in spans)
            else:
                hit = any(s[0] <= hi and lo <= s[1] for s in spans)
            if hit:
                names.add(name)
        if self._touches_internet(rng, covered):
            names.add(INTERNET)
        return frozenset(names)

    def _touches_internet(self, rng: Range, covered: bool) -> bool:
        lo, hi = rng
        if covered:  # every public address: only a /0 (any smaller block misses some)
            return lo == 0 and hi == (2**32 - 1 if self.family == "v4" else 2**128 - 1)
        # overlaps the internet unless wholly inside one non-public block
        return all(not (start <= lo and hi <= end) for start, end in self._not_public)


def _merge(ranges: list[Range]) -> list[Range]:
    out: list[Range] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
