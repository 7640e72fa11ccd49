"""Kubernetes configuration findings that are not paths (pure).

- policy kinds bulkhead does not evaluate (AdminNetworkPolicy, Cilium, Calico, Antrea, ...);
- a segment workload in the host network (not governed by NetworkPolicies);
- an ipBlock that covers the pod CIDR or a known pod address;
- a segment whose pods are not isolated in a direction;
- a workload in a segment's namespace that no segment selects;
- a named port that resolves on none of the pods it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra.reach import Posture
from providers.kubernetes.observe import checks
from providers.kubernetes.observe.addresses import Addresses, PodAddresses
from providers.kubernetes.observe.chains import Place
from providers.kubernetes.observe.filters import Cluster
from providers.kubernetes.observe.objects import NOT_EVALUATED, Obj
from providers.kubernetes.observe.policies import Direction, Policy


def not_evaluated(objs: Iterable[Obj]) -> list[Posture]:
    out = []
    for obj in objs:
        why = NOT_EVALUATED.get((obj.group, obj.kind))
        if why is None:
            continue
        scoped = (obj.body.get("metadata") or {}).get("namespace")
        rid = f"k8s:{obj.kind}/{scoped}/{obj.name}" if scoped else f"k8s:{obj.kind}/{obj.name}"
        out.append(checks.POLICY_NOT_EVALUATED.posture(
            rid, f"{obj.kind} {obj.name} ({obj.group}) was NOT evaluated: {why}", (rid,)))
    return out


def host_network(places: Iterable[Place]) -> list[Posture]:
    return [checks.HOST_NETWORK.posture(
        f"k8s:workload/{p.token}", f"{p.token} of segment {p.endpoint} runs with hostNetwork: true; NetworkPolicies "
        "do not govern it, so it reaches and is reached beyond the segment's paths", (), p.endpoint)
        for p in places if p.in_focus and p.filters.workload.host_network]


def ipblocks_over_pods(cluster: Cluster, pod_range: Addresses, pods: PodAddresses) -> list[Posture]:
    out = []
    for pol in cluster.policies:
        for direction in ("ingress", "egress"):
            for rule in pol.rules(direction) or ():  # type: ignore[arg-type]
                for peer in rule.peers or ():
                    if peer.block is not None and ((peer.block & pod_range) or pods.any_in(peer.block)):
                        out.append(checks.IPBLOCK_COVERS_PODS.posture(
                            rule.id, f"{rule.id} allows ipBlock {peer.cidr}, which covers pod addresses; whether "
                            "it matches pods depends on the network plugin", (pol.id,)))
    return out


def not_isolated(places: Iterable[Place]) -> list[Posture]:
    open_sides: dict[tuple[str, str], list[str]] = {}
    for p in places:
        if not p.in_focus or p.filters.workload.host_network:
            continue
        for direction, flt in (("ingress", p.filters.ingress), ("egress", p.filters.egress)):
            # an ordered filter is a BaselineAdminNetworkPolicy deciding in their place: guarded
            if flt.kind == "union" and any(r.id.startswith("k8s:not-isolated/") for r in flt.rules):
                open_sides.setdefault((p.endpoint, direction), []).append(p.token)
    return [checks.NOT_ISOLATED.posture(
        f"k8s:segment/{segment}#{direction}", f"{segment}'s pods are not isolated for {direction} "
        f"({', '.join(tokens)}): no policy that applies to {direction} selects them", tuple(tokens), segment)
        for (segment, direction), tokens in sorted(open_sides.items())]


def unsegmented(places: Iterable[Place], namespaces: set[str], dns: str) -> list[Posture]:
    return [checks.UNSEGMENTED_WORKLOAD.posture(
        f"k8s:workload/{p.token}", f"{p.token} is in namespace {p.filters.workload.namespace}, which the model's "
        "segments use, but no segment selects it; none of their policies apply to it", ())
        for p in places if not p.in_focus and p.endpoint != dns and p.filters.workload.namespace in namespaces]


def named_ports(cluster: Cluster) -> list[Posture]:
    out = []
    for pol in cluster.policies:
        for direction in ("ingress", "egress"):
            for rule in pol.rules(direction) or ():  # type: ignore[arg-type]
                for match in rule.ports or ():
                    if match.name is None:
                        continue
                    concerned = _concerned(cluster, pol, direction, rule.id)  # type: ignore[arg-type]
                    if concerned and not any(cluster.by_name[w].resolve(match.name, match.protocol)
                                             for w in concerned if w in cluster.by_name):
                        out.append(checks.NAMED_PORT_UNRESOLVED.posture(
                            rule.id, f"{rule.id} names port '{match.name}' ({match.protocol}), which none of the "
                            f"{len(concerned)} workload(s) it concerns declares; it allows nothing", (pol.id,)))
    return out


def _concerned(cluster: Cluster, pol: Policy, direction: Direction, rule_id: str) -> list[str]:
    """The workloads a rule's named ports resolve on: the selected pods (ingress), the peers (egress)."""
    if direction == "ingress":
        return [w.name for w in cluster.select(pol.namespace, pol.selects)]
    rule = next(r for r in pol.egress or () if r.id == rule_id)
    peers = cluster.rule_peers(pol.namespace, rule)
    return [w.name for w in cluster.workloads] if peers is None else sorted(p for p in peers if p in cluster.by_name)
