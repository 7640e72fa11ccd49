"""The AWS Pulumi component: wires the rule plan (providers/aws/build/plan.py) into resources.

No decisions here and no resources inside `Output.apply`: every resource, name, rule and
tag comes from the `AwsRulePlan`; this module only looks logical names up and passes ids
along. Security group rules are standalone `aws.vpc.SecurityGroup{Ingress,Egress}Rule`s
(one AWS rule each, keyed by its `sgr-` id), and `aws.ec2.SecurityGroup` itself carries no
inline rules, so the provider's revocation of AWS's allow-all egress is what we want.
"""

from __future__ import annotations

import json
import os
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from infra.errors import UsageError
from infra.plan import CloudPlan
from infra.stack_outputs import SegmentOutputs, stack_outputs
from infra.stack_template import setting_values
from providers.aws.build.plan import rule_plan, zones_offered
from providers.aws.build.rules import ACCOUNT_PLACEHOLDER, SHARED, AwsRulePlan, FlowLogDestination, SgRule
from providers.aws.build.settings import REGION_SOURCES, STACK_SETTINGS, region_problems

COMPONENT_TYPE = "bulkhead:aws:SegmentedNetwork"
FLOW_LOGS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


class SegmentedNetwork(pulumi.ComponentResource):
    """One VPC segmented as the rule plan says; exposes per-segment ids for other stacks."""

    def __init__(self, name: str, plan: AwsRulePlan, opts: pulumi.ResourceOptions | None = None):
        super().__init__(COMPONENT_TYPE, name, None, opts)
        self._plan = plan
        self._child = pulumi.ResourceOptions(parent=self)
        zones = self._availability_zones()  # before any resource: a region short of zones creates nothing
        self.vpc = aws.ec2.Vpc(plan.vpc, cidr_block=plan.cidr, enable_dns_support=True,
                               enable_dns_hostnames=True, tags=plan.tags(SHARED, plan.vpc), opts=self._child)
        # Adopting the defaults with no rules empties them: whatever lands in the default
        # group, NACL or main route table outside bulkhead reaches nothing.
        aws.ec2.DefaultSecurityGroup(plan.default_group, vpc_id=self.vpc.id,
                                     tags=plan.tags(SHARED, plan.default_group), opts=self._child)
        aws.ec2.DefaultNetworkAcl(plan.default_acl, default_network_acl_id=self.vpc.default_network_acl_id,
                                  tags=plan.tags(SHARED, plan.default_acl), opts=self._child)
        aws.ec2.DefaultRouteTable(plan.default_table, default_route_table_id=self.vpc.default_route_table_id,
                                  tags=plan.tags(SHARED, plan.default_table), opts=self._child)
        self.subnets = {s.name: aws.ec2.Subnet(
            s.name, vpc_id=self.vpc.id, cidr_block=s.cidr, availability_zone=zones[s.zone],
            map_public_ip_on_launch=s.public, tags=plan.tags(s.segment, s.name), opts=self._child)
            for s in plan.subnets}
        self.groups = {g.name: aws.ec2.SecurityGroup(
            g.name, vpc_id=self.vpc.id, description=g.description, tags=plan.tags(g.segment, g.name),
            opts=self._child) for g in plan.groups}
        self._nacls()
        self._routing()
        self.endpoints = self._endpoints()
        for rule in plan.sg_rules:
            self._sg_rule(rule)
        self._flow_logs()
        self.outputs = stack_outputs("aws", plan.model, plan.region, self.vpc.id, self._segment_outputs())
        self.register_outputs(self.outputs)

    def _availability_zones(self) -> dict[str, str]:
        """The plan's zones -> the zones the region offers this account (plan.py `zones_offered` decides)."""
        offered = aws.get_availability_zones(
            state="available", filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self)).names
        return zones_offered(self._plan, offered)

    def _segment_outputs(self) -> dict[str, SegmentOutputs]:
        plan = self._plan
        cidrs = {s.name: s.cidr for s in plan.subnets}
        return {seg: SegmentOutputs(
            subnet_ids=[self.subnets[s].id for s in plan.segment_subnets(seg)],
            cidrs=[cidrs[s] for s in plan.segment_subnets(seg)],
            identity_kind="securityGroup", identity=self.groups[plan.segment_group(seg)].id,
            route_table_id=self.tables[plan.segment_table(seg)].id) for seg in plan.segments}

    def _nacls(self) -> None:
        plan = self._plan
        # Every subnet is explicitly associated, so the default NACL is left with none.
        acls = {a.name: aws.ec2.NetworkAcl(
            a.name, vpc_id=self.vpc.id, subnet_ids=[self.subnets[s].id for s in a.subnets],
            tags=plan.tags(a.segment, a.name), opts=self._child) for a in plan.nacls}
        for e in plan.nacl_entries:
            aws.ec2.NetworkAclRule(
                e.name, network_acl_id=acls[e.acl].id, rule_number=e.number, egress=e.egress,
                protocol=str(e.protocol), rule_action=e.action, cidr_block=e.cidr,
                from_port=e.from_port, to_port=e.to_port, icmp_type=e.icmp_type, icmp_code=e.icmp_code,
                opts=self._child)

    def _routing(self) -> None:
        plan = self._plan
        self.tables = {t.name: aws.ec2.RouteTable(t.name, vpc_id=self.vpc.id, tags=plan.tags(t.segment, t.name),
                                                  opts=self._child) for t in plan.route_tables}
        for table in plan.route_tables:
            for subnet in table.subnets:
                aws.ec2.RouteTableAssociation(f"{subnet}-rta", subnet_id=self.subnets[subnet].id,
                                              route_table_id=self.tables[table.name].id, opts=self._child)
        targets: dict[str, dict[str, Any]] = {}
        igw = None
        if plan.internet_gateway:
            igw = aws.ec2.InternetGateway(plan.internet_gateway, vpc_id=self.vpc.id,
                                          tags=plan.tags(SHARED, plan.internet_gateway), opts=self._child)
            targets["internet-gateway"] = {"gateway_id": igw.id}
        if plan.nat:
            eip = aws.ec2.Eip(plan.nat.eip, domain="vpc", tags=plan.tags(SHARED, plan.nat.eip), opts=self._child)
            nat = aws.ec2.NatGateway(plan.nat.name, allocation_id=eip.allocation_id,
                                     subnet_id=self.subnets[plan.nat.subnet].id, tags=plan.tags(SHARED, plan.nat.name),
                                     opts=pulumi.ResourceOptions(parent=self, depends_on=[igw] if igw else None))
            targets["nat-gateway"] = {"nat_gateway_id": nat.id}
        for route in plan.routes:
            aws.ec2.Route(route.name, route_table_id=self.tables[route.table].id,
                          destination_cidr_block=route.destination, **targets[route.target], opts=self._child)

    def _endpoints(self) -> dict[str, aws.ec2.VpcEndpoint]:
        plan = self._plan
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id \
            if any(e.policy and ACCOUNT_PLACEHOLDER in e.policy for e in plan.endpoints) else None

        def policy(text: str | None) -> pulumi.Input[str] | None:
            if text is None or account is None or ACCOUNT_PLACEHOLDER not in text:
                return text
            return account.apply(lambda found: text.replace(ACCOUNT_PLACEHOLDER, found))

        return {e.name: aws.ec2.VpcEndpoint(
            e.name, vpc_id=self.vpc.id, service_name=e.service_name, vpc_endpoint_type=e.kind,
            route_table_ids=[self.tables[t].id for t in e.route_tables] or None,
            subnet_ids=[self.subnets[s].id for s in e.subnets] or None,
            security_group_ids=[self.groups[e.group].id] if e.group else None,
            private_dns_enabled=e.private_dns if e.kind == "Interface" else None,
            policy=policy(e.policy), tags=plan.tags(SHARED, e.name), opts=self._child) for e in plan.endpoints}

    def _sg_rule(self, rule: SgRule) -> None:
        peer: dict[str, Any] = {}
        if rule.peer_group:
            peer["referenced_security_group_id"] = self.groups[rule.peer_group].id
        elif rule.cidr:
            peer["cidr_ipv4"] = rule.cidr
        elif rule.prefix_list_of:
            peer["prefix_list_id"] = self.endpoints[rule.prefix_list_of].prefix_list_id
        cls = aws.vpc.SecurityGroupIngressRule if rule.direction == "ingress" else aws.vpc.SecurityGroupEgressRule
        cls(rule.name, security_group_id=self.groups[rule.group].id, ip_protocol=rule.protocol,
            from_port=rule.from_port, to_port=rule.to_port, description=rule.description,
            tags=self._plan.tags(rule.segment, rule.name), opts=self._child, **peer)

    def _flow_logs(self) -> None:
        plan, spec = self._plan, self._plan.flow_logs
        tags = plan.tags(SHARED, spec.name)
        if spec.destination == "s3":
            bucket = aws.s3.Bucket(spec.name, tags=tags, opts=self._child)
            aws.s3.BucketPublicAccessBlock(spec.name, bucket=bucket.id, block_public_acls=True,
                                           block_public_policy=True, ignore_public_acls=True,
                                           restrict_public_buckets=True, opts=self._child)
            aws.ec2.FlowLog(spec.name, vpc_id=self.vpc.id, traffic_type="ALL", log_destination_type="s3",
                            log_destination=bucket.arn, tags=tags, opts=self._child)
            return
        group = aws.cloudwatch.LogGroup(spec.name, retention_in_days=365, tags=tags, opts=self._child)
        role = aws.iam.Role(spec.name, assume_role_policy=FLOW_LOGS_TRUST, tags=tags, opts=self._child)
        aws.iam.RolePolicy(spec.name, role=role.id, opts=self._child, policy=pulumi.Output.json_dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
                           "logs:DescribeLogStreams"]}]}))
        aws.ec2.FlowLog(spec.name, vpc_id=self.vpc.id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
                        log_destination=group.arn, iam_role_arn=role.arn, tags=tags, opts=self._child)


def flow_log_destination() -> FlowLogDestination:
    """The stack's `flowLogs` setting: cloudwatch (default) or s3."""
    return cast(FlowLogDestination, setting_values(STACK_SETTINGS, pulumi.Config().get)["flowLogs"])


def configured_region() -> dict[str, str | None]:
    """Where the stack's default AWS provider takes its region from, in the provider's order."""
    found: dict[str, str | None] = {"aws:region": pulumi.Config("aws").get("region")}
    found.update({var: os.environ.get(var) for var in REGION_SOURCES[1:]})
    return found


def program(cloud_plan: CloudPlan, opts: pulumi.ResourceOptions | None = None) -> SegmentedNetwork:
    """The stack program: the network through the stack's own AWS provider, and its outputs.

    No provider is created here: the default one carries every `aws:` setting of the stack
    (profile, assumeRoles, defaultTags, ...). Its region must be the model's; that and every
    other setting are checked before the first resource is registered.
    """
    problems = region_problems(cloud_plan.region, configured_region())
    if problems:
        raise UsageError("\n".join(problems))
    network = SegmentedNetwork(cloud_plan.model, rule_plan(cloud_plan, flow_log_destination()), opts=opts)
    for key, value in network.outputs.items():
        pulumi.export(key, value)
    return network
