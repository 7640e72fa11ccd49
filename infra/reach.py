"""The neutral path engine: which traffic passes a chain of filters (DESIGN.md "Paths and filters").

A cloud's normalizer turns that cloud's state into a `Network`: for each ordered pair of
endpoints (segment names, `internet`, `service:<name>`) the alternative chains of `Step`s a
packet would cross (one chain per pair of real interfaces, routes included). Rules name the
endpoints they match (`peers`), already resolved by the normalizer from CIDRs, groups,
service accounts or tags, so this module needs no cloud knowledge and no IP arithmetic:

- allow-union, stateful (AWS security groups, routing): the union of matching allows passes;
- ordered first-match, stateful (GCP firewall rules, Azure NSGs, with their implied rules):
  walk rules in order keeping the still-undecided traffic; an allow takes it, a deny drops it;
- ordered first-match, stateless (AWS network ACLs): the same walk, and a `reply` step checks
  that the answers (ephemeral ports; any ICMP) pass the opposite direction.

Every decision keeps the ids of the rules that made it, so a report says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from infra.ports import Protocol, PortSet

FilterKind = Literal["union", "ordered"]
Action = Literal["allow", "deny"]


@dataclass(frozen=True)
class Rule:
    """One entry of a filter. `peers is None` matches every endpoint (e.g. 0.0.0.0/0 + VNet tag).

    For an allow, `peers` holds every endpoint the rule's source/destination overlaps; for a
    deny only those it covers completely (a partial deny does not close a path).
    `protocol is None` means every protocol; `ports is None` every port of it.
    """

    id: str
    action: Action
    peers: frozenset[str] | None
    protocol: Protocol | None = None
    ports: PortSet | None = None


@dataclass(frozen=True)
class Filter:
    """A security group set, NACL direction, firewall direction, NSG direction or route table."""

    id: str
    kind: FilterKind
    rules: tuple[Rule, ...]  # for "ordered": already in evaluation order (priority, deny first)


@dataclass(frozen=True)
class Step:
    """Cross `filter`, whose rules must match `peer` (the far end of the packet at this hop).

    `reply=True` is a stateless check of the answers: the filter must pass the protocol's
    replies (tcp/udp to ephemeral ports 1024-65535, any ICMP) coming from/going to `peer`.
    """

    filter: Filter
    peer: str
    reply: bool = False


@dataclass(frozen=True)
class Posture:
    """A finding about configuration rather than a path (flow logs off, rules in a default group)."""

    resource: str
    message: str
    evidence: tuple[str, ...] = ()
    segment: str | None = None


@dataclass(frozen=True)
class Network:
    """A cloud's state in neutral form, produced by providers/<cloud>/normalize.py."""

    cloud: str
    endpoints: tuple[str, ...]
    chains: dict[tuple[str, str], tuple[tuple[Step, ...], ...]] = field(default_factory=dict)
    posture: tuple[Posture, ...] = ()
    # Audit mode (no model): interfaces exposed to the internet, filled by the normalizer.
    exposures: tuple[dict[str, object], ...] = ()
