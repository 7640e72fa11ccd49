"""Which endpoint an address belongs to: the address book of one cloud network.

A provider builds the book from the cloud's own state (a snapshot or a live collect, never
the builder's plan): the CIDRs each segment's subnets hold, the addresses of each service's
private endpoints, the network's own ranges, the addresses inside it whose end logs nothing (Azure private
endpoints: only the sender's side logs them). Looking an address up gives:

- the owner with the most specific range (a /32 endpoint address inside the VPC range wins);
- `unknown` for an address inside the network, or any other private address, that no
  endpoint owns (a workload in a subnet bulkhead did not create, a peered network);
- `internet` for every other (public) address.

An IPv4-mapped IPv6 address (`::ffff:10.10.1.32`, how a dual-stack socket writes an IPv4
peer) is the IPv4 address it carries: the same packet, so it is looked up as that address (a
bad record instead would let a violation pass as unclassifiable; as IPv6 it would be `internet`).

`aliases` name endpoints that stand for several model endpoints at once: GCP serves every
Google API from one address range, so traffic to it may be any of the services. `interfaces`
lists the addresses each network interface owns, so a reader can tell at which end of a flow
a record was captured (infra/flows/records.py `FlowRecord.at`); `transit` interfaces (NAT
gateways) own neither end of the flows they carry.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

from infra.flows.records import Capture
from infra.reach import INTERNET

UNKNOWN = "unknown"
UNLOGGED = "-"  # inside the network, but its end writes no flow log of its own
NOT_PUBLIC = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/127", "fc00::/7", "fe80::/10", "ff00::/8")
CACHE_LIMIT = 50_000  # distinct addresses remembered; a scan from many sources must not grow memory

# (first, last, rank, prefix length, name): an owner outranks the network's own range, which
# outranks the private ranges; within a rank the more specific range wins.
_Entry = tuple[int, int, int, int, str]


class AddressBook:
    def __init__(self, owners: Iterable[tuple[str, str]], local: Iterable[str],
                 aliases: Mapping[str, frozenset[str]] | None = None,
                 interfaces: Mapping[str, Iterable[str]] | None = None, transit: Iterable[str] = (),
                 unlogged: Iterable[str] = ()):
        self.owners = tuple(sorted(set(owners)))
        self.local = tuple(sorted(set(local)))
        self.unlogged = tuple(sorted(set(unlogged)))
        self.aliases = dict(aliases or {})
        self.interfaces = {k: frozenset(v) for k, v in (interfaces or {}).items()}
        self.transit = frozenset(transit)
        entries: dict[int, list[_Entry]] = {4: [], 6: []}
        for rank, pairs in ((2, self.owners), (1, [(c, UNKNOWN) for c in self.local]),
                            (0, [(c, UNKNOWN) for c in NOT_PUBLIC])):
            for cidr, name in pairs:
                net = ip_network(cidr, strict=False)
                entries[net.version].append((int(net.network_address), int(net.broadcast_address), rank,
                                             net.prefixlen, name))
        self._maps = {v: _flatten(e) for v, e in entries.items()}
        # Only the network's own ranges (a service may own public ranges: the S3 prefix list),
        # minus the addresses whose end writes no flow log (Azure private endpoints).
        for cidr in self.unlogged:
            net = ip_network(cidr, strict=False)
            entries[net.version].append((int(net.network_address), int(net.broadcast_address), 3, net.prefixlen,
                                         UNLOGGED))
        self._local = {v: _flatten([e for e in es if e[2] in (1, 3)]) for v, es in entries.items()}
        self._cache: dict[str, str] = {}
        self._local_cache: dict[str, bool] = {}

    def endpoint(self, address: str) -> str:
        """The endpoint owning `address`; ValueError when it is not an IP address."""
        found = self._cache.get(address)
        if found is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[address] = self._lookup(unmapped(address), self._maps) or INTERNET
        return found

    def is_local(self, address: str) -> bool:
        """Inside the network's own ranges, where every interface's traffic is logged too."""
        found = self._local_cache.get(address)
        if found is None:
            if len(self._local_cache) >= CACHE_LIMIT:
                self._local_cache.clear()
            try:
                found = self._lookup(unmapped(address), self._local) not in (None, UNLOGGED)
            except ValueError:
                found = False
            self._local_cache[address] = found
        return found

    def capture(self, interface: str, src: str, dst: str) -> Capture:
        """At which end of src -> dst the record of `interface` was taken ("" when unknown)."""
        if interface in self.transit:
            return "transit"
        owned = self.interfaces.get(interface)
        if owned is None:
            return ""
        if src in owned:
            return "src"
        if dst in owned:
            return "dst"
        if ":" in src or ":" in dst:  # rare: only then is the IPv4 inside a mapped address worth looking for
            return "src" if _plain(src) in owned else "dst" if _plain(dst) in owned else ""
        return ""

    def local_ranges(self) -> list[tuple[int, int]]:
        """The IPv4 ranges where `is_local` holds, disjoint (for the SQL emitter)."""
        starts, ends, names = self._local[4]
        return [(lo, hi) for lo, hi, name in zip(starts, ends, names, strict=True) if name != UNLOGGED]

    def ranges(self) -> list[tuple[int, int, str]]:
        """The IPv4 map as disjoint (first, last, endpoint) ranges, for the SQL emitter."""
        starts, ends, names = self._maps[4]
        return list(zip(starts, ends, names, strict=True))

    @staticmethod
    def _lookup(address: IPv4Address | IPv6Address,
                maps: dict[int, tuple[list[int], list[int], list[str]]]) -> str | None:
        starts, ends, names = maps[address.version]
        value = int(address)
        i = bisect_right(starts, value) - 1
        return names[i] if i >= 0 and value <= ends[i] else None


def unmapped(address: str) -> IPv4Address | IPv6Address:
    """The address; an IPv4-mapped IPv6 address as its IPv4 address. ValueError when it is none."""
    found = ip_address(address)
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _plain(address: str) -> str:
    """`address` as the snapshot writes an interface's address (a mapped one as its IPv4 text)."""
    try:
        return str(unmapped(address))
    except ValueError:
        return address


def _flatten(entries: list[_Entry]) -> tuple[list[int], list[int], list[str]]:
    """Overlapping ranges -> disjoint ones, each carrying its best (highest rank, most specific) owner.

    A sweep over the range boundaries: ranges are CIDRs, so they nest and few are open at once.
    """
    bounds = sorted({e[0] for e in entries} | {e[1] + 1 for e in entries})
    by_start = sorted(entries)
    starts: list[int] = []
    ends: list[int] = []
    names: list[str] = []
    active: list[_Entry] = []
    k = 0
    for i, lo in enumerate(bounds[:-1]):
        active = [e for e in active if e[1] >= lo]
        while k < len(by_start) and by_start[k][0] <= lo:
            active.append(by_start[k])
            k += 1
        if not active:
            continue
        best = max(active, key=lambda e: (e[2], e[3], e[4]))
        hi = bounds[i + 1] - 1
        if names and names[-1] == best[4] and ends[-1] + 1 == lo:
            ends[-1] = hi  # merge neighbours with the same owner
        else:
            starts.append(lo)
            ends.append(hi)
            names.append(best[4])
    return starts, ends, names
