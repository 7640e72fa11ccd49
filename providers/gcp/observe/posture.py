"""GCP configuration findings that are not paths (pure).

- a segment subnet without VPC flow logs;
- Private Google Access on a segment that declares no services;
- a segment of the model placed on GCP with no subnet in the snapshot;
- a segment that declares internet egress with no Cloud NAT serving its subnet;
- an enabled firewall rule on a segment network without rule logging;
- firewall policies (hierarchical or network) that bulkhead did not evaluate, or a network
  whose effective firewalls were not collected: never silently ignored.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from infra.model import Model
from infra.reach import Posture
from infra.snapshot import Snapshot
from providers.gcp.observe import checks
from providers.gcp.observe.firewalls import Place

Json = dict[str, Any]
ALL_SUBNETS = ("ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES")


def _items(snapshot: Snapshot, pattern: str) -> list[Json]:
    return [i for name in sorted(snapshot) if fnmatch.fnmatch(name.rsplit("/", 1)[-1], pattern)
            for i in snapshot[name].get("items", [])]


def findings(snapshot: Snapshot, places: tuple[Place, ...], model: Model | None) -> tuple[Posture, ...]:
    subnets = {s["name"]: s for s in _items(snapshot, "subnetworks-*.json")}
    out = [*_flow_logs(places, subnets), *_policies(snapshot, places), *_rule_logging(snapshot, places)]
    if model is not None:
        out += [*_missing(places, model), *_google_access(places, subnets, model),
                *_nat(snapshot, places, subnets, model)]
    return tuple(out)


def _flow_logs(places: tuple[Place, ...], subnets: dict[str, Json]) -> list[Posture]:
    out = []
    for place in places:
        sub = subnets[place.subnet]
        if not ((sub.get("logConfig") or {}).get("enable") or sub.get("enableFlowLogs")):
            out.append(checks.FLOWLOGS_OFF.posture(
                f"gcp:subnet/{place.subnet}", f"VPC flow logs are off on {place.segment}'s subnet "
                f"{place.subnet}; enable logConfig on the subnet",
                (f"gcp:subnet/{place.subnet}#logConfig",), place.segment))
    return out


def _google_access(places: tuple[Place, ...], subnets: dict[str, Json], model: Model) -> list[Posture]:
    out = []
    for place in places:
        if subnets[place.subnet].get("privateIpGoogleAccess") and not model.segments[place.segment].services:
            out.append(checks.PGA_WITHOUT_SERVICES.posture(
                f"gcp:subnet/{place.subnet}",
                f"Private Google Access is on for {place.segment}, which declares no services; turn it off "
                "or declare the services it needs",
                (f"gcp:subnet/{place.subnet}#privateIpGoogleAccess",), place.segment))
    return out


def _missing(places: tuple[Place, ...], model: Model) -> list[Posture]:
    found = {p.segment for p in places}
    return [checks.SEGMENT_NOT_FOUND.posture(
        f"gcp:segment/{s}", f"segment {s} is placed on gcp but no subnet labelled for it was found; "
        "deploy the model or check the project and region collected", (), s)
            for s in model.segments if "gcp" in model.placement(s) and s not in found]


def _nat(snapshot: Snapshot, places: tuple[Place, ...], subnets: dict[str, Json], model: Model) -> list[Posture]:
    served: set[str] = set()
    for router in _items(snapshot, "routers-*.json"):
        for nat in router.get("nats") or []:
            if nat.get("sourceSubnetworkIpRangesToNat") in ALL_SUBNETS:
                served |= {s["name"] for s in subnets.values() if s.get("network") == router.get("network")}
            served |= {str(s.get("name", "")).rsplit("/", 1)[-1] for s in nat.get("subnetworks") or []}
    return [checks.NAT_MISSING.posture(
        f"gcp:subnet/{p.subnet}", f"{p.segment} declares internet egress but no Cloud NAT serves its "
        f"subnet {p.subnet}; instances without external IPs cannot reach out", (), p.segment)
            for p in places if model.segments[p.segment].internet.egress and p.subnet not in served]


def _rule_logging(snapshot: Snapshot, places: tuple[Place, ...]) -> list[Posture]:
    networks = {p.network for p in places}
    return [checks.FIREWALL_LOGGING_OFF.posture(
        f"gcp:firewall/{fw['name']}", f"firewall rule {fw['name']} does not log; enable logConfig "
        "so every decision it makes can be audited", (f"gcp:firewall/{fw['name']}",))
            for fw in _items(snapshot, "firewalls.json")
            if fw.get("network") in networks and not fw.get("disabled")
            and not (fw.get("logConfig") or {}).get("enable")]


def _policies(snapshot: Snapshot, places: tuple[Place, ...]) -> list[Posture]:
    """Firewall policies can override VPC rules (gotcha 17); bulkhead does not evaluate them yet."""
    out = []
    for link in sorted({p.network for p in places}):
        name = link.rsplit("/", 1)[-1]
        docs = [doc for key, doc in snapshot.items() if key.endswith(f"/effective-firewalls-{name}.json")]
        if not docs:
            out.append(checks.EFFECTIVE_FIREWALLS_UNREAD.posture(
                f"gcp:network/{name}", f"the effective firewalls of network {name} were not collected, "
                "so hierarchical and network firewall policies were not checked", ()))
        for policy in (p for doc in docs for p in doc.get("firewallPolicys") or []):
            if policy.get("rules"):
                pid = policy.get("name") or policy.get("shortName") or "?"
                out.append(checks.FIREWALL_POLICY_NOT_EVALUATED.posture(
                    f"gcp:firewall-policy/{pid}",
                    f"firewall policy {pid} ({policy.get('type', 'unknown type')}, {len(policy['rules'])} rules) "
                    f"applies to network {name} and was NOT evaluated; its rules can open or close paths "
                    "before or after the VPC rules", (f"gcp:firewall-policy/{pid}",)))
    for net in _items(snapshot, "networks.json"):
        if net.get("selfLink") in {p.network for p in places} and net.get("firewallPolicy"):
            out.append(checks.FIREWALL_POLICY_NOT_EVALUATED.posture(
                f"gcp:network/{net['name']}", f"network {net['name']} has firewall policy "
                f"{net['firewallPolicy']} attached, which was NOT evaluated", ()))
    return out
