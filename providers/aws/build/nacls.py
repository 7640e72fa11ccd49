"""Network ACL entries (pure): the stateless, CIDR-only second layer under the security groups.

NACLs are stateless, so every allowed forward entry needs a reply entry in the opposite
direction: tcp/udp replies go to the client's ephemeral ports 1024-65535 (the range AWS
recommends: it covers NAT gateways, ELB, Lambda, Linux and Windows clients) and ICMP
replies are ICMP of every type. Replies are added only toward the peers that need them.

Peers are CIDRs: another segment's whole /24 slot, the VPC (for the shared endpoint and NAT
subnets), or 0.0.0.0/0 for the internet. S3 through the gateway endpoint is the one
awkward case: its addresses are the S3 prefix list, which NACLs cannot name, and copying
the prefix list's CIDRs would spend most of the 20-entry quota and go stale when AWS
changes them. So a segment that declares object-storage allows tcp 443 out to 0.0.0.0/0
and the tcp ephemeral replies in from 0.0.0.0/0, in ITS OWN NACL only. The security group
still names the prefix list and the route table has no internet route, so the NACL is not
what confines that segment to S3 (the verifier models exactly that).

0.0.0.0/0 contains the VPC itself, so an internet entry alone would also open that port
to and from every other subnet (serving, allowed out to the internet on 443, would reach
edge, reachable from the internet on 443, directly). Every NACL with an entry for 0.0.0.0/0
in a direction therefore denies the VPC's CIDR, every protocol, in that direction, numbered
after the entries for peers inside the VPC and before the 0.0.0.0/0 ones: first match wins.

Numbers come in bands so that adding a peer renumbers nothing else: allows toward peers
inside the VPC from 100 up, the VPC deny at 32000, allows toward 0.0.0.0/0 from 32010 up,
each band in a canonical order (peer label, protocol, ports) that does not depend on the
YAML's order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from ipaddress import IPv4Network

from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, Path
from infra.ports import EPHEMERAL, IANA_NUMBER, PortSet, Protocol
from providers.aws.build.rules import ANYWHERE, NaclEntry
from providers.aws.services import endpoint

RULE_NUMBER_STEP = 10
BAND_START = {"inside": 100, "deny": 32000, "anywhere": 32010}
ANYWHERE_LABEL = "anywhere"
VPC_LABEL = "vpc"
ALL_PROTOCOLS = -1


@dataclass(frozen=True, order=True)
class Peer:
    label: str  # for the logical name: a segment name, `anywhere`, `vpc`, `_endpoints-a`
    cidr: str


@dataclass(frozen=True, order=True)
class Allow:
    """One entry before numbering: direction, peer and one protocol interval."""

    egress: bool
    peer: Peer
    protocol: Protocol
    ports: tuple[int, int]

    @property
    def band(self) -> str:
        return "anywhere" if self.peer.cidr == ANYWHERE else "inside"


def reply_ports(protocol: Protocol) -> PortSet:
    return _REPLIES[protocol]


_REPLIES: dict[Protocol, PortSet] = {"icmp": PortSet.full("icmp"), "tcp": PortSet.single(*EPHEMERAL),
                                     "udp": PortSet.single(*EPHEMERAL)}


def allows(egress: bool, peer: Peer, protocol: Protocol, ports: PortSet) -> list[Allow]:
    return [Allow(egress, peer, protocol, interval) for interval in ports]


def segment_allows(cp: CloudPlan, segment: str, endpoint_subnets: Iterable[Peer]) -> list[Allow]:
    """The forward and reply entries of one segment's NACL, derived from its paths."""
    interface_peers = tuple(endpoint_subnets)
    out: list[Allow] = []
    for path in cp.paths_from(segment):
        for peer in _far_peers(cp, path.dst, interface_peers):
            out += allows(True, peer, path.protocol, path.ports)
            out += allows(False, peer, path.protocol, reply_ports(path.protocol))
    for path in cp.paths_to(segment):  # an intra-segment path is in both lists: both ends are here
        for peer in _far_peers(cp, path.src, interface_peers):
            out += allows(False, peer, path.protocol, path.ports)
            out += allows(True, peer, path.protocol, reply_ports(path.protocol))
    return out


def _far_peers(cp: CloudPlan, end: str, interface_peers: tuple[Peer, ...]) -> tuple[Peer, ...]:
    if end == INTERNET:
        return (Peer(ANYWHERE_LABEL, ANYWHERE),)
    if end.startswith(SERVICE_PREFIX):
        service = end[len(SERVICE_PREFIX):]
        # S3 has no CIDR a NACL could name: see the module docstring.
        return (Peer(ANYWHERE_LABEL, ANYWHERE),) if endpoint(service).kind == "Gateway" else interface_peers
    return (Peer(end, _text(cp.placement(end).block)),)


@cache
def _text(block: IPv4Network) -> str:
    return str(block)  # ipaddress formats on every call; a segment is the peer of many paths


def endpoint_subnet_allows(vpc: IPv4Network) -> list[Allow]:
    """The shared endpoint subnets: https in from the VPC, replies back.

    The VPC CIDR rather than one entry per declaring segment keeps this NACL inside its
    quota however many segments use endpoints; the endpoint security group and each
    segment's own NACL are what admit only the declaring segments.
    """
    peer = Peer(VPC_LABEL, str(vpc))
    return (allows(False, peer, "tcp", PortSet.single(443))
            + allows(True, peer, "tcp", reply_ports("tcp")))


def nat_subnet_allows(vpc: IPv4Network, egress: list[Path]) -> list[Allow]:
    """The shared public (NAT) subnet: the egress segments' ports from the VPC to anywhere."""
    inside, outside = Peer(VPC_LABEL, str(vpc)), Peer(ANYWHERE_LABEL, ANYWHERE)
    merged: dict[Protocol, PortSet] = {}
    for path in egress:
        merged[path.protocol] = merged.get(path.protocol, PortSet()) | path.ports
    out: list[Allow] = []
    for protocol, ports in merged.items():
        out += allows(False, inside, protocol, ports) + allows(True, outside, protocol, ports)
        out += (allows(False, outside, protocol, reply_ports(protocol))
                + allows(True, inside, protocol, reply_ports(protocol)))
    return out


def number_entries(model: str, owner: str, acl: str, segment: str, entries: Iterable[Allow],
                   vpc: IPv4Network) -> list[NaclEntry]:
    """Deduplicate and number one NACL's entries per direction, adding the VPC deny where needed."""
    unique = sorted(set(entries), key=_canonical)
    numbered: list[NaclEntry] = []
    for egress in (False, True):
        inside = [a for a in unique if a.egress == egress and a.band == "inside"]
        anywhere = [a for a in unique if a.egress == egress and a.band == "anywhere"]
        numbered += [_entry(model, owner, acl, segment, BAND_START["inside"] + i * RULE_NUMBER_STEP, a)
                     for i, a in enumerate(inside)]
        if anywhere:
            numbered.append(_deny_vpc(model, owner, acl, segment, egress, vpc))
        numbered += [_entry(model, owner, acl, segment, BAND_START["anywhere"] + i * RULE_NUMBER_STEP, a)
                     for i, a in enumerate(anywhere)]
    return numbered


def _canonical(allow: Allow) -> tuple[bool, str, str, int, tuple[int, int]]:
    return (allow.egress, allow.peer.label, allow.peer.cidr, IANA_NUMBER[allow.protocol], allow.ports)


def _deny_vpc(model: str, owner: str, acl: str, segment: str, egress: bool, vpc: IPv4Network) -> NaclEntry:
    direction = "out" if egress else "in"
    return NaclEntry(name=f"{model}-{owner}-nacl-{direction}-deny-{VPC_LABEL}", acl=acl, segment=segment,
                     number=BAND_START["deny"], egress=egress, protocol=ALL_PROTOCOLS, cidr=str(vpc),
                     from_port=None, to_port=None, action="deny")


def _entry(model: str, owner: str, acl: str, segment: str, number: int, allow: Allow) -> NaclEntry:
    lo, hi = allow.ports
    icmp = allow.protocol == "icmp"
    ports = "all" if icmp else (str(lo) if lo == hi else f"{lo}-{hi}")
    direction = "out" if allow.egress else "in"
    return NaclEntry(
        name=f"{model}-{owner}-nacl-{direction}-{allow.peer.label}-{allow.protocol}-{ports}",
        acl=acl, segment=segment, number=number, egress=allow.egress,
        protocol=IANA_NUMBER[allow.protocol], cidr=allow.peer.cidr,
        from_port=None if icmp else lo, to_port=None if icmp else hi,
        icmp_type=-1 if icmp else None, icmp_code=-1 if icmp else None)
