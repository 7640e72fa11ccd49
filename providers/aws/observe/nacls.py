"""Network ACLs: stateless, ordered by rule number, lowest first; no match means deny.

Each subnet has exactly one NACL: its explicit association, else the VPC's default NACL.
Entries are split by direction and family (`CidrBlock` vs `Ipv6CidrBlock`). The `*` entries
(32767 IPv4, 32768 IPv6) are ordinary deny-all entries here, so a snapshot that lists them
(AWS) and one that does not (moto) evaluate alike. Replies are checked by the engine
(`Step.reply`) on the opposite direction's filter.
"""

from __future__ import annotations

from infra.reach import Filter, Rule
from providers.aws.observe.addresses import AddressBook, family
from providers.aws.observe.protocols import port_set, protocol_of
from providers.aws.observe.resources import Json, Resources


def acl_of_subnets(resources: Resources) -> dict[str, Json]:
    """Subnet id -> its NACL (explicit association, else the VPC default)."""
    out: dict[str, Json] = {}
    defaults = {a["VpcId"]: a for a in resources["NetworkAcls"] if a.get("IsDefault")}
    for acl in resources["NetworkAcls"]:
        for assoc in acl.get("Associations", []):
            if assoc.get("SubnetId"):
                out[assoc["SubnetId"]] = acl
    for subnet in resources["Subnets"]:
        if subnet["SubnetId"] not in out and subnet.get("VpcId") in defaults:
            out[subnet["SubnetId"]] = defaults[subnet["VpcId"]]
    return out


class AclFilters:
    """One ordered filter per (NACL, direction, family), cached."""

    def __init__(self, books: dict[str, AddressBook]):
        self.books = books
        self._cache: dict[tuple[str, bool, str], Filter] = {}

    def of(self, acl: Json | None, egress: bool, fam: str) -> tuple[Filter, ...]:
        if acl is None:  # a snapshot without NetworkAcls.json: no NACL layer to model
            return ()
        key = (acl["NetworkAclId"], egress, fam)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(acl, egress, fam)
        return (found,)

    def _build(self, acl: Json, egress: bool, fam: str) -> Filter:
        direction = "out" if egress else "in"
        entries = sorted((e for e in acl.get("Entries", []) if bool(e.get("Egress")) == egress),
                         key=lambda e: int(e.get("RuleNumber", 0)))
        prefix = f"aws:nacl/{acl['NetworkAclId']}#"
        book = self.books[fam]
        rules = []
        for entry in entries:  # one Rule per entry: tens of thousands in a large account, kept lean
            cidr = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
            if cidr is None or family(cidr) != fam:
                continue
            protocol = protocol_of(entry.get("Protocol", "-1"), fam)
            if protocol == "other":
                continue
            allow = str(entry.get("RuleAction", "deny")).lower() == "allow"
            if protocol == "icmp":
                ports = port_set(protocol, (entry.get("IcmpTypeCode") or {}).get("Type"), None)
            else:
                rng = entry.get("PortRange") or {}
                ports = port_set(protocol, rng.get("From"), rng.get("To"))
            rules.append(Rule(f"{prefix}{entry.get('RuleNumber')}-{direction}", "allow" if allow else "deny",
                                    book.overlapping(cidr) if allow else book.covered(cidr),
                                    None if protocol == "all" else protocol, ports))
        return Filter(f"{prefix}{direction}", "ordered", tuple(rules))
