"""Posture findings: configuration that weakens segmentation even where no path is open yet.

- a VPC without active flow logs (or whose delivery fails);
- the VPC default security group with any rule (it should be emptied and unused);
- an interface, instance or interface endpoint in the default security group;
- a segment subnet on the VPC default NACL (allow-all unless neutralised);
- public IPv4 addresses (auto-assigned or on an interface) in a subnet of a segment the
  model gives no internet ingress ("non-edge").
"""

from __future__ import annotations

from infra.model import Model
from infra.reach import Posture
from providers.aws.endpoints import Endpoint
from providers.aws.resources import Json, Resources
from providers.aws.security_groups import SgRule
from providers.aws.topology import Iface, Scope


def posture(resources: Resources, scope: Scope, model: Model | None, ifaces: list[Iface],
            endpoints: list[Endpoint], rules: dict[str, list[SgRule]], acls: dict[str, Json]) -> list[Posture]:
    found = _flow_logs(resources, scope)
    found += _default_groups(scope, rules)
    found += _in_default_group(scope, ifaces, endpoints, resources)
    found += _default_acl(scope, acls)
    if model is not None:
        found += _public_addresses(resources, scope, model, ifaces)
    return found


def _flow_logs(resources: Resources, scope: Scope) -> list[Posture]:
    out = []
    for vpc in scope.vpcs:
        logs = [f for f in resources["FlowLogs"] if f.get("ResourceId") == vpc]
        active = [f for f in logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"
                  and f.get("DeliverLogsStatus", "SUCCESS") != "FAILED"]
        if not active:
            what = "flow log delivery fails" if logs else "flow logs are off"
            out.append(Posture(f"aws:vpc/{vpc}", f"{what} for {vpc}; enable VPC flow logs of ALL traffic "
                               "so denied and accepted connections are recorded",
                               tuple(f"aws:flowlog/{f.get('FlowLogId')}" for f in logs)))
    return out


def _default_groups(scope: Scope, rules: dict[str, list[SgRule]]) -> list[Posture]:
    out = []
    for vpc, group in scope.default_groups.items():
        if vpc in scope.vpcs and rules.get(group):
            ids = tuple(r.id for r in rules[group])
            out.append(Posture(f"aws:sg/{group}", f"the default security group {group} of {vpc} has "
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
            out.append(Posture(f"aws:eni/{iface.id}", f"{iface.resource} ({iface.id}) in {segment or iface.subnet} "
                               f"uses the default security group {min(hit)}; give it its segment's group",
                               (f"aws:sg/{min(hit)}", f"aws:instance/{iface.resource}"), segment))
    for ep in endpoints:
        if ep.kind == "Interface" and ep.vpc in scope.vpcs and (not ep.groups or defaults.intersection(ep.groups)):
            out.append(Posture(f"aws:vpce/{ep.id}", f"interface endpoint {ep.id} ({ep.service}) uses the default "
                               "security group; give it a group that admits only the declaring segments"))
    return out


def _default_acl(scope: Scope, acls: dict[str, Json]) -> list[Posture]:
    out = []
    for subnet, segment in sorted(scope.endpoint_of_subnet.items()):
        acl = acls.get(subnet)
        if acl is not None and acl.get("IsDefault"):
            out.append(Posture(f"aws:subnet/{subnet}", f"subnet {subnet} of {segment} is on the default network "
                               f"ACL {acl['NetworkAclId']}; associate the segment's own NACL",
                               (f"aws:nacl/{acl['NetworkAclId']}",), segment))
    return out


def _public_addresses(resources: Resources, scope: Scope, model: Model, ifaces: list[Iface]) -> list[Posture]:
    def non_edge(segment: str | None) -> bool:
        seg = model.segments.get(segment or "")
        return seg is None or not seg.internet.ingress

    out = []
    for subnet in resources["Subnets"]:
        segment = scope.endpoint_of_subnet.get(subnet["SubnetId"])
        if segment and subnet.get("MapPublicIpOnLaunch") and non_edge(segment):
            out.append(Posture(f"aws:subnet/{subnet['SubnetId']}", f"subnet {subnet['SubnetId']} of {segment} "
                               "assigns public IPv4 addresses on launch but the model gives it no internet "
                               "ingress; turn MapPublicIpOnLaunch off", (), segment))
    for iface in ifaces:
        segment = scope.endpoint_of_subnet.get(iface.subnet)
        if iface.public4 and not iface.notional and non_edge(segment):
            out.append(Posture(f"aws:eni/{iface.id}", f"{iface.resource} ({iface.id}) in {segment} has the public "
                               f"address {iface.public4} but the model gives {segment} no internet ingress; "
                               "release it", (f"aws:instance/{iface.resource}",), segment))
    return out
