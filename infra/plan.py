"""The neutral plan: stable addresses, the canonical allowed paths, quota usage.

Pure and deterministic: the same model always gives the same plan (everything is ordered
by model declaration order or sorted). A cluster (Kubernetes) has no address plan: its
segments are pods chosen by labels, so its plan has no CIDR, slots or subnets, and its
segments' own settings (namespace, labels) ride along. Addressing: each cloud CIDR is cut into /24
"slots"; slot 0 is reserved for shared infrastructure (endpoints, NAT), and each segment
owns one slot in every cloud it is placed in, the same number everywhere. Pinned slots
are taken first, then free slots in declaration order, so a pinned segment's subnets never
move when others are added, removed or reordered (`bulkhead pin` pins them all).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from ipaddress import IPv4Network
from typing import Any

from infra.errors import Problem
from infra.model import CloudName, Model
from infra.ports import PROTOCOLS, PortSet, Protocol, parse_port_specs
from infra.registry import part

SLOT_PREFIX = 24
RESERVED_SLOT = 0
INTERNET = "internet"
SERVICE_PREFIX = "service:"


@dataclass(frozen=True, order=True)
class Path:
    """One allowed (or observed) path: src and dst are segment names, `internet` or `service:x`."""

    src: str
    dst: str
    protocol: Protocol
    ports: PortSet


@dataclass(frozen=True)
class SegmentPlacement:
    segment: str
    cloud: CloudName
    slot: int | None  # None on a cluster, which has no address plan
    address_block: IPv4Network | None  # the whole /24 slot
    subnets: tuple[IPv4Network, ...]  # one per zone (a single one where zones == 1); none on a cluster
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)  # segments.<s>.<cloud>

    @property
    def block(self) -> IPv4Network:
        if self.address_block is None:
            raise ValueError(f"{self.cloud} has no address plan: segment {self.segment} has no block")
        return self.address_block


@dataclass(frozen=True)
class QuotaUsage:
    cloud: CloudName
    scope: str  # the segment (or "network") the count belongs to
    quota: str  # e.g. "security group ingress rules"
    used: int
    limit: int

    @property
    def over(self) -> bool:
        return self.used > self.limit


@dataclass(frozen=True)
class CloudPlan:
    cloud: CloudName
    model: str
    region: str  # the region, or a cluster's name
    network: IPv4Network | None  # the cloud CIDR; None on a cluster
    zones: int
    reserved_block: IPv4Network | None  # slot 0: endpoints, NAT and other shared infrastructure
    segments: tuple[SegmentPlacement, ...]
    paths: tuple[Path, ...]
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # Endpoints the platform implies for every segment (a cluster's DNS): shown as infrastructure.
    implied: tuple[str, ...] = ()

    @property
    def addressed(self) -> bool:
        return self.network is not None

    @property
    def cidr(self) -> IPv4Network:
        if self.network is None:
            raise ValueError(f"{self.cloud} has no address plan (no cidr)")
        return self.network

    @property
    def reserved(self) -> IPv4Network:
        if self.reserved_block is None:
            raise ValueError(f"{self.cloud} has no address plan (no reserved slot)")
        return self.reserved_block

    def placement(self, segment: str) -> SegmentPlacement:
        return self._by_segment[segment]  # KeyError for a segment not placed in this cloud

    @cached_property
    def _by_segment(self) -> dict[str, SegmentPlacement]:
        # Built once per plan: providers look a placement up for every path (linear plans).
        return {placed.segment: placed for placed in self.segments}

    def segment_names(self) -> tuple[str, ...]:
        return self._names

    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(p.segment for p in self.segments)

    def paths_from(self, endpoint: str) -> tuple[Path, ...]:
        """The paths whose source is `endpoint`, in plan order (indexed once: no scan per call)."""
        return self._by_end[0].get(endpoint, ())

    def paths_to(self, endpoint: str) -> tuple[Path, ...]:
        """The paths whose destination is `endpoint`, in plan order."""
        return self._by_end[1].get(endpoint, ())

    @cached_property
    def _by_end(self) -> tuple[dict[str, tuple[Path, ...]], dict[str, tuple[Path, ...]]]:
        sources: dict[str, list[Path]] = {}
        targets: dict[str, list[Path]] = {}
        for path in self.paths:
            sources.setdefault(path.src, []).append(path)
            targets.setdefault(path.dst, []).append(path)
        return ({k: tuple(v) for k, v in sources.items()}, {k: tuple(v) for k, v in targets.items()})


@dataclass(frozen=True)
class Plan:
    model: str
    clouds: tuple[CloudPlan, ...]
    slots: dict[str, int] = field(compare=False, hash=False)

    def cloud(self, name: str) -> CloudPlan:
        for cp in self.clouds:
            if cp.cloud == name:
                return cp
        raise KeyError(name)


def slot_count(cidr: IPv4Network) -> int:
    return 2 ** (SLOT_PREFIX - cidr.prefixlen) if cidr.prefixlen <= SLOT_PREFIX else 0


def assign_slots(model: Model, pins: dict[str, int] | None = None) -> dict[str, int]:
    """Pinned slots first, then the lowest free slot for each other segment in declaration order.
    `pins` adds pins the model does not have (to try one before suggesting it)."""
    pinned = {name: s.slot for name, s in model.segments.items() if s.slot is not None} | (pins or {})
    taken = set(pinned.values())
    slots: dict[str, int] = {}
    free = 1
    for name in model.segments:
        if name in pinned:
            slots[name] = pinned[name]
            continue
        while free in taken or free == RESERVED_SLOT:
            free += 1
        slots[name] = free
        taken.add(free)
    return slots


def slot_block(cidr: IPv4Network, slot: int) -> IPv4Network:
    base = int(cidr.network_address) + (slot << (32 - SLOT_PREFIX))
    return IPv4Network((base, SLOT_PREFIX))


def zone_subnets(block: IPv4Network, zones: int) -> tuple[IPv4Network, ...]:
    """A slot split into four quarters; zone i gets quarter i (stable when zones change)."""
    if zones == 1:
        return (block,)
    quarters = list(block.subnets(prefixlen_diff=2))
    return tuple(quarters[:zones])


def address_problems(model: Model, slots: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    owners: dict[int, str] = {}
    for name, segment in model.segments.items():
        if segment.slot is None:
            continue
        if segment.slot in owners:
            problems.append(Problem(
                ("segments", name, "slot"),
                f"slot {segment.slot} is already pinned by segment '{owners[segment.slot]}'",
                "give every segment its own slot, or remove the slot and let bulkhead pick"))
        owners.setdefault(segment.slot, name)
    for cloud in model.clouds.declared():
        cidr = getattr(getattr(model.clouds, cloud), "cidr", None)
        if cidr is None:  # a cluster: no slots to fit
            continue
        count = slot_count(cidr)
        if count < 2:
            problems.append(Problem(
                ("clouds", cloud, "cidr"),
                f"{cidr} is smaller than two /{SLOT_PREFIX} slots (one is reserved for "
                "endpoints and NAT)",
                f"use a /{SLOT_PREFIX - 1} or larger"))
            continue
        for name in model.segments:
            if cloud in model.placement(name) and slots[name] >= count:
                pinned = model.segments[name].slot is not None
                fixes = [f"pin a slot below {count}" if pinned else
                         f"widen {cloud}'s cidr (a /{SLOT_PREFIX - 8} holds 255 segments)"]
                fixes += _lower_slot(model, slots, name, count, pinned) + _fewer_clouds(model, name, cloud)
                problems.append(Problem(
                    ("segments", name, "slot") if pinned else ("clouds", cloud, "cidr"),
                    f"segment '{name}' needs slot {slots[name]} but {cloud}'s {cidr} has only "
                    f"slots 1-{count - 1} (/{SLOT_PREFIX} each)", ", or ".join(fixes)))
    return problems


def _lower_slot(model: Model, slots: dict[str, int], name: str, count: int, pinned: bool) -> list[str]:
    """`pin slot: N` on the segment, for the N below `count` under which every segment fits every cloud it
    is placed in and the fewest other segments move; nothing when there is none (a pinned segment is told
    to pin lower anyway).

    Unpinned segments fill the lowest free slots, so a lower slot is only ever free by moving one that
    is placed elsewhere: the suggestion names what moves, since a deployed segment that moves has its
    subnets replaced."""
    if pinned:
        return []
    others = {s.slot for other, s in model.segments.items() if other != name and s.slot is not None}
    best: tuple[int, list[str]] | None = None
    for slot in (n for n in range(1, count) if n not in others):
        tried = assign_slots(model, {name: slot})
        moved = [other for other in slots if other != name and tried[other] != slots[other]]
        if _fits(model, tried) and (best is None or len(moved) < len(best[1])):
            best = (slot, moved)
    if best is None:
        return []
    slot, moved = best
    then = (f" (then {', '.join(repr(m) for m in moved)} move to other slots; a deployed segment that moves "
            "has its subnets replaced)") if moved else ""
    return [f"pin slot: {slot} on segment '{name}'{then}"]


def _fewer_clouds(model: Model, name: str, cloud: str) -> list[str]:
    """Leaving `cloud` out of the segment's placement, when it has another cloud and every flow to or from
    it still has a cloud both ends share (a flow between segments sharing none is refused)."""
    rest = [c for c in model.placement(name) if c != cloud]
    if not rest:
        return []
    for flow in model.flows:
        ends = (flow.from_, *flow.targets())
        for other in (e for e in ends if name in ends and e != name and e in model.segments):
            if not set(rest) & set(model.placement(other)):
                return []
    return [f"place it on fewer clouds (clouds: [{', '.join(rest)}])"]


def _fits(model: Model, slots: dict[str, int]) -> bool:
    for cloud in model.clouds.declared():
        cidr = getattr(getattr(model.clouds, cloud), "cidr", None)
        if cidr is not None and any(cloud in model.placement(n) and slots[n] >= slot_count(cidr) for n in slots):
            return False
    return True


def plan_problems(model: Model) -> list[Problem]:
    """Addressing and per-cloud quota problems of a model that passed `reference_problems`."""
    return checked_plan(model)[1]


def checked_plan(model: Model) -> tuple[Plan | None, list[Problem]]:
    """The plan and its problems; no plan when the addressing is wrong (nothing to plan on)."""
    slots = assign_slots(model)
    problems = address_problems(model, slots)
    if problems:
        return None, problems
    plan = make_plan(model)
    for cloud_plan in plan.clouds:
        for usage in quota_usage(cloud_plan):
            if usage.over:
                loc: tuple[str | int, ...] = (
                    ("segments", usage.scope) if usage.scope in model.segments else ("clouds", cloud_plan.cloud))
                problems.append(Problem(
                    loc,
                    f"{usage.cloud}: {usage.scope} needs {usage.used} {usage.quota}, over the "
                    f"limit of {usage.limit}",
                    "merge port ranges or split the segment so fewer peers need rules", key=True))
    return plan, problems


def quota_usage(cloud_plan: CloudPlan) -> list[QuotaUsage]:
    """The provider's own count of what this plan needs against each of its quotas."""
    usages: list[QuotaUsage] = part(cloud_plan.cloud, "build").quota_usage(cloud_plan)
    return usages


def make_plan(model: Model) -> Plan:
    slots = assign_slots(model)
    clouds = tuple(_cloud_plan(model, cloud, slots) for cloud in model.clouds.declared())
    return Plan(model=model.name, clouds=clouds, slots=slots)


def _cloud_plan(model: Model, cloud: CloudName, slots: dict[str, int]) -> CloudPlan:
    config = getattr(model.clouds, cloud)
    if getattr(config, "cidr", None) is None:
        return _cluster_plan(model, cloud)
    zones = getattr(config, "zones", 1)
    blocks = {name: slot_block(config.cidr, slots[name]) for name in model.segments if cloud in model.placement(name)}
    placed = tuple(SegmentPlacement(segment=name, cloud=cloud, slot=slots[name], address_block=block,
                                    subnets=zone_subnets(block, zones)) for name, block in blocks.items())
    names = {p.segment for p in placed}
    return CloudPlan(
        cloud=cloud, model=model.name, region=config.region, network=config.cidr, zones=zones,
        reserved_block=slot_block(config.cidr, RESERVED_SLOT), segments=placed,
        paths=allowed_paths(model, names),
        settings=config.model_dump(exclude={"region", "cidr", "zones"}))


def _cluster_plan(model: Model, cloud: CloudName) -> CloudPlan:
    """A cloud without addresses (a cluster): segments keep their own settings, paths gain the implied ones."""
    config = getattr(model.clouds, cloud)
    placed = tuple(
        SegmentPlacement(segment=name, cloud=cloud, slot=None, address_block=None, subnets=(),
                         settings=_own_settings(model, name, cloud))
        for name in model.segments if cloud in model.placement(name))
    implied = model.implied_egress(cloud)
    return CloudPlan(
        cloud=cloud, model=model.name, region=str(getattr(config, "cluster", "")), network=None, zones=1,
        reserved_block=None, segments=placed,
        paths=allowed_paths(model, {p.segment for p in placed}, implied),
        settings=config.model_dump(mode="json"), implied=tuple(endpoint for endpoint, _ in implied))


def _own_settings(model: Model, segment: str, cloud: CloudName) -> dict[str, Any]:
    own = getattr(model.segments[segment], cloud, None)
    return own.model_dump(mode="json") if own is not None else {}


def allowed_paths(model: Model, placed: set[str],
                  implied: Iterable[tuple[str, tuple[str, ...]]] = ()) -> tuple[Path, ...]:
    """The canonical allowed paths among the segments placed in one cloud, merged per protocol."""
    merged: dict[tuple[str, str, Protocol], PortSet] = {}

    def add(src: str, dst: str, specs: tuple[object, ...]) -> None:
        for proto, ports in _port_sets(specs):
            key = (src, dst, proto)
            known = merged.get(key)
            merged[key] = ports if known is None else known | ports

    for flow in model.flows:
        for dst in flow.targets():
            if flow.from_ in placed and dst in placed:
                add(flow.from_, dst, tuple(flow.ports))
    for name in model.segments:
        if name not in placed:
            continue
        segment = model.segments[name]
        add(INTERNET, name, tuple(segment.internet.ingress))
        add(name, INTERNET, tuple(segment.internet.egress))
        for service in segment.services:
            add(name, SERVICE_PREFIX + service, (443,))
        for endpoint, specs in implied:
            add(name, endpoint, specs)
    order = {p: i for i, p in enumerate(PROTOCOLS)}
    return tuple(sorted(
        (Path(src, dst, proto, ports) for (src, dst, proto), ports in merged.items() if ports),
        key=lambda p: (p.src, p.dst, order[p.protocol])))


@lru_cache(maxsize=4096)
def _port_sets(specs: tuple[object, ...]) -> tuple[tuple[Protocol, PortSet], ...]:
    # Thousands of flows repeat a handful of port lists; parse each list once per process.
    return tuple(parse_port_specs(specs).items())
