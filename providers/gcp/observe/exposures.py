"""Audit mode: every VM network interface the internet reaches through its external IP.

Same contract as AWS (docs/verifier.md, "audit"): one entry per interface and protocol with
the resource (the instance's name), the interface (`<instance>/<nic>`), the external address
(`accessConfigs[].natIP`), the protocol, the ports and the firewall rule ids. Here the
instance is known, so its ingress filter is exact: rules targeting its service account or
one of its network tags, or every instance; destination ranges match its internal or
external address. Instances come from `instances.json` (instances.aggregatedList); a
snapshot without it lists no exposure.
"""

from __future__ import annotations

from typing import Any

from infra.ports import json_ports
from infra.reach import INTERNET, Engine, Network, Rule, Side
from providers.gcp.observe.firewalls import Place, Surroundings, segment_filter
from providers.gcp.observe.ranges import addresses

Json = dict[str, Any]


def exposures(instances: list[Json], places: tuple[Place, ...], firewalls: list[Json],
              around: Surroundings) -> tuple[dict[str, object], ...]:
    """`firewalls` in evaluation order; `places` are the audited subnets."""
    by_subnet = {p.subnet: p for p in places}
    cache: dict[str, tuple[Rule, ...]] = {}
    out: list[dict[str, object]] = []
    for instance in instances:
        accounts = [a.get("email") for a in instance.get("serviceAccounts") or [] if a.get("email")]
        tags = frozenset((instance.get("tags") or {}).get("items") or [])
        for nic in instance.get("networkInterfaces") or []:
            place = by_subnet.get(str(nic.get("subnetwork", "")).rsplit("/", 1)[-1])
            external = [c["natIP"] for c in nic.get("accessConfigs") or [] if c.get("natIP")]
            if place is None or not external:
                continue
            own = addresses([f"{ip}/32" for ip in [nic.get("networkIP"), *external] if ip])
            target = Place(place.segment, place.subnet, own, accounts[0] if accounts else None, place.network, tags)
            ingress = segment_filter(target, "INGRESS", firewalls, around, cache)
            iface = f"{instance.get('name')}/{nic.get('name', 'nic0')}"
            sides: dict[str, tuple[Side, ...]] = {INTERNET: (Side(INTERNET),), iface: (Side(iface, (), (ingress,)),)}
            for path in Engine(Network("gcp", tuple(sides), sides=sides)).observed():
                if path.src == INTERNET:
                    out.append({"resource": str(instance.get("name")), "interface": iface, "address": external[0],
                                "protocol": path.protocol, "ports": json_ports(path.protocol, path.ports),
                                "evidence": list(path.evidence_for(path.ports))})
    return tuple(out)
