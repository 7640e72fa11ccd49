"""Change the deployed Azure network through azure-mgmt-network; the verifier must notice.

Every case works on a fresh copy of the deployed subscription and asserts the finding (kind,
endpoints, ports) and the rule that explains it. The ai-platform segments on Azure are
edge, feature-store, model-registry, notebooks and monitoring (VNet 10.30.0.0/16, slots
from the YAML: edge 1, feature-store 4, model-registry 6, monitoring 7, notebooks 8).
"""

from __future__ import annotations

from typing import Any

from azure.mgmt.network import models as m

from infra.ports import PortSet
from infra.verify import Finding, Report
from providers.azure.observe.collect import collect
from tests.azure.azsession import Subscription, check

RG = "ai-platform-network"
VNET = "ai-platform"


def verify_now(cloud: Any, subscription: Subscription, stem: str = "ai-platform") -> Report:
    return check(subscription.models[stem], collect(cloud.source()))


def findings(report: Report, kind: str, src: str | None = None, dst: str | None = None) -> list[Finding]:
    return [f for f in report.findings if f.kind == kind and (src is None or f.src == src)
            and (dst is None or f.dst == dst)]


def rule(name: str, priority: int, direction: str, access: str = "Allow", protocol: str = "*",
         source: str = "*", destination: str = "*", ports: str = "*", **extra: Any) -> m.SecurityRule:
    return m.SecurityRule(name=name, priority=priority, direction=direction, access=access, protocol=protocol,
                          source_address_prefix=source, destination_address_prefix=destination,
                          source_port_range="*", destination_port_range=ports, **extra)


def put_rule(client: Any, nsg: str, security_rule: m.SecurityRule, group: str = RG) -> None:
    client.security_rules.begin_create_or_update(group, nsg, security_rule.name, security_rule).result()


def test_removing_the_deny_alls_lets_azure_default_vnet_rules_open_a_segment(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        client.security_rules.begin_delete(RG, "ai-platform-feature-store", "deny-all-in").result()
        client.security_rules.begin_delete(RG, "ai-platform-notebooks", "deny-all-out").result()
        report = verify_now(cloud, subscription)
    [tcp] = [f for f in findings(report, "unintended-path", "notebooks", "feature-store") if f.protocol == "tcp"]
    assert tcp.ports == PortSet.full("tcp") - PortSet.single(6379)
    assert "azure:default/ai-platform-feature-store#AllowVnetInBound" in tcp.evidence
    assert "azure:default/ai-platform-notebooks#AllowVnetOutBound" in tcp.evidence
    assert {f.protocol for f in findings(report, "unintended-path", "notebooks", "feature-store")} == {
        "tcp", "udp", "icmp"}


def test_one_sided_tampering_opens_nothing_because_the_sender_still_denies(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        client.security_rules.begin_delete(RG, "ai-platform-feature-store", "deny-all-in").result()
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []


def test_an_allow_virtualnetwork_inbound_at_priority_100_opens_what_the_sender_allows(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("allow-vnet-in", 100, "Inbound",
                                                           source="VirtualNetwork", destination="VirtualNetwork"))
        # The sender's rule widened to every port: only the receiver's NSG stood in the way.
        widened = client.security_rules.get(RG, "ai-platform-notebooks", "allow-out-feature-store-tcp")
        widened.destination_port_range = "*"
        put_rule(client, "ai-platform-notebooks", widened)
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "unintended-path", "notebooks", "feature-store")
    assert finding.protocol == "tcp" and 22 in finding.ports and 6379 not in finding.ports
    assert "azure:nsg/ai-platform-feature-store#allow-vnet-in" in finding.evidence


def test_an_allow_from_internet_is_an_unintended_path_from_the_internet(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("open-redis", 200, "Inbound", protocol="Tcp",
                                                           source="Internet", ports="6379"))
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "unintended-path", "internet", "feature-store")
    assert (finding.protocol, finding.ports) == ("tcp", PortSet.single(6379))
    assert finding.evidence == ("azure:nsg/ai-platform-feature-store#open-redis",)


def test_plural_prefixes_covering_the_internet_open_plural_ports(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-edge", m.SecurityRule(
            name="admin", priority=300, direction="Inbound", access="Allow", protocol="Tcp",
            source_address_prefixes=["0.0.0.0/1", "128.0.0.0/1"], destination_address_prefix="*",
            source_port_range="*", destination_port_ranges=["22", "3389"]))
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "unintended-path", "internet", "edge")
    assert finding.ports == PortSet.of([(22, 22), (3389, 3389)])
    assert "azure:nsg/ai-platform-edge#admin" in finding.evidence


def test_a_removed_outbound_flow_rule_is_a_missing_path_blocked_by_the_deny_all(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        client.security_rules.begin_delete(RG, "ai-platform-notebooks", "allow-out-feature-store-tcp").result()
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "missing-path", "notebooks", "feature-store")
    assert (finding.protocol, finding.ports) == ("tcp", PortSet.single(6379))
    assert "azure:nsg/ai-platform-notebooks#deny-all-out" in finding.evidence


def test_a_removed_inbound_flow_rule_is_a_missing_path_blocked_by_the_deny_all(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        client.security_rules.begin_delete(RG, "ai-platform-model-registry", "allow-in-notebooks-tcp").result()
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "missing-path", "notebooks", "model-registry")
    assert finding.ports == PortSet.single(443)
    assert "azure:nsg/ai-platform-model-registry#deny-all-in" in finding.evidence


def _workload(client: Any, segment: str, nic_nsg: str | None) -> None:
    """A NIC in the segment's subnet that joins the segment's ASG (how workloads join)."""
    sub = client.subnets.get(RG, VNET, segment)
    asg = client.application_security_groups.get(RG, f"ai-platform-{segment}")
    client.network_interfaces.begin_create_or_update(RG, f"{segment}-vm1-nic", m.NetworkInterface(
        location="eastus", network_security_group=m.NetworkSecurityGroup(id=nic_nsg) if nic_nsg else None,
        ip_configurations=[m.NetworkInterfaceIPConfiguration(
            name="ipconfig1", subnet=m.Subnet(id=sub.id),
            application_security_groups=[m.ApplicationSecurityGroup(id=asg.id)])])).result()


def _nic_nsg(client: Any, name: str, rules: list[m.SecurityRule]) -> str:
    return client.network_security_groups.begin_create_or_update(
        RG, name, m.NetworkSecurityGroup(location="eastus", security_rules=rules)).result().id


def test_a_nic_nsg_that_allows_more_does_not_open_what_the_subnet_nsg_denies(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        nsg = _nic_nsg(client, "wide-open", [rule("allow-all-in", 100, "Inbound"), rule("allow-all-out", 100,
                                                                                          "Outbound")])
        _workload(client, "feature-store", nsg)
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []
    assert findings(report, "missing-path") == []


def test_a_nic_nsg_that_denies_closes_the_path_at_the_nic(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        nsg = _nic_nsg(client, "no-redis", [rule("deny-redis", 100, "Inbound", access="Deny", protocol="Tcp",
                                                 ports="6379")])
        _workload(client, "feature-store", nsg)
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "missing-path", "notebooks", "feature-store")
    assert finding.ports == PortSet.single(6379)
    assert "azure:nsg/no-redis#deny-redis" in finding.evidence
    # The NIC NSG's defaults (AllowVnetInBound) still let monitoring's scrapes in.
    assert findings(report, "missing-path", "monitoring", "feature-store") == []


def test_a_workload_outside_the_segment_asg_is_cut_off(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        sub = client.subnets.get(RG, VNET, "feature-store")
        client.network_interfaces.begin_create_or_update(RG, "stray-nic", m.NetworkInterface(
            location="eastus", ip_configurations=[m.NetworkInterfaceIPConfiguration(
                name="ipconfig1", subnet=m.Subnet(id=sub.id))])).result()
        report = verify_now(cloud, subscription)
    assert {f.src for f in findings(report, "missing-path", dst="feature-store")} == {"notebooks", "monitoring"}


def _add_redis_route_to_object_storage(client: Any) -> None:
    put_rule(client, "ai-platform-notebooks", rule("to-blob", 200, "Outbound", protocol="Tcp",
                                                   destination="10.30.0.0/27", ports="443"))


def test_the_endpoint_subnet_nsg_stops_a_segment_that_did_not_declare_the_service(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        _add_redis_route_to_object_storage(client)
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path", "notebooks") == []


def test_private_endpoint_policies_disabled_bypass_the_endpoint_nsg(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        _add_redis_route_to_object_storage(client)
        subnet = client.subnets.get(RG, VNET, "endpoints_object-storage")
        subnet.private_endpoint_network_policies = "Disabled"
        client.subnets.begin_create_or_update(RG, VNET, "endpoints_object-storage", subnet).result()
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "unintended-path", "notebooks", "service:object-storage")
    assert finding.ports == PortSet.single(443) and "azure:nsg/ai-platform-notebooks#to-blob" in finding.evidence
    [posture] = [f for f in findings(report, "posture") if "network policies off" in f.message]
    assert subnet.id in posture.evidence


def test_default_outbound_access_turned_on_is_a_posture_finding(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        subnet = client.subnets.get(RG, VNET, "notebooks")
        subnet.default_outbound_access = True
        client.subnets.begin_create_or_update(RG, VNET, "notebooks", subnet).result()
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "posture")
    assert finding.src == "notebooks" and "default outbound access" in finding.message
    assert subnet.id in finding.evidence


def test_default_outbound_access_plus_an_internet_allow_reaches_the_internet(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        subnet = client.subnets.get(RG, VNET, "notebooks")
        subnet.default_outbound_access = True
        client.subnets.begin_create_or_update(RG, VNET, "notebooks", subnet).result()
        put_rule(client, "ai-platform-notebooks", rule("pip-install", 200, "Outbound", protocol="Tcp",
                                                       destination="Internet", ports="443"))
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "unintended-path", "notebooks", "internet")
    assert finding.ports == PortSet.single(443)
    assert {"azure:nsg/ai-platform-notebooks#pip-install", "azure:default-outbound/notebooks"} <= set(finding.evidence)


def test_a_nat_gateway_attached_to_a_segment_without_egress_is_a_posture_finding(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        subnet = client.subnets.get("azegress-network", "azegress", "vault")
        subnet.nat_gateway = m.SubResource(id=client.nat_gateways.get("azegress-network", "azegress").id)
        client.subnets.begin_create_or_update("azegress-network", "azegress", "vault", subnet).result()
        report = verify_now(cloud, subscription, "az-egress")
    [finding] = findings(report, "posture")
    assert finding.src == "vault" and "azure:nat/azegress" in finding.evidence
    assert findings(report, "unintended-path") == []


def test_a_udr_sending_the_default_route_to_an_appliance_cuts_internet_egress(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        table = client.route_tables.begin_create_or_update("azegress-network", "to-firewall", m.RouteTable(
            location="eastus2", routes=[m.Route(name="default", address_prefix="0.0.0.0/0",
                                                next_hop_type="VirtualAppliance",
                                                next_hop_ip_address="10.101.0.100")])).result()
        subnet = client.subnets.get("azegress-network", "azegress", "crawler")
        subnet.route_table = m.RouteTable(id=table.id)
        client.subnets.begin_create_or_update("azegress-network", "azegress", "crawler", subnet).result()
        report = verify_now(cloud, subscription, "az-egress")
    missing = findings(report, "missing-path", "crawler", "internet")
    assert {f.protocol for f in missing} == {"tcp", "udp"}
    assert all("azure:route/crawler" in f.evidence for f in missing)


def test_a_deleted_flow_log_is_a_posture_finding(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        client.flow_logs.begin_delete("NetworkWatcherRG", "NetworkWatcher_eastus", "ai-platform-vnet").result()
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "posture")
    assert "flow log" in finding.message and finding.evidence[0].endswith("/virtualNetworks/ai-platform")


def test_a_subnet_stripped_of_its_nsg_is_a_posture_finding(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        subnet = client.subnets.get(RG, VNET, "model-registry")
        subnet.network_security_group = None
        client.subnets.begin_create_or_update(RG, VNET, "model-registry", subnet).result()
        report = verify_now(cloud, subscription)
    [finding] = findings(report, "posture")
    assert finding.src == "model-registry" and "no network security group" in finding.message
