"""`bulkhead:gcp:SegmentedNetwork`: wires GCP resources from a ready `GcpRulePlan`.

Every decision (names, priorities, ranges, which segment gets what) is in plan.py; this module
only turns plan entries into Pulumi resources. Logical names are the GCP names, which come
from model names, so reordering the YAML never replaces a resource.

The default 0.0.0.0/0 route to the internet gateway is kept: egress is controlled by
firewall rules (deny-all at 65000), and removing the route would also cut the Google APIs
VIP and Cloud NAT. See docs/deploy-gcp.md.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from infra.errors import UsageError
from infra.plan import CloudPlan
from infra.stack_outputs import SegmentOutputs, stack_outputs
from providers.gcp.build import names
from providers.gcp.build.plan import FirewallRule, GcpRulePlan, rule_plan
from providers.gcp.build.settings import placement_problems
from providers.gcp.services import API_DOMAIN, DEFAULT_INTERNET_GATEWAY, RESTRICTED_HOST, RESTRICTED_VIP

FLOW_LOGS = {"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5,
             "metadata": "INCLUDE_ALL_METADATA"}


class SegmentedNetwork(pulumi.ComponentResource):
    """One VPC network with a subnet, an identity and firewall rules per segment."""

    def __init__(self, name: str, plan: GcpRulePlan, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bulkhead:gcp:SegmentedNetwork", name, None, opts)
        self.plan = plan
        # Every child has a fixed GCP name (or, for IAM members, a fixed binding): a replacement
        # created before its predecessor is deleted would collide with it, so delete first.
        self._child = pulumi.ResourceOptions(parent=self, delete_before_replace=True)
        self.network = gcp.compute.Network(
            plan.network, name=plan.network, project=plan.project, auto_create_subnetworks=False,
            routing_mode="REGIONAL", description=names.describe(plan.model), opts=self._child)
        self.accounts = {s.segment: self._account(s.segment, s.account_id) for s in plan.subnets}
        self.subnets = {s.segment: gcp.compute.Subnetwork(
            s.name, name=s.name, project=plan.project, region=plan.region, network=self.network.id,
            ip_cidr_range=s.cidr, private_ip_google_access=s.private_google_access,
            description=s.description, log_config=FLOW_LOGS, opts=self._child) for s in plan.subnets}
        self.firewalls = {r.name: self._firewall(r) for r in plan.firewalls}
        for grant in plan.grants:
            gcp.projects.IAMMember(
                names.fit(f"{plan.model}-{grant.segment}-{grant.service}"), project=plan.project,
                role=grant.role, member=self.accounts[grant.segment].email.apply(lambda e: f"serviceAccount:{e}"),
                opts=self._child)
        if plan.nat_segments:
            self._nat()
        if plan.api_route and plan.dns_zone:
            self._google_apis(plan.api_route, plan.dns_zone)
        self.outputs = stack_outputs("gcp", plan.model, plan.region, self.network.self_link, {
            s.segment: SegmentOutputs(subnet_ids=[self.subnets[s.segment].self_link], cidrs=[s.cidr],
                                      identity_kind="serviceAccount", identity=self.accounts[s.segment].email)
            for s in plan.subnets})
        self.register_outputs(self.outputs)

    def _account(self, segment: str, account_id: str) -> gcp.serviceaccount.Account:
        return gcp.serviceaccount.Account(
            account_id, account_id=account_id, project=self.plan.project,
            display_name=f"bulkhead {self.plan.model} {segment}",
            description=names.describe(self.plan.model, segment), opts=self._child)

    def _firewall(self, rule: FirewallRule) -> gcp.compute.Firewall:
        entries = [{"protocol": a.protocol, **({"ports": list(a.ports)} if a.ports else {})}
                   for a in rule.allowances]
        return gcp.compute.Firewall(
            rule.name, name=rule.name, project=self.plan.project, network=self.network.self_link,
            direction=rule.direction, priority=rule.priority,
            allows=entries if rule.action == "allow" else None,
            denies=entries if rule.action == "deny" else None,
            source_ranges=list(rule.source_ranges) or None,
            destination_ranges=list(rule.destination_ranges) or None,
            source_service_accounts=[self.accounts[s].email for s in rule.source_segments] or None,
            target_service_accounts=[self.accounts[rule.target].email] if rule.target else None,
            log_config={"metadata": "INCLUDE_ALL_METADATA"} if rule.logged else None,
            description=names.describe(self.plan.model, rule.target, purpose=rule.purpose),
            opts=self._child)

    def _nat(self) -> None:
        plan = self.plan
        router = gcp.compute.Router(plan.router, name=plan.router, project=plan.project,
                                    region=plan.region, network=self.network.id, opts=self._child)
        gcp.compute.RouterNat(
            plan.nat, name=plan.nat, project=plan.project, region=plan.region, router=router.name,
            nat_ip_allocate_option="AUTO_ONLY", source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[{"name": self.subnets[s].id, "source_ip_ranges_to_nats": ["ALL_IP_RANGES"]}
                         for s in plan.nat_segments],
            log_config={"enable": True, "filter": "ERRORS_ONLY"}, opts=self._child)

    def _google_apis(self, route: str, zone_name: str) -> None:
        """Google APIs through the restricted VIP: a route to it and DNS that points there."""
        plan = self.plan
        gcp.compute.Route(route, name=route, project=plan.project, network=self.network.self_link,
                          dest_range=RESTRICTED_VIP.with_prefixlen, next_hop_gateway=DEFAULT_INTERNET_GATEWAY,
                          priority=1000, description=names.describe(plan.model), opts=self._child)
        zone = gcp.dns.ManagedZone(
            zone_name, name=zone_name, project=plan.project, dns_name=API_DOMAIN, visibility="private",
            description="bulkhead: Google APIs through restricted.googleapis.com",
            private_visibility_config={"networks": [{"network_url": self.network.id}]}, opts=self._child)
        gcp.dns.RecordSet(f"{zone_name}-cname", project=plan.project, managed_zone=zone.name,
                          name=f"*.{API_DOMAIN}", type="CNAME", ttl=300, rrdatas=[RESTRICTED_HOST],
                          opts=self._child)
        gcp.dns.RecordSet(f"{zone_name}-a", project=plan.project, managed_zone=zone.name,
                          name=RESTRICTED_HOST, type="A", ttl=300,
                          rrdatas=[str(ip) for ip in RESTRICTED_VIP], opts=self._child)


def program(cloud_plan: CloudPlan, opts: pulumi.ResourceOptions | None = None) -> SegmentedNetwork:
    """Build the model's GCP network through the stack's own Google provider; export its outputs.

    No provider is created here: the default one carries every `gcp:` setting of the stack.
    Resources name the model's project and region; a stack that says otherwise is refused
    before the first resource is registered.
    """
    plan = rule_plan(cloud_plan)
    gcp_config = pulumi.Config("gcp")
    problems = placement_problems(plan.project, plan.region, {
        "gcp:project": gcp_config.get("project"), "gcp:region": gcp_config.get("region")})
    if problems:
        raise UsageError("\n".join(problems))
    net = SegmentedNetwork(plan.model, plan, opts)
    for key, value in net.outputs.items():
        pulumi.export(key, value)
    return net
