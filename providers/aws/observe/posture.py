"""Posture findings: configuration that weakens segmentation even where no path is open yet.

- a VPC without active flow logs (or whose delivery fails);
- the VPC default security group with any rule (it should be emptied and unused);
- an interface, instance or interface endpoint in the default security group;
- a segment subnet on the VPC default NACL (allow-all unless neutralised);
- a subnet in the model's VPC that belongs to no segment and is not the builder's (an
  unmodelled subnet: its workloads are outside the proof, and rules naming its range name
  no endpoint, so whatever they open would go unreported);
- public IPv4 addresses (auto-assigned or on an interface) in a subnet of a segment the
  model gives no internet ingress ("non-edge");
- defence in depth, even while another layer still blocks the path: a security group rule
  of a non-edge segment admitting a public CIDR (0.0.0.0/0, ::/0, ...); a route to an
  internet gateway in a non-edge segment's table (a public subnet); a NACL entry allowing
  every protocol from or to anywhere;
- a route to a transit gateway, peering connection, VPN gateway or other target that leaves
  the VPC: never silently ignored, since what lies beyond is unverified.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra.model import Model
from infra.reach import INTERNET, Posture
from providers.aws.observe import checks
from providers.aws.observe.addresses import AddressBook, family
from providers.aws.observe.endpoints import GONE, Endpoint
from providers.aws.observe.exits import DeadEnd
from providers.aws.observe.policies import open_reasons
from providers.aws.observe.resources import Json, Resources, tags
from providers.aws.observe.security_groups import SgRule
from providers.aws.observe.topology import MODEL_TAG, Iface, Scope


def posture(resources: Resources, scope: Scope, model: Model | None, ifaces: list[Iface],
            endpoints: list[Endpoint], rules: dict[str, list[SgRule]], acls: dict[str, Json],
            tables: dict[str, Json], dead_ends: Iterable[DeadEnd] = ()) -> list[Posture]:
    found = _flow_logs(resources, scope)
    found += _endpoint_policies(resources, scope)
    found += _dead_ends(scope, tables, dead_ends)
    found += _default_groups(scope, rules)
    found += _in_default_group(scope, ifaces, endpoints, resources)
    found += _default_acl(scope, acls)
    found += _allow_all_entries(scope, acls)
    if model is not None:
        found += _unmodelled_subnets(resources, scope, model)
        found += _public_addresses(resources, scope, model, ifaces)
        found += _internet_rules(scope, model, rules, ifaces, resources.prefix_list_cidrs())
        found += _internet_routes(scope, model, tables)
    found += _unfollowed_routes(scope, tables)
    return found


def _non_edge(model: Model, segment: str | None) -> bool:
    seg = model.segments.get(segment or "")
    return seg is None or not seg.internet.ingress


_PUBLIC = {fam: AddressBook(fam, {}, {}, ()) for fam in ("v4", "v6")}


def _is_public(cidr: str) -> bool:
    return INTERNET in _PUBLIC[family(cidr)].overlapping(cidr)


def _groups_in_use(scope: Scope, ifaces: list[Iface]) -> dict[str, list[str]]:
    """Segment -> its tagged groups AND every group on an interface in its subnets, tagged or not."""
    found = {segment: list(groups) for segment, groups in scope.segment_groups.items()}
    for iface in ifaces:
        segment = scope.endpoint_of_subnet.get(iface.subnet)
        if segment is not None:
            found.setdefault(segment, []).extend(iface.groups)
    return {segment: list(dict.fromkeys(groups)) for segment, groups in found.items()}


def _public_source(rule: SgRule, prefix_lists: dict[str, tuple[str, ...]]) -> str | None:
    """What public addresses an ingress rule admits: its CIDR, or a prefix list's public entries
    (a list whose entries the snapshot lacks may hold anything, so it counts)."""
    if rule.cidr:
        return rule.cidr if _is_public(rule.cidr) else None
    if rule.prefix_list is None:
        return None
    entries = prefix_lists.get(rule.prefix_list)
    if entries is None:
        return f"{rule.prefix_list} (entries not collected)"
    public = [c for c in entries if _is_public(c)]
    return f"{rule.prefix_list} ({', '.join(public)})" if public else None


def _internet_rules(scope: Scope, model: Model, rules: dict[str, list[SgRule]], ifaces: list[Iface],
                    prefix_lists: dict[str, tuple[str, ...]]) -> list[Posture]:
    out = []
    for segment, groups in sorted(_groups_in_use(scope, ifaces).items()):
        if not _non_edge(model, segment):
            continue
        for rule in (r for g in groups for r in rules.get(g, []) if not r.egress):
            source = _public_source(rule, prefix_lists)
            if source is not None:
                out.append(checks.SG_PUBLIC_INGRESS.posture(
                    rule.id, f"security group {rule.group} in {segment} admits {source} but the model "
                    f"gives {segment} no internet ingress; remove the rule", (rule.id,), segment))
    return out


def _internet_routes(scope: Scope, model: Model, tables: dict[str, Json]) -> list[Posture]:
    out = []
    for subnet, segment in sorted(scope.endpoint_of_subnet.items()):
        table = tables.get(subnet)
        if table is None or not _non_edge(model, segment):
            continue
        for route in table.get("Routes", []):
            dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
            if str(route.get("GatewayId", "")).startswith("igw-") and dest:
                rid = f"aws:rtb/{table['RouteTableId']}#{dest}"
                out.append(checks.IGW_ROUTE_NON_EDGE.posture(
                    rid, f"subnet {subnet} of {segment} routes {dest} to {route['GatewayId']} (a public "
                    f"subnet) but the model gives {segment} no internet ingress; route via NAT or "
                    "remove the route", (rid,), segment))
    return out


# Route targets that lead out of the VPC somewhere bulkhead does not read: what lies beyond
# (another VPC, an egress VPC behind a transit gateway, on-premises) is outside the proof.
UNFOLLOWED = ("TransitGatewayId", "VpcPeeringConnectionId", "CoreNetworkArn", "LocalGatewayId",
              "CarrierGatewayId")


def _unfollowed_routes(scope: Scope, tables: dict[str, Json]) -> list[Posture]:
    out = []
    for subnet, segment in sorted(scope.endpoint_of_subnet.items()):
        table = tables.get(subnet) or {}
        for route in table.get("Routes", []):
            target = next((route[k] for k in UNFOLLOWED if route.get(k)), None) or (
                route.get("GatewayId") if str(route.get("GatewayId", "")).startswith("vgw-") else None)
            dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock") or \
                route.get("DestinationPrefixListId")
            if target and dest:
                rid = f"aws:rtb/{table['RouteTableId']}#{dest}"
                out.append(checks.ROUTE_LEAVES_VPC.posture(
                    rid, f"subnet {subnet} of {segment} routes {dest} to {target}; bulkhead does not "
                    "follow traffic beyond this VPC, so whatever it reaches there is unverified",
                    (rid,), segment))
    return out


def _allow_all_entries(scope: Scope, acls: dict[str, Json]) -> list[Posture]:
    out = []
    seen = set()
    for subnet, segment in sorted(scope.endpoint_of_subnet.items()):
        acl = acls.get(subnet)
        if acl is None or acl.get("IsDefault") or acl["NetworkAclId"] in seen:
            continue
        seen.add(acl["NetworkAclId"])
        for e in acl.get("Entries", []):
            cidr = e.get("CidrBlock") or e.get("Ipv6CidrBlock")
            if e.get("RuleAction") == "allow" and str(e.get("Protocol")) == "-1" and cidr in ("0.0.0.0/0", "::/0"):
                rid = f"aws:nacl/{acl['NetworkAclId']}#{e.get('RuleNumber')}-{'out' if e.get('Egress') else 'in'}"
                out.append(checks.NACL_ALLOW_ALL.posture(
                    rid, f"network ACL {acl['NetworkAclId']} of {segment} allows all traffic "
                    f"{'to' if e.get('Egress') else 'from'} {cidr} (entry {e.get('RuleNumber')}); "
                    "allow only the model's flows", (rid,), segment))
    return out


def _flow_logs(resources: Resources, scope: Scope) -> list[Posture]:
    out = []
    for vpc in scope.vpcs:
        logs = [f for f in resources["FlowLogs"] if f.get("ResourceId") == vpc]
        active = [f for f in logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"
                  and f.get("DeliverLogsStatus", "SUCCESS") != "FAILED"]
        if not active:
            what = "flow log delivery fails" if logs else "flow logs are off"
            out.append(checks.FLOWLOGS_OFF.posture(
                f"aws:vpc/{vpc}", f"{what} for {vpc}; enable VPC flow logs of ALL traffic "
                "so denied and accepted connections are recorded",
                tuple(f"aws:flowlog/{f.get('FlowLogId')}" for f in logs)))
    return out


def _default_groups(scope: Scope, rules: dict[str, list[SgRule]]) -> list[Posture]:
    out = []
    for vpc, group in scope.default_groups.items():
        if vpc in scope.vpcs and rules.get(group):
            ids = tuple(r.id for r in rules[group])
            out.append(checks.DEFAULT_SG_RULES.posture(
                f"aws:sg/{group}", f"the default security group {group} of {vpc} has "
                f"{len(ids)} rule(s); remove them so nothing placed in it gets access", ids))
    return out


def _in_default_group(scope: Scope, ifaces: list[Iface], endpoints: list[Endpoint],
                      resources: Resources) -> list[Posture]:
    defaults = {g for v, g in scope.default_groups.items() if v in scope.vpcs}
    out = []
    for iface in ifaces:
        hit = defaults.intersection(iface.groups)
        if hit and not iface.notional:
            segment = scope.endpoint_of_subnet.get(iface.subnet)
            out.append(checks.DEFAULT_SG_IN_USE.posture(
                f"aws:eni/{iface.id}", f"{iface.resource} ({iface.id}) in {segment or iface.subnet} "
                f"uses the default security group {min(hit)}; give it its segment's group",
                (f"aws:sg/{min(hit)}", f"aws:instance/{iface.resource}"), segment))
    for ep in endpoints:
        if ep.kind == "Interface" and ep.vpc in scope.vpcs and (not ep.groups or defaults.intersection(ep.groups)):
            out.append(checks.ENDPOINT_DEFAULT_SG.posture(
                f"aws:vpce/{ep.id}", f"interface endpoint {ep.id} ({ep.service}) uses the default "
                "security group; give it a group that admits only the declaring segments"))
    return out


def _default_acl(scope: Scope, acls: dict[str, Json]) -> list[Posture]:
    out = []
    for subnet, segment in sorted(scope.endpoint_of_subnet.items()):
        acl = acls.get(subnet)
        if acl is not None and acl.get("IsDefault"):
            out.append(checks.DEFAULT_NACL.posture(
                f"aws:subnet/{subnet}", f"subnet {subnet} of {segment} is on the default network "
                f"ACL {acl['NetworkAclId']}; associate the segment's own NACL",
                (f"aws:nacl/{acl['NetworkAclId']}",), segment))
    return out


def _unmodelled_subnets(resources: Resources, scope: Scope, model: Model) -> list[Posture]:
    out = []
    for subnet in resources["Subnets"]:
        sid = subnet["SubnetId"]
        if subnet.get("VpcId") in scope.vpcs and sid not in scope.endpoint_of_subnet \
                and tags(subnet).get(MODEL_TAG) != model.name:
            out.append(checks.SUBNET_UNMODELLED.posture(
                f"aws:subnet/{sid}", f"subnet {sid} ({subnet.get('CidrBlock')}) in the model's VPC "
                "belongs to no segment, so its workloads are outside the proof; tag it with its "
                "segment or remove it"))
    return out


def _public_addresses(resources: Resources, scope: Scope, model: Model, ifaces: list[Iface]) -> list[Posture]:
    def non_edge(segment: str | None) -> bool:
        return _non_edge(model, segment)

    out = []
    for subnet in resources["Subnets"]:
        segment = scope.endpoint_of_subnet.get(subnet["SubnetId"])
        if segment and subnet.get("MapPublicIpOnLaunch") and non_edge(segment):
            out.append(checks.SUBNET_AUTO_PUBLIC_IP.posture(
                f"aws:subnet/{subnet['SubnetId']}", f"subnet {subnet['SubnetId']} of {segment} "
                "assigns public IPv4 addresses on launch but the model gives it no internet "
                "ingress; turn MapPublicIpOnLaunch off", (), segment))
    for iface in ifaces:
        segment = scope.endpoint_of_subnet.get(iface.subnet)
        if iface.public4 and not iface.notional and non_edge(segment):
            out.append(checks.PUBLIC_IP_NON_EDGE.posture(
                f"aws:eni/{iface.id}", f"{iface.resource} ({iface.id}) in {segment} has the public "
                f"address {iface.public4} but the model gives {segment} no internet ingress; "
                "release it", (f"aws:instance/{iface.resource}",), segment))
    return out


def _endpoint_policies(resources: Resources, scope: Scope) -> list[Posture]:
    out = []
    for raw in resources["VpcEndpoints"]:
        if raw.get("VpcId") not in scope.vpcs or str(raw.get("State", "available")).lower() in GONE:
            continue
        reasons = open_reasons(raw)
        if reasons:
            vpce = raw.get("VpcEndpointId")
            out.append(checks.ENDPOINT_POLICY_OPEN.posture(
                f"aws:vpce/{vpce}", f"endpoint {vpce} ({raw.get('ServiceName')}) has a policy that is open: "
                f"{'; '.join(reasons)}; name the principals and resources it serves, or add a condition"))
    return out


def _dead_ends(scope: Scope, tables: dict[str, Json], dead_ends: Iterable[DeadEnd]) -> list[Posture]:
    """Internet routes of the segments' tables whose target leads nowhere (exits.py)."""
    owners: dict[str, list[str]] = {}
    for subnet, segment in sorted(scope.endpoint_of_subnet.items()):
        if subnet in tables:
            owners.setdefault(tables[subnet]["RouteTableId"], []).append(segment)
    out = []
    for dead in sorted(dead_ends, key=lambda d: (d.table, d.destination)):
        for segment in dict.fromkeys(owners.get(dead.table, [])):
            rid = f"aws:rtb/{dead.table}#{dead.destination}"
            out.append(checks.EGRESS_DEAD_END.posture(
                rid, f"{segment}'s route {dead.destination} -> {dead.target} in {dead.table} leads nowhere: "
                f"{dead.why}", (rid,), segment))
    return out
