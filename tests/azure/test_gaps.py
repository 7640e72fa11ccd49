"""Proof gaps closed on Azure (issue 13): a segment of one NIC, NSG layers judged one at a time,
VNet peering, subnet service endpoints, and audit's exposures. Each case changes a fresh copy
of the deployed subscription (through azure-mgmt-network, or by hand in the collected
snapshot where the fake has no API for it) and has its healthy negation.
"""

from __future__ import annotations

import copy
from typing import Any

from azure.mgmt.network import models as m

from infra.ports import PortSet
from infra.snapshot import Snapshot
from infra.verify import Report
from providers.azure.observe.collect import collect
from providers.azure.observe.normalize import normalize
from tests.azure.azsession import Subscription, check
from tests.azure.test_tamper import RG, VNET, _nic_nsg, findings, put_rule, rule, verify_now

MESH_RG, MESH_VNET = "azmesh-network", "azmesh"


def posture_checks(report: Report) -> list[tuple[str | None, str | None]]:
    return sorted((f.src, f.check) for f in report.findings if f.kind == "posture")


def nic(client: Any, group: str, vnet: str, segment: str, name: str, asg: str | None, nsg: str | None = None,
        public_ip: str | None = None) -> None:
    """A NIC in the segment's subnet (joining `asg` if given), like a VM's."""
    sub = client.subnets.get(group, vnet, segment)
    client.network_interfaces.begin_create_or_update(group, name, m.NetworkInterface(
        location=client.virtual_networks.get(group, vnet).location,
        network_security_group=m.NetworkSecurityGroup(id=nsg) if nsg else None,
        ip_configurations=[m.NetworkInterfaceIPConfiguration(
            name="ipconfig1", subnet=m.Subnet(id=sub.id),
            public_ip_address=m.PublicIPAddress(id=public_ip) if public_ip else None,
            application_security_groups=[m.ApplicationSecurityGroup(
                id=client.application_security_groups.get(group, asg).id)] if asg else None)])).result()


# --- one NIC is still a segment whose members reach each other ------------------------------


def test_a_segment_of_one_nic_keeps_its_intra_segment_flows(tamper, subscription) -> None:
    """azmesh's workers talk to each other (tcp/1024-65535, udp/4789); with one NIC launched the
    segment's members must still reach each other per the rules (not a missing path)."""
    with tamper() as (cloud, client):
        nic(client, MESH_RG, MESH_VNET, "workers", "worker-1-nic", "azmesh-workers")
        report = verify_now(cloud, subscription, "az-mesh")
    assert report.findings == ()


def test_a_single_nics_own_nsg_refusing_the_intra_segment_flow_is_a_missing_path(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        nsg_id = client.network_security_groups.begin_create_or_update(MESH_RG, "no-vxlan", m.NetworkSecurityGroup(
            location="northeurope", security_rules=[rule("deny-vxlan", 100, "Inbound", access="Deny",
                                                         protocol="Udp", ports="4789")])).result().id
        nic(client, MESH_RG, MESH_VNET, "workers", "worker-1-nic", "azmesh-workers", nsg=nsg_id)
        report = verify_now(cloud, subscription, "az-mesh")
    missing = findings(report, "missing-path", "workers", "workers")
    assert [(f.protocol, f.ports) for f in missing] == [("udp", PortSet.single(4789))]
    assert "azure:nsg/no-vxlan#deny-vxlan" in missing[0].evidence


# --- defence in depth: each NSG layer on its own --------------------------------------------


def test_a_nic_nsg_that_allows_everything_is_flagged_while_the_subnet_nsg_still_holds(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        nsg = _nic_nsg(client, "wide-open", [rule("allow-all-in", 100, "Inbound"),
                                             rule("allow-all-out", 100, "Outbound")])
        nic(client, RG, VNET, "feature-store", "redis-1-nic", "ai-platform-feature-store", nsg=nsg)
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == [] and findings(report, "missing-path") == []
    lone = [f for f in report.findings if f.kind == "posture"]
    assert lone and {f.check for f in lone} == {"BH-AZURE-NIC-NSG-ALONE-OPENS"}
    assert all("azure:nsg/wide-open#allow-all-in" in f.evidence or "azure:nsg/wide-open#allow-all-out" in f.evidence
               for f in lone)
    # what stops them is a subnet NSG's deny-all, of the sender or of feature-store
    assert all(any(e.startswith("azure:nsg/ai-platform-") and "#deny-all-" in e for e in f.evidence) for f in lone)


def test_a_nic_without_an_nsg_of_its_own_is_one_layer_by_design_and_no_finding(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        nic(client, RG, VNET, "feature-store", "redis-1-nic", "ai-platform-feature-store")
        report = verify_now(cloud, subscription)
    assert report.findings == ()


def test_a_subnet_nsg_allow_that_only_the_nic_nsg_stops_is_flagged(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-notebooks", rule("ssh-out", 200, "Outbound", protocol="Tcp",
                                                       destination="10.30.4.0/24", ports="22"))
        put_rule(client, "ai-platform-feature-store", rule("ssh-in", 200, "Inbound", protocol="Tcp",
                                                           source="10.30.8.0/24", ports="22"))
        nsg = _nic_nsg(client, "redis-only", [rule("no-ssh", 100, "Inbound", access="Deny", protocol="Tcp",
                                                   ports="22")])
        nic(client, RG, VNET, "feature-store", "redis-1-nic", "ai-platform-feature-store", nsg=nsg)
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []
    [lone] = [f for f in report.findings if f.check == "BH-AZURE-SUBNET-NSG-ALONE-OPENS"]
    assert (lone.src, "tcp/22") == ("notebooks", lone.message.split(" on ")[1].split(" ")[0])
    assert {"azure:nsg/ai-platform-feature-store#ssh-in", "azure:nsg/redis-only#no-ssh"} <= set(lone.evidence)


# --- VNet peering ---------------------------------------------------------------------------


def _peered(snapshot: Snapshot, state: str = "Connected") -> Snapshot:
    snap = copy.deepcopy(snapshot)
    for name, doc in snap.items():
        if name.endswith("/virtualNetworks.json"):
            for vnet in doc["value"]:
                if vnet["name"] == VNET:
                    vnet["properties"]["virtualNetworkPeerings"] = [{
                        "name": "to-hub", "id": f"{vnet['id']}/virtualNetworkPeerings/to-hub", "properties": {
                            "peeringState": state, "allowVirtualNetworkAccess": True,
                            "remoteVirtualNetwork": {"id": "/subscriptions/x/resourceGroups/hub/providers/"
                                                           "Microsoft.Network/virtualNetworks/hub"},
                            "remoteAddressSpace": {"addressPrefixes": ["10.99.0.0/16"]}}}]
    return snap


def _notebooks_to_hub(client: Any) -> None:
    put_rule(client, "ai-platform-notebooks", rule("to-hub", 200, "Outbound", protocol="Tcp",
                                                   destination="10.99.0.0/16", ports="5432"))


def test_a_peered_vnet_is_an_endpoint_the_nsgs_let_segments_reach(tamper, subscription: Subscription) -> None:
    with tamper() as (cloud, client):
        _notebooks_to_hub(client)
        snapshot = collect(cloud.source())
    report = check(subscription.models["ai-platform"], _peered(snapshot))
    [leak] = findings(report, "unintended-path")
    assert (leak.src, leak.dst, leak.ports) == ("notebooks", "peer:hub", PortSet.single(5432))
    assert "azure:nsg/ai-platform-notebooks#to-hub" in leak.evidence
    assert posture_checks(report) == [(None, "BH-AZURE-VNET-PEERED")]


def test_a_peering_alone_is_posture_while_the_nsgs_deny_it(subscription: Subscription) -> None:
    report = check(subscription.models["ai-platform"], _peered(subscription.snapshot))
    assert [(f.kind, f.check) for f in report.findings] == [("posture", "BH-AZURE-VNET-PEERED")]


def test_a_disconnected_peering_carries_nothing(tamper, subscription: Subscription) -> None:
    with tamper() as (cloud, client):
        _notebooks_to_hub(client)
        snapshot = collect(cloud.source())
    assert check(subscription.models["ai-platform"], _peered(snapshot, "Disconnected")).findings == ()


# --- subnet service endpoints ---------------------------------------------------------------


def _service_endpoint(client: Any, policy: bool = False) -> None:
    subnet = client.subnets.get(RG, VNET, "notebooks")
    subnet.service_endpoints = [m.ServiceEndpointPropertiesFormat(service="Microsoft.Storage")]
    if policy:
        subnet.service_endpoint_policies = [m.ServiceEndpointPolicy(
            id=f"/subscriptions/{subnet.id.split('/')[2]}/resourceGroups/{RG}/providers/Microsoft.Network/"
               "serviceEndpointPolicies/own-accounts")]
    client.subnets.begin_create_or_update(RG, VNET, "notebooks", subnet).result()


def _to_storage(client: Any) -> None:
    put_rule(client, "ai-platform-notebooks", rule("to-storage", 200, "Outbound", protocol="Tcp",
                                                   destination="Storage.EastUS", ports="443"))


def test_a_storage_service_endpoint_and_an_allow_to_the_storage_tag_reach_every_account(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        _service_endpoint(client)
        _to_storage(client)
        report = verify_now(cloud, subscription)
    [leak] = findings(report, "unintended-path")
    assert (leak.src, leak.dst, leak.ports) == ("notebooks", "service:object-storage", PortSet.single(443))
    assert "azure:nsg/ai-platform-notebooks#to-storage" in leak.evidence
    assert posture_checks(report) == [("notebooks", "BH-AZURE-SERVICE-ENDPOINT-OPEN")]


def test_a_service_endpoint_the_nsg_does_not_allow_is_posture_only(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        _service_endpoint(client)
        report = verify_now(cloud, subscription)
    assert [f.kind for f in report.findings] == ["posture"]
    assert posture_checks(report) == [("notebooks", "BH-AZURE-SERVICE-ENDPOINT-OPEN")]


def test_a_service_endpoint_narrowed_by_a_policy_is_a_path_but_no_posture(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        _service_endpoint(client, policy=True)
        _to_storage(client)
        report = verify_now(cloud, subscription)
    assert [(f.kind, f.dst) for f in report.findings] == [("unintended-path", "service:object-storage")]


# --- audit: NICs reached through a public IP ------------------------------------------------


def test_audit_lists_a_nic_reached_through_its_public_ip_with_the_rules(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        pip = client.public_ip_addresses.begin_create_or_update(RG, "web-1-ip", m.PublicIPAddress(
            location="eastus", public_ip_allocation_method="Static")).result()
        nic(client, RG, VNET, "edge", "web-1-nic", "ai-platform-edge", public_ip=pip.id)
        nic(client, RG, VNET, "feature-store", "redis-1-nic", "ai-platform-feature-store", public_ip=pip.id)
        nic(client, RG, VNET, "edge", "web-2-nic", "ai-platform-edge")  # no public IP: not listed
        snapshot = collect(cloud.source())
    exposures = normalize(snapshot, None).exposures
    assert sorted((e["resource"], e["protocol"], e["ports"]) for e in exposures) == [("web-1-nic", "tcp", [[443, 443]])]
    [entry] = exposures
    assert str(entry["interface"]).endswith("/networkInterfaces/web-1-nic") and entry["address"]
    assert "azure:nsg/ai-platform-edge#" in " ".join(entry["evidence"])  # type: ignore[arg-type]
