"""What a change to the model does, before it ships: `bulkhead diff OLD NEW`.

Per cloud: the paths opened, closed and changed (protocol, ports), the segments added,
removed or moved, and the network settings that changed, with every change that destroys
subnets called out (a slot that moves, a segment taken off a cloud, a new region: workloads
in those subnets must move). Across clouds: guardrails added, removed or changed (listed
first: they are the security team's), and flows whose meaning changed (same endpoints, other
ports or other clouds). Pure: two checked models and their plans in, a `ModelDiff` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra.guardrails import rails
from infra.model import Model
from infra.plan import CloudPlan, Plan, SegmentPlacement
from infra.ports import PROTOCOLS, PortSet, Protocol, format_ports, parse_port_specs
from infra.reach import INTERNET

Change = Literal["added", "removed", "changed"]
PathKey = tuple[str, str, Protocol]


@dataclass(frozen=True)
class PathChange:
    cloud: str
    src: str
    dst: str
    protocol: Protocol
    before: PortSet
    after: PortSet

    @property
    def change(self) -> Literal["opened", "closed", "changed"]:
        return "opened" if not self.before else ("closed" if not self.after else "changed")

    @property
    def opened(self) -> PortSet:
        return self.after - self.before

    @property
    def closed(self) -> PortSet:
        return self.before - self.after

    @property
    def internet(self) -> bool:
        return INTERNET in (self.src, self.dst)


@dataclass(frozen=True)
class SegmentChange:
    cloud: str
    segment: str
    change: Literal["added", "removed", "moved"]
    reason: str
    before: tuple[str, ...]  # the segment's subnets in this cloud (on a cluster: its namespace and pod labels)
    after: tuple[str, ...]

    @property
    def replaces(self) -> bool:
        """Existing subnets are destroyed (and, for a move, created again elsewhere); on a cluster,
        the policies select other pods: the segment's workloads must move or be relabelled."""
        return bool(set(self.before) - set(self.after))

    @property
    def on_cluster(self) -> bool:
        return any(where.startswith("namespace/") for where in (*self.before, *self.after))


@dataclass(frozen=True)
class NetworkChange:
    cloud: str
    change: Change
    what: str
    replaces: bool  # every subnet of the network is destroyed


@dataclass(frozen=True)
class FlowChange:
    """A flow between the same two segments that now means something else."""

    src: str
    dst: str
    before: str
    after: str


@dataclass(frozen=True)
class GuardrailChange:
    src: str
    dst: str
    change: Change
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ModelDiff:
    model: str
    clouds: tuple[str, ...]
    guardrails: tuple[GuardrailChange, ...]
    networks: tuple[NetworkChange, ...]
    segments: tuple[SegmentChange, ...]
    paths: tuple[PathChange, ...]
    flows: tuple[FlowChange, ...]

    def opened(self) -> tuple[PathChange, ...]:
        """Paths opened or widened (some traffic passes that did not)."""
        return tuple(p for p in self.paths if p.opened)

    def opened_internet(self) -> tuple[PathChange, ...]:
        return tuple(p for p in self.opened() if p.internet)

    def replacements(self) -> tuple[NetworkChange | SegmentChange, ...]:
        return tuple(n for n in self.networks if n.replaces) + tuple(s for s in self.segments if s.replaces)

    def __bool__(self) -> bool:
        return any((self.guardrails, self.networks, self.segments, self.paths, self.flows))


def diff_models(old: Plan, new: Plan, old_model: Model, new_model: Model, cloud: str | None = None) -> ModelDiff:
    """Every change from `old` to `new` (both checked), for one cloud or every cloud of either."""
    old_clouds = {cp.cloud: cp for cp in old.clouds}
    new_clouds = {cp.cloud: cp for cp in new.clouds}
    names = [c for c in dict.fromkeys([*new_clouds, *old_clouds]) if cloud is None or c == cloud]
    networks: list[NetworkChange] = []
    segments: list[SegmentChange] = []
    paths: list[PathChange] = []
    for name in names:
        before, after = old_clouds.get(name), new_clouds.get(name)
        networks += _network_changes(name, before, after, old.model, new.model)
        segments += _segment_changes(name, before, after, old_model, new_model)
        paths += _path_changes(name, before, after)
    return ModelDiff(new.model, tuple(names), _guardrail_changes(old_model, new_model), tuple(networks),
                     tuple(segments), tuple(paths), _flow_changes(old_model, new_model))


def _network_changes(cloud: str, before: CloudPlan | None, after: CloudPlan | None,
                     old_name: str, new_name: str) -> list[NetworkChange]:
    if before is None and after is not None:
        where = f"network {after.cidr} in {after.region}" if after.addressed else f"cluster {after.region}"
        return [NetworkChange(cloud, "added", f"new {cloud} {where}", False)]
    if after is None and before is not None:
        what = f"network {before.cidr} is destroyed" if before.addressed else f"cluster {before.region} is dropped"
        return [NetworkChange(cloud, "removed", f"the {cloud} {what}", True)]
    assert before is not None and after is not None
    out = []
    if old_name != new_name:
        out.append(NetworkChange(cloud, "changed", f"model name {old_name} -> {new_name}: every resource name "
                                 "changes, so every resource is replaced", True))
    # A cluster has no cidr (`network` is None on both sides), and its "region" is the cluster's name,
    # which its own settings compare already.
    settings = {"region": (before.region, after.region)} if before.addressed else {}
    settings |= {"cidr": (str(before.network), str(after.network)), "zones": (str(before.zones), str(after.zones))}
    settings |= {key: (str(before.settings.get(key)), str(after.settings.get(key)))
                 for key in sorted(set(before.settings) | set(after.settings)) if key not in settings}
    for key, (was, now) in settings.items():
        if was != now:
            # A new region, range or project is a new network; zones only re-cut the subnets (see segments).
            out.append(NetworkChange(cloud, "changed", f"{key} {was} -> {now}", key != "zones"))
    return out


def _segment_changes(cloud: str, before: CloudPlan | None, after: CloudPlan | None,
                     old_model: Model, new_model: Model) -> list[SegmentChange]:
    was = {p.segment: p for p in before.segments} if before else {}
    now = {p.segment: p for p in after.segments} if after else {}
    out = []
    for name in dict.fromkeys([*now, *was]):
        old, new = was.get(name), now.get(name)
        old_nets = _where(old) if old else ()
        new_nets = _where(new) if new else ()
        if old is None and new is not None:
            reason = f"placed in {cloud}" if name in old_model.segments else "new segment"
            out.append(SegmentChange(cloud, name, "added", reason, (), new_nets))
        elif new is None and old is not None:
            reason = f"no longer placed in {cloud}" if name in new_model.segments else "segment removed"
            out.append(SegmentChange(cloud, name, "removed", reason, old_nets, ()))
        elif old is not None and new is not None and old_nets != new_nets:
            out.append(SegmentChange(cloud, name, "moved", _moved(old, new), old_nets, new_nets))
    return out


def _where(placement: SegmentPlacement) -> tuple[str, ...]:
    """Where a segment lives in one cloud: its subnets; on a cluster (no addresses), the namespace and
    pod labels that select its workloads (`namespace/<ns>`, `pods/<k>=<v>,...`)."""
    if placement.address_block is not None:
        return tuple(str(n) for n in placement.subnets)
    namespace = placement.settings.get("namespace") or placement.segment
    pods = placement.settings.get("pods") or {}
    labels = ",".join(f"{key}={value}" for key, value in sorted(pods.items()))
    return (f"namespace/{namespace}", *((f"pods/{labels}",) if labels else ()))


def _moved(old: SegmentPlacement, new: SegmentPlacement) -> str:
    if old.slot != new.slot:
        return f"slot {old.slot} -> {new.slot}"
    if old.address_block is not None:
        return "the network's range or zones moved"
    before, after = _where(old), _where(new)
    changed = [(b, a) for b, a in zip(before, after, strict=False) if b != a] or [(" ".join(before), " ".join(after))]
    return "; ".join(f"{b} -> {a}" for b, a in changed)


def _path_changes(cloud: str, before: CloudPlan | None, after: CloudPlan | None) -> list[PathChange]:
    was, now = _paths(before), _paths(after)
    out = []
    for key in sorted(set(was) | set(now), key=lambda k: (k[0], k[1], PROTOCOLS.index(k[2]))):
        old, new = was.get(key, PortSet()), now.get(key, PortSet())
        if old != new:
            out.append(PathChange(cloud, *key, old, new))
    return out


def _paths(plan: CloudPlan | None) -> dict[PathKey, PortSet]:
    merged: dict[PathKey, PortSet] = {}
    for path in plan.paths if plan else ():
        key = (path.src, path.dst, path.protocol)
        merged[key] = merged.get(key, PortSet()) | path.ports
    return merged


def _guardrail_changes(old: Model, new: Model) -> tuple[GuardrailChange, ...]:
    was = _rail_texts(old)
    now = _rail_texts(new)
    out = []
    for pair in dict.fromkeys([*now, *was]):
        before, after = was.get(pair), now.get(pair)
        if before == after:
            continue
        change: Change = "added" if before is None else ("removed" if after is None else "changed")
        out.append(GuardrailChange(*pair, change, before, after))
    return tuple(out)


def _rail_texts(model: Model) -> dict[tuple[str, str], str]:
    texts: dict[tuple[str, str], list[str]] = {}
    for rail in rails(model):
        texts.setdefault((rail.src, rail.dst), []).append(rail.says())
    return {pair: "; ".join(sorted(says)) for pair, says in texts.items()}


def _flow_changes(old: Model, new: Model) -> tuple[FlowChange, ...]:
    was, now = _flow_meanings(old), _flow_meanings(new)
    return tuple(FlowChange(*pair, was[pair], now[pair]) for pair in now if pair in was and was[pair] != now[pair])


def _flow_meanings(model: Model) -> dict[tuple[str, str], str]:
    """Each flow edge's ports (all flows between the pair merged) and the clouds it applies in."""
    ports: dict[tuple[str, str], dict[Protocol, PortSet]] = {}
    for flow in model.flows:
        for dst in flow.targets():
            merged = ports.setdefault((flow.from_, dst), {})
            for protocol, more in parse_port_specs(flow.ports).items():
                merged[protocol] = merged.get(protocol, PortSet()) | more
    return {pair: f"{_ports_text(by)} on {', '.join(_shared(model, *pair)) or 'no cloud'}"
            for pair, by in ports.items()}


def _shared(model: Model, src: str, dst: str) -> list[str]:
    return [c for c in model.placement(src) if c in model.placement(dst)]


def _ports_text(by: dict[Protocol, PortSet]) -> str:
    return ", ".join(format_ports(p, by[p]) for p in PROTOCOLS if p in by)
