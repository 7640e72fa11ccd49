"""Security groups: stateful allow-only filters, the union of every group on an interface.

Rules come one per source from `SecurityGroupRules.json` (ids `sgr-…`); a snapshot without
it (a plain `describe-security-groups` dump) is expanded from `IpPermissions`, one rule per
CIDR / IPv6 range / prefix list / group pair, with a deterministic synthetic id
(`<group>#in-tcp-443-443-0.0.0.0/0`) so evidence still points at one source.

Peers: a CIDR names the endpoints it overlaps; a referenced group names the endpoints whose
interfaces carry it (private addresses, same VPC); an AWS-managed prefix list (`com.amazonaws.<region>.s3`)
names its service and, unless the interface's route table sends that service to a gateway
endpoint (`routed`), the internet (its ranges are public); a customer prefix list its CIDRs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from infra.ports import PortSet
from infra.reach import Filter, Rule
from providers.aws.observe.addresses import AddressBook, family
from providers.aws.observe.protocols import port_set, protocol_of
from providers.aws.observe.resources import Json, Resources


class SgRule(NamedTuple):  # a named tuple, not a dataclass: ten thousand are made per large account, fast
    id: str  # evidence id: aws:sg/<group>#<sgr-id or synthetic>
    group: str
    egress: bool
    protocol: str
    low: int | None
    high: int | None
    cidr: str | None = None
    prefix_list: str | None = None
    group_ref: str | None = None


def sg_rules(resources: Resources) -> dict[str, list[SgRule]]:
    """Group id -> its rules, from SecurityGroupRules when present, else from IpPermissions."""
    out: dict[str, list[SgRule]] = {}
    for raw in resources["SecurityGroupRules"]:
        out.setdefault(raw["GroupId"], []).append(_from_rule(raw))
    for group in resources["SecurityGroups"]:
        gid = group["GroupId"]
        if gid in out:
            continue
        out[gid] = [r for key, egress in (("IpPermissions", False), ("IpPermissionsEgress", True))
                    for perm in group.get(key, []) for r in _from_permission(gid, egress, perm)]
    return out


def _from_rule(raw: Json) -> SgRule:
    ref = (raw.get("ReferencedGroupInfo") or {}).get("GroupId")
    return SgRule(f"aws:sg/{raw['GroupId']}#{raw['SecurityGroupRuleId']}", raw["GroupId"], bool(raw.get("IsEgress")),
                  str(raw.get("IpProtocol", "-1")), raw.get("FromPort"), raw.get("ToPort"),
                  raw.get("CidrIpv4") or raw.get("CidrIpv6"), raw.get("PrefixListId"), ref)


def _from_permission(gid: str, egress: bool, perm: Json) -> list[SgRule]:
    proto, low, high = str(perm.get("IpProtocol", "-1")), perm.get("FromPort"), perm.get("ToPort")
    sources: list[tuple[str, str | None, str | None, str | None]] = []
    sources += [(r["CidrIp"], r["CidrIp"], None, None) for r in perm.get("IpRanges", [])]
    sources += [(r["CidrIpv6"], r["CidrIpv6"], None, None) for r in perm.get("Ipv6Ranges", [])]
    sources += [(r["PrefixListId"], None, r["PrefixListId"], None) for r in perm.get("PrefixListIds", [])]
    sources += [(r["GroupId"], None, None, r["GroupId"]) for r in perm.get("UserIdGroupPairs", []) if "GroupId" in r]
    direction = "out" if egress else "in"
    return [SgRule(f"aws:sg/{gid}#{direction}-{proto}-{low}-{high}-{label}", gid, egress, proto, low, high,
                   cidr, pl, ref) for label, cidr, pl, ref in sources]


class GroupFilters:
    """Builds (and caches) the union filter of a set of groups for one direction and family."""

    def __init__(self, rules: dict[str, list[SgRule]], books: dict[str, AddressBook],
                 members: Callable[[str], frozenset[str]],
                 prefix_lists: Callable[[str, str, frozenset[str]], frozenset[str]]):
        self.rules, self.books, self.members, self.prefix_lists = rules, books, members, prefix_lists
        self._cache: dict[tuple[tuple[str, ...], bool, str, frozenset[str]], Filter] = {}

    def of(self, groups: tuple[str, ...], egress: bool, fam: str, routed: frozenset[str] = frozenset()) -> Filter:
        """`routed`: gateway services the sender's route table sends to an endpoint, not the internet."""
        key = (tuple(sorted(set(groups))), egress, fam, routed)
        found = self._cache.get(key)
        if found is None:
            rules = tuple(r for g in key[0] for raw in self.rules.get(g, []) if raw.egress == egress
                          if (r := self._rule(raw, fam, routed)) is not None)
            name = "+".join(key[0]) or "none"
            found = self._cache[key] = Filter(f"aws:sg/{name}#{'egress' if egress else 'ingress'}", "union", rules)
        return found

    def _rule(self, raw: SgRule, fam: str, routed: frozenset[str]) -> Rule | None:
        protocol = protocol_of(raw.protocol, fam)
        if protocol == "other":
            return None
        peers = self._peers(raw, fam, routed)
        if not peers:
            return None
        ports: PortSet | None = port_set(protocol, raw.low, raw.high)
        return Rule(raw.id, "allow", peers, None if protocol == "all" else protocol, ports)

    def _peers(self, raw: SgRule, fam: str, routed: frozenset[str]) -> frozenset[str]:
        if raw.group_ref is not None:
            return self.members(raw.group_ref)
        if raw.prefix_list is not None:
            return self.prefix_lists(raw.prefix_list, fam, routed)
        if raw.cidr is None or family(raw.cidr) != fam:
            return frozenset()
        return self.books[fam].overlapping(raw.cidr)
