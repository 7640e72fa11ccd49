"""Who an NSG rule's source or destination names: Azure addresses, tags and ASGs -> endpoints.

A `Member` is one thing that sends and receives: a NIC, a private endpoint's NIC, a notional
workload of a segment that has no NIC yet (its subnet's range, its segment's ASG), or the
internet. A rule side is a set of items (the union of the singular and plural fields:
prefixes, service tags, ASG ids). An allow names every endpoint one of whose members it
overlaps; a deny only those all of whose members it covers (a partial deny closes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, collapse_addresses
from typing import Any

EVERYTHING = frozenset({"*", "any", "0.0.0.0/0"})
# Address space that is never "Internet" (Azure's Internet tag: public address space).
NOT_PUBLIC = tuple(IPv4Network(n) for n in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                                            "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4",
                                            "240.0.0.0/4"))
# Service tags that stand for Azure platform addresses inside no endpoint (168.63.129.16 probes).
PLATFORM_TAGS = frozenset({"azureloadbalancer"})


@dataclass(frozen=True)
class Member:
    id: str
    addresses: tuple[IPv4Network, ...] = ()
    asgs: frozenset[str] = frozenset()  # lower-case ASG ids
    in_vnet: bool = True
    internet: bool = False
    # A service reached through a subnet service endpoint: its lower-case service tags
    # (`storage` also matches the regional `storage.eastus`).
    service_tags: frozenset[str] = frozenset()


INTERNET_MEMBER = Member("internet", in_vnet=False, internet=True)


@dataclass(frozen=True)
class Items:
    """One side of a rule: lower-cased service tags, prefixes and ASG ids."""

    tags: frozenset[str]
    prefixes: tuple[IPv4Network, ...]
    asgs: frozenset[str]

    @property
    def everything(self) -> bool:
        return bool(self.tags & EVERYTHING) or any(p.prefixlen == 0 for p in self.prefixes)


def rule_items(props: Mapping[str, Any], side: str) -> Items:
    """Union of `<side>AddressPrefix`, `<side>AddressPrefixes` and `<side>ApplicationSecurityGroups`."""
    raw = [props.get(f"{side}AddressPrefix")] + list(props.get(f"{side}AddressPrefixes") or [])
    tags: set[str] = set()
    prefixes: list[IPv4Network] = []
    for value in (str(v).strip() for v in raw if v):
        try:
            prefixes.append(IPv4Network(value, strict=False))
        except ValueError:
            tags.add(value.lower())  # a service tag (VirtualNetwork, Internet, Storage.EastUS, *) or IPv6
    asgs = frozenset(str(a.get("id", "")).lower() for a in props.get(f"{side}ApplicationSecurityGroups") or [])
    return Items(frozenset(tags), tuple(prefixes), asgs)


def _public(prefix: IPv4Network) -> bool:
    return not any(prefix.subnet_of(block) for block in NOT_PUBLIC)


def _service_tagged(items: Items, member: Member) -> bool:
    """A service endpoint's service: its tag (or a regional one), or `Internet` (Azure public space)."""
    return "internet" in items.tags or any(t == s or t.startswith(s + ".") for t in items.tags
                                           for s in member.service_tags)


def overlaps(items: Items, member: Member) -> bool:
    if items.everything:
        return True
    if member.service_tags:
        return _service_tagged(items, member)
    if member.internet:
        # Any other service tag (Storage, AzureCloud, ...) is public Azure address space.
        other_tags = items.tags - {"virtualnetwork", "internet"} - PLATFORM_TAGS
        # in_vnet: a user route made public space part of the VirtualNetwork tag.
        vnet_tag = member.in_vnet and "virtualnetwork" in items.tags
        return "internet" in items.tags or vnet_tag or bool(other_tags) or any(_public(p) for p in items.prefixes)
    if member.asgs & items.asgs or (member.in_vnet and "virtualnetwork" in items.tags):
        return True
    return any(p.overlaps(a) for p in items.prefixes for a in member.addresses)


def covers(items: Items, member: Member) -> bool:
    if items.everything:
        return True
    if member.service_tags:
        return _service_tagged(items, member)
    if member.internet:
        return "internet" in items.tags or any(p.prefixlen == 0 for p in collapse_addresses(items.prefixes))
    if member.asgs & items.asgs or (member.in_vnet and "virtualnetwork" in items.tags):
        return True
    if not member.addresses or not items.prefixes:
        return False
    merged = list(collapse_addresses(items.prefixes))
    return all(any(a.subnet_of(p) for p in merged) for a in member.addresses)


class Universe:
    """Every endpoint with its members; resolves rule sides to peer sets (cached per side)."""

    def __init__(self, members: Mapping[str, Iterable[Member]]):
        self.members = {endpoint: tuple(found) for endpoint, found in members.items()}
        self._cache: dict[tuple[Items, bool], frozenset[str] | None] = {}

    def peers(self, items: Items, allow: bool) -> frozenset[str] | None:
        """None when the side names every endpoint (the engine's wildcard)."""
        key = (items, allow)
        if key not in self._cache:
            self._cache[key] = None if items.everything else frozenset(
                endpoint for endpoint, members in self.members.items() if members and (
                    any(overlaps(items, m) for m in members) if allow else all(covers(items, m) for m in members)))
        return self._cache[key]
