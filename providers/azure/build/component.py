"""`bulkhead:azure:SegmentedNetwork`: wires Azure resources from the ready rule plan (no decisions).

Resource names come from model names (never list positions), so reordering the YAML replaces
nothing. Azure objects get explicit names: the observer maps subnets back to segments by name
(subnets cannot carry tags) and everything else by the `bulkhead:*` tags.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import network, privatedns, resources, storage

from infra.errors import UsageError
from infra.plan import CloudPlan
from infra.stack_outputs import SegmentOutputs, stack_outputs
from infra.stack_template import setting_values
from providers.azure.build.plan import NsgRule, Selector, rule_plan
from providers.azure.build.settings import STACK_SETTINGS, location_problems
from providers.azure.build.targets import checked_targets
from providers.azure.services import AZURE_SERVICES

TYPE = "bulkhead:azure:SegmentedNetwork"


@dataclass(frozen=True)
class NetworkOptions:
    """Deployment settings that are not part of the model (Pulumi config `bulkhead:*`)."""

    flow_logs: bool = True
    flow_log_storage_id: str | None = None  # an existing account; else the component makes one
    flow_log_retention_days: int = 90
    network_watcher_group: str = "NetworkWatcherRG"  # where Azure auto-creates the region's watcher
    network_watcher_name: str | None = None  # default NetworkWatcher_<region>


class SegmentedNetwork(pulumi.ComponentResource):
    def __init__(self, name: str, cloud_plan: CloudPlan, service_targets: Mapping[str, pulumi.Input[str]],
                 options: NetworkOptions | None = None, opts: pulumi.ResourceOptions | None = None):
        self.plan = rule_plan(cloud_plan)
        self.options = options or NetworkOptions()
        # Checked before anything is registered: missing, malformed or wrong-kind targets.
        checked_targets(service_targets, {e.service for e in self.plan.endpoints})
        super().__init__(TYPE, name, None, opts)
        child = self._child()
        model = self.plan.model
        self.group = resources.ResourceGroup(
            model, resource_group_name=f"{model}-network", location=self.plan.region, tags=_tags(model), opts=child)
        self.vnet = network.VirtualNetwork(
            f"{model}-vnet", virtual_network_name=model, resource_group_name=self.group.name,
            location=self.plan.region, address_space=network.AddressSpaceArgs(address_prefixes=[str(self.plan.cidr)]),
            tags=_tags(model), opts=child)
        self.asgs = {s.segment: network.ApplicationSecurityGroup(
            f"{model}-{s.segment}-asg", application_security_group_name=f"{model}-{s.segment}",
            resource_group_name=self.group.name, location=self.plan.region, tags=_tags(model, s.segment), opts=child)
            for s in self.plan.segments}
        self.nsgs = {s.segment: self._nsg(f"{model}-{s.segment}", s.nsg.rules, _tags(model, s.segment))
                     for s in self.plan.segments}
        self.nat = self._nat() if any(s.nat for s in self.plan.segments) else None
        self.subnets = self._subnets()
        self.endpoints = self._private_endpoints(service_targets)
        self.flow_log = self._flow_log() if self.options.flow_logs else None
        self.outputs = stack_outputs("azure", model, self.plan.region, self.vnet.id, self.segment_outputs())
        self.register_outputs(self.outputs)

    def _child(self, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        # Every Azure child has a fixed name: a replacement created before its predecessor is
        # deleted would be refused as a duplicate (or, for a PUT, adopt and then lose the
        # original), so the old one goes first.
        return pulumi.ResourceOptions(parent=self, delete_before_replace=True, depends_on=depends_on)

    def _nsg(self, name: str, rules: tuple[NsgRule, ...], tags: dict[str, str]) -> network.NetworkSecurityGroup:
        # Rules are inline so the NSG is created with its deny-alls in one call: there is no
        # window in which a subnet carries an NSG that still runs on Azure's open defaults.
        return network.NetworkSecurityGroup(
            f"{name}-nsg", network_security_group_name=name, resource_group_name=self.group.name,
            location=self.plan.region, security_rules=[self._rule(r) for r in rules], tags=tags,
            opts=self._child())

    def _rule(self, rule: NsgRule) -> network.SecurityRuleArgs:
        args: dict[str, Any] = dict(
            name=rule.name, priority=rule.priority, direction=rule.direction, access=rule.access,
            protocol=rule.protocol, description=rule.description, source_port_range="*")
        args.update(self._side("source", rule.source))
        args.update(self._side("destination", rule.destination))
        if len(rule.ports) == 1:
            args["destination_port_range"] = rule.ports[0]
        else:
            args["destination_port_ranges"] = list(rule.ports)
        return network.SecurityRuleArgs(**args)

    def _side(self, side: str, selector: Selector) -> dict[str, Any]:
        if selector.kind == "asg":
            return {f"{side}_application_security_groups": [
                network.ApplicationSecurityGroupArgs(id=self.asgs[v].id) for v in selector.values]}
        if len(selector.values) == 1:
            return {f"{side}_address_prefix": selector.values[0]}
        return {f"{side}_address_prefixes": list(selector.values)}

    def _nat(self) -> network.NatGateway:
        model, child = self.plan.model, self._child()
        address = network.PublicIPAddress(
            f"{model}-nat-ip", public_ip_address_name=f"{model}-nat", resource_group_name=self.group.name,
            location=self.plan.region, sku=network.PublicIPAddressSkuArgs(name="Standard"),
            public_ip_allocation_method="Static", tags=_tags(model), opts=child)
        return network.NatGateway(
            f"{model}-nat", nat_gateway_name=model, resource_group_name=self.group.name, location=self.plan.region,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            public_ip_addresses=[network.SubResourceArgs(id=address.id)], tags=_tags(model), opts=child)

    def _subnets(self) -> dict[str, network.Subnet]:
        """Segment subnets, then the endpoint subnets, one after another: Azure rejects
        concurrent changes to one VNet's subnets ("AnotherOperationInProgress")."""
        model = self.plan.model
        wanted: list[tuple[str, str, str, network.NetworkSecurityGroup, bool]] = [
            (s.segment, s.subnet, str(s.prefix), self.nsgs[s.segment], s.nat) for s in self.plan.segments]
        if self.plan.endpoint_nsg is not None:
            shared = self._nsg(f"{model}-endpoints", self.plan.endpoint_nsg.rules, _tags(model))
            wanted += [(e.subnet, e.subnet, str(e.prefix), shared, False) for e in self.plan.endpoints]
        made: dict[str, network.Subnet] = {}
        previous: list[pulumi.Resource] = []
        for key, name, prefix, nsg, nat in wanted:
            made[key] = network.Subnet(
                f"{model}-{name}", subnet_name=name, virtual_network_name=self.vnet.name,
                resource_group_name=self.group.name, address_prefix=prefix,
                network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
                nat_gateway=network.SubResourceArgs(id=self.nat.id) if nat and self.nat else None,
                default_outbound_access=False,
                # NSGs apply to private endpoints only when the subnet's policies say so.
                private_endpoint_network_policies="Enabled",
                opts=self._child(depends_on=previous))
            previous = [made[key]]
        return made

    def _private_endpoints(self, targets: Mapping[str, pulumi.Input[str]]) -> dict[str, network.PrivateEndpoint]:
        model, child = self.plan.model, self._child()
        zones: dict[str, privatedns.PrivateZone] = {}
        for zone in sorted({z for e in self.plan.endpoints for z in AZURE_SERVICES[e.service].zones}):  # type: ignore[index]
            zones[zone] = privatedns.PrivateZone(
                f"{model}-{zone}", private_zone_name=zone, resource_group_name=self.group.name, location="global",
                tags=_tags(model), opts=child)
            privatedns.VirtualNetworkLink(
                f"{model}-{zone}-link", virtual_network_link_name=model, private_zone_name=zones[zone].name,
                resource_group_name=self.group.name, location="global", registration_enabled=False,
                virtual_network=privatedns.SubResourceArgs(id=self.vnet.id), tags=_tags(model), opts=child)
        made: dict[str, network.PrivateEndpoint] = {}
        for e in self.plan.endpoints:
            service = AZURE_SERVICES[e.service]  # type: ignore[index]
            made[e.service] = network.PrivateEndpoint(
                f"{model}-{e.service}-pe", private_endpoint_name=f"{model}-{e.service}",
                resource_group_name=self.group.name, location=self.plan.region,
                subnet=network.SubnetArgs(id=self.subnets[e.subnet].id),
                custom_network_interface_name=f"{model}-{e.service}-pe-nic",
                private_link_service_connections=[network.PrivateLinkServiceConnectionArgs(
                    name=e.service, private_link_service_id=targets[e.service], group_ids=[service.group_id])],
                tags={**_tags(model), "bulkhead:service": e.service}, opts=child)
            network.PrivateDnsZoneGroup(
                f"{model}-{e.service}-dns", private_dns_zone_group_name="default",
                private_endpoint_name=made[e.service].name, resource_group_name=self.group.name,
                private_dns_zone_configs=[network.PrivateDnsZoneConfigArgs(
                    name=zone.replace(".", "-"), private_dns_zone_id=zones[zone].id) for zone in service.zones],
                opts=child)
        return made

    def _flow_log(self) -> network.FlowLog:
        model, child, opts = self.plan.model, self._child(), self.options
        storage_id: pulumi.Input[str]
        if opts.flow_log_storage_id:
            storage_id = opts.flow_log_storage_id
        else:
            storage_id = storage.StorageAccount(
                f"{model}-flowlogs", account_name=_account_name(model, self.plan.region),
                resource_group_name=self.group.name, location=self.plan.region, kind="StorageV2",
                sku=storage.SkuArgs(name="Standard_LRS"), minimum_tls_version="TLS1_2",
                allow_blob_public_access=False, tags=_tags(model), opts=child).id
        return network.FlowLog(
            f"{model}-flowlog", flow_log_name=f"{model}-vnet", resource_group_name=opts.network_watcher_group,
            network_watcher_name=opts.network_watcher_name or f"NetworkWatcher_{self.plan.region}",
            location=self.plan.region, target_resource_id=self.vnet.id, storage_id=storage_id, enabled=True,
            retention_policy=network.RetentionPolicyParametersArgs(enabled=True, days=opts.flow_log_retention_days),
            format=network.FlowLogFormatParametersArgs(type="JSON", version=2), tags=_tags(model), opts=child)

    def segment_outputs(self) -> dict[str, SegmentOutputs]:
        return {s.segment: SegmentOutputs(
            subnet_ids=[self.subnets[s.segment].id], cidrs=[str(s.prefix)],
            identity_kind="applicationSecurityGroup", identity=self.asgs[s.segment].id)
            for s in self.plan.segments}


def _tags(model: str, segment: str | None = None) -> dict[str, str]:
    return {"bulkhead:model": model, **({"bulkhead:segment": segment} if segment else {})}


def _account_name(model: str, region: str) -> str:
    # Storage account names are global, 3-24 lowercase letters and digits.
    digest = hashlib.sha256(f"{pulumi.get_project()}/{pulumi.get_stack()}/{model}/{region}".encode()).hexdigest()
    return "bhflow" + digest[:18]


def options_from_config(config: pulumi.Config) -> NetworkOptions:
    """The stack's settings (declared in providers/azure/build/settings.py, typed in Pulumi.yaml)."""
    values = setting_values(STACK_SETTINGS, config.get)
    return NetworkOptions(
        flow_logs=bool(values["flowLogs"]),
        flow_log_storage_id=values["flowLogStorageId"],  # type: ignore[arg-type]
        flow_log_retention_days=values["flowLogRetentionDays"],  # type: ignore[arg-type]
        network_watcher_group=values["networkWatcherGroup"],  # type: ignore[arg-type]
        network_watcher_name=values["networkWatcherName"])  # type: ignore[arg-type]


def program(cloud_plan: CloudPlan, service_targets: Mapping[str, pulumi.Input[str]] | None = None,
            options: NetworkOptions | None = None, opts: pulumi.ResourceOptions | None = None) -> SegmentedNetwork:
    """The stack: the component (with `opts`) plus its outputs (docs/stack-outputs.md).

    No provider is created here: the default azure-native provider carries every setting of
    the stack (subscription, tenant, credentials). Resources name the model's region; a stack
    location that says otherwise is refused before the first resource is registered.
    """
    config = pulumi.Config()
    problems = location_problems(cloud_plan.region, pulumi.Config("azure-native").get("location"))
    if problems:
        raise UsageError("\n".join(problems))
    targets = service_targets if service_targets is not None else (config.get_object("serviceTargets") or {})
    if not isinstance(targets, Mapping):
        raise UsageError("config serviceTargets is not a mapping; set one target per service with "
                         "`pulumi config set --path serviceTargets.<service> <resource id>`")
    net = SegmentedNetwork(cloud_plan.model, cloud_plan, targets, options or options_from_config(config), opts)
    for key, value in net.outputs.items():
        pulumi.export(key, value)
    return net

