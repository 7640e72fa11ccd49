"""GCP VPC firewall rules -> one ordered neutral filter per segment and direction.

The semantics (docs/cloud-semantics.md 2.1 and gotchas 14-16):
- rules are walked by priority (lower first); at equal priority a deny wins over an allow;
- disabled rules do not exist; rules of another network do not count;
- the implied rules close the walk: allow every egress, deny every ingress (priority 65535);
- the far side is an OR of ranges, source service accounts and source tags; a rule with no
  source at all matches 0.0.0.0/0 (ingress), with no destination 0.0.0.0/0 (egress);
- the target is a list of service accounts, a list of tags, or (neither) every instance;
  the rule's own-side ranges (destinationRanges of an ingress rule, sourceRanges of an
  egress rule) narrow it to the segments they touch, or to any segment when they name
  public addresses (a workload's external IP).

What bulkhead cannot see is treated so that a path is never hidden: network tags are not
collected (they live on instances), so a tag-targeted or tag-sourced ALLOW is assumed to
reach every segment, and a tag-based DENY is assumed to protect none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from infra.ports import PortSet, Protocol
from infra.reach import INTERNET, Filter, Rule
from providers.gcp.observe.ranges import INTERNET as INTERNET_RANGE
from providers.gcp.observe.ranges import Addresses, addresses, covers, overlaps

Json = dict[str, Any]
Direction = Literal["INGRESS", "EGRESS"]
DEFAULT_PRIORITY = 1000
PROTOCOLS: dict[str, Protocol | None] = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp",
                                         "icmp": "icmp", "1": "icmp", "all": None}
IMPLIED = {
    "EGRESS": Rule("gcp:implied/allow-egress", "allow", None),
    "INGRESS": Rule("gcp:implied/deny-ingress", "deny", None),
}


@dataclass(frozen=True)
class Place:
    """A segment as the firewall sees it: its subnet range, identity and network."""

    segment: str
    subnet: str
    block: Addresses
    account: str | None
    network: str  # the network's selfLink
    # The network tags of the instances it stands for; None = not known (a segment's subnet:
    # instances are not read for paths), so a tag-targeted allow may apply and a deny may not.
    tags: frozenset[str] | None = None


@dataclass(frozen=True)
class Surroundings:
    places: tuple[Place, ...]
    services: tuple[str, ...]  # service endpoints behind the Google APIs VIPs
    vips: dict[str, Addresses]  # peer name (what a rule toward it matches) -> the VIP's range
    peers: dict[str, Addresses] = field(default_factory=dict)  # peer:<network> -> its ranges (peering.py)


def rule_id(firewall: Json) -> str:
    return f"gcp:firewall/{firewall['name']}"


def is_deny(firewall: Json) -> bool:
    return bool(firewall.get("denied")) and not firewall.get("allowed")


def evaluation_order(firewalls: Iterable[Json]) -> list[Json]:
    """Priority ascending, deny before allow at equal priority, then by name (stable evidence)."""
    return sorted(firewalls, key=lambda f: (int(f.get("priority", DEFAULT_PRIORITY)),
                                            0 if is_deny(f) else 1, f["name"]))


def segment_filter(place: Place, direction: Direction, firewalls: list[Json], around: Surroundings,
                   cache: dict[str, tuple[Rule, ...]]) -> Filter:
    """The ordered filter `direction` of `place`: its network's enabled rules that target it.

    `firewalls` must already be in evaluation order; `cache` keeps each rule's neutral
    form, which does not depend on the target (only whether it applies does).
    """
    rules: list[Rule] = []
    for fw in firewalls:
        if fw.get("network") != place.network or fw.get("disabled") or fw.get("direction", "INGRESS") != direction:
            continue
        if not applies(fw, place):
            continue
        if fw["name"] not in cache:
            cache[fw["name"]] = tuple(neutral_rules(fw, around))
        rules.extend(cache[fw["name"]])
    rules.append(IMPLIED[direction])
    return Filter(f"gcp:firewall/{place.segment}/{direction.lower()}", "ordered", tuple(rules))


def applies(fw: Json, place: Place) -> bool:
    """Whether the rule governs the segment's instances (allows: may; denies: surely)."""
    deny = is_deny(fw)
    accounts, tags = fw.get("targetServiceAccounts") or [], fw.get("targetTags") or []
    if accounts:
        if place.account not in accounts:
            return False
    elif tags:
        if place.tags is not None and not place.tags.intersection(tags):
            return False
        if place.tags is None and deny:
            return False
    own = fw.get("sourceRanges" if fw.get("direction") == "EGRESS" else "destinationRanges") or []
    if not own:
        return True
    ranges = addresses(own)
    if deny:
        return covers(ranges, place.block)
    # The range may name a workload's external IP, which any workload can be given and which
    # bulkhead does not collect (instances are not read), so a public range may be anyone's.
    return overlaps(ranges, place.block) or overlaps(ranges, INTERNET_RANGE)


def neutral_rules(fw: Json, around: Surroundings) -> list[Rule]:
    deny = is_deny(fw)
    peers = frozenset(far_side(fw, around, deny))
    out = []
    for entry in fw.get("denied" if deny else "allowed") or []:
        protocol_name = str(entry.get("IPProtocol", "")).lower()
        if protocol_name not in PROTOCOLS:
            continue  # esp, ah, sctp...: no neutral path uses them
        protocol = PROTOCOLS[protocol_name]
        out.append(Rule(rule_id(fw), "deny" if deny else "allow", peers, protocol,
                        port_set(entry.get("ports") or [], protocol)))
    return out


def port_set(ports: list[str], protocol: Protocol | None) -> PortSet | None:
    if not ports or protocol in (None, "icmp"):
        return None
    ranges = []
    for text in ports:
        lo, _, hi = str(text).partition("-")
        ranges.append((int(lo), int(hi or lo)))
    return PortSet.of(ranges)


def far_side(fw: Json, around: Surroundings, deny: bool) -> set[str]:
    """The endpoints at the other end: for an allow every one it touches, for a deny those it covers."""
    if fw.get("direction") == "EGRESS":
        return range_peers(addresses(fw.get("destinationRanges") or ["0.0.0.0/0"]), around, deny)
    ranges, accounts, tags = (fw.get("sourceRanges") or [], fw.get("sourceServiceAccounts") or [],
                              fw.get("sourceTags") or [])
    if not (ranges or accounts or tags):
        ranges = ["0.0.0.0/0"]
    found = range_peers(addresses(ranges), around, deny)
    found |= {p.segment for p in around.places if p.account and p.account in accounts}
    if tags and not deny:
        found |= {p.segment for p in around.places}
    found -= {*around.services, *around.vips}  # Google APIs do not open connections to segments
    return found


def range_peers(ranges: Addresses, around: Surroundings, deny: bool) -> set[str]:
    test = covers if deny else overlaps
    found = {p.segment for p in around.places if test(ranges, p.block)}
    found.update(name for name, block in around.peers.items() if test(ranges, block))
    if test(ranges, INTERNET_RANGE):
        found.add(INTERNET)
    # Each VIP on its own: a deny covering one closes the APIs through that one only.
    found.update(name for name, vip in around.vips.items() if test(ranges, vip))
    return found
