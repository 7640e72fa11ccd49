"""Red team: tamperings the tamper tests do not cover, each judged against Azure's documented
behaviour (docs/cloud-semantics.md section 3 and gotchas 18-23).

Every case changes a fresh copy of the deployed subscription through azure-mgmt-network and
asserts either the finding with the rule that causes it, or that nothing new appears when
Azure still blocks the traffic. ai-platform on Azure: edge 10.30.1.0/24, feature-store
10.30.4.0/24, model-registry 10.30.6.0/24, monitoring 10.30.7.0/24, notebooks 10.30.8.0/24.
"""

from __future__ import annotations

from typing import Any

from azure.mgmt.network import models as m

from infra.ports import PortSet
from infra.verify import Finding
from tests.azure.test_tamper import RG, VNET, findings, put_rule, rule, verify_now


def asg(client: Any, segment: str) -> m.ApplicationSecurityGroup:
    return m.ApplicationSecurityGroup(id=client.application_security_groups.get(RG, f"ai-platform-{segment}").id)


def paths(report: Any, kind: str) -> set[tuple[str | None, str | None, str | None]]:
    return {(f.src, f.dst, f.protocol) for f in findings(report, kind)}


def one(report: Any, kind: str, src: str, dst: str, protocol: str = "tcp") -> Finding:
    [found] = [f for f in findings(report, kind, src, dst) if f.protocol == protocol]
    return found


def route_table(client: Any, subnet_name: str, *routes: m.Route, group: str = RG, vnet: str = VNET,
                location: str = "eastus") -> None:
    table = client.route_tables.begin_create_or_update(group, f"rt-{subnet_name}", m.RouteTable(
        location=location, routes=list(routes))).result()
    subnet = client.subnets.get(group, vnet, subnet_name)
    subnet.route_table = m.RouteTable(id=table.id)
    client.subnets.begin_create_or_update(group, vnet, subnet_name, subnet).result()


# --- protocol and port wildcards ------------------------------------------------------------


def test_protocol_any_with_port_any_opens_tcp_udp_and_icmp(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-notebooks", rule("any-out", 90, "Outbound",
                                                       destination_application_security_groups=[asg(client,
                                                                                                    "feature-store")],
                                                       destination=None))
        put_rule(client, "ai-platform-feature-store", rule("any-in", 90, "Inbound", source=None,
                                                           source_application_security_groups=[asg(client,
                                                                                                   "notebooks")]))
        report = verify_now(cloud, subscription)
    assert paths(report, "unintended-path") == {("notebooks", "feature-store", p) for p in ("tcp", "udp", "icmp")}
    tcp = one(report, "unintended-path", "notebooks", "feature-store")
    assert tcp.ports == PortSet.full("tcp") - PortSet.single(6379)
    assert {"azure:nsg/ai-platform-notebooks#any-out", "azure:nsg/ai-platform-feature-store#any-in"} <= set(
        tcp.evidence)
    assert findings(report, "missing-path") == []


# --- address lists, tags and ASGs -----------------------------------------------------------


def test_a_prefix_list_naming_a_segment_range_and_a_public_range_opens_both(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-edge", rule("ssh-in", 200, "Inbound", protocol="Tcp", source=None,
                                                  source_address_prefixes=["203.0.113.0/24", "10.30.8.0/24"],
                                                  ports="22"))
        put_rule(client, "ai-platform-notebooks", rule("ssh-out", 200, "Outbound", protocol="Tcp",
                                                       destination="10.30.1.0/24", ports="22"))
        report = verify_now(cloud, subscription)
    assert paths(report, "unintended-path") == {("internet", "edge", "tcp"), ("notebooks", "edge", "tcp")}
    for src in ("internet", "notebooks"):
        found = one(report, "unintended-path", src, "edge")
        assert found.ports == PortSet.single(22)
        assert "azure:nsg/ai-platform-edge#ssh-in" in found.evidence


def test_a_prefix_covering_half_a_segment_still_opens_the_segment(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("half-in", 200, "Inbound", protocol="Tcp",
                                                           source="10.30.8.128/25", ports="22"))
        put_rule(client, "ai-platform-notebooks", rule("half-out", 200, "Outbound", protocol="Tcp",
                                                       destination="10.30.4.0/25", ports="22"))
        report = verify_now(cloud, subscription)
    found = one(report, "unintended-path", "notebooks", "feature-store")
    assert found.ports == PortSet.single(22)
    assert {"azure:nsg/ai-platform-feature-store#half-in", "azure:nsg/ai-platform-notebooks#half-out"} <= set(
        found.evidence)


def test_a_deny_covering_half_a_segment_does_not_close_the_intended_path(tamper, subscription) -> None:
    """Azure drops only the covered half: the other half's workloads still get through."""
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("half-deny", 90, "Inbound", access="Deny",
                                                           protocol="Tcp", source="10.30.8.0/25", ports="6379"))
        report = verify_now(cloud, subscription)
    assert findings(report, "missing-path") == [] and findings(report, "unintended-path") == []


def test_virtualnetwork_on_the_outbound_side_opens_nothing_the_receivers_refuse(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-notebooks", rule("vnet-out", 200, "Outbound", destination="VirtualNetwork"))
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []


def test_virtualnetwork_on_the_outbound_side_opens_what_a_receiver_accepts(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-notebooks", rule("vnet-out", 200, "Outbound", destination="VirtualNetwork"))
        put_rule(client, "ai-platform-edge", rule("ssh-from-vnet", 200, "Inbound", protocol="Tcp",
                                                  source="VirtualNetwork", ports="22"))
        report = verify_now(cloud, subscription)
    # Only notebooks' outbound was widened; every other sender still denies all outbound.
    assert paths(report, "unintended-path") == {("notebooks", "edge", "tcp")}
    found = one(report, "unintended-path", "notebooks", "edge")
    assert found.ports == PortSet.single(22)
    assert {"azure:nsg/ai-platform-notebooks#vnet-out", "azure:nsg/ai-platform-edge#ssh-from-vnet"} <= set(
        found.evidence)


def test_a_destination_asg_of_another_segment_opens_that_segment_only(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-notebooks", rule("to-edge", 200, "Outbound", protocol="Tcp", destination=None,
                                                       destination_application_security_groups=[asg(client, "edge")],
                                                       ports="8443"))
        put_rule(client, "ai-platform-edge", rule("from-vnet", 200, "Inbound", protocol="Tcp",
                                                  source="VirtualNetwork", ports="8443"))
        put_rule(client, "ai-platform-monitoring", rule("from-vnet", 200, "Inbound", protocol="Tcp",
                                                        source="VirtualNetwork", ports="8443"))
        report = verify_now(cloud, subscription)
    # monitoring accepts 8443 too, but notebooks' rule names edge's ASG only.
    assert paths(report, "unintended-path") == {("notebooks", "edge", "tcp")}
    assert "azure:nsg/ai-platform-notebooks#to-edge" in one(report, "unintended-path", "notebooks", "edge").evidence


def test_an_asg_rule_on_the_wrong_segments_nsg_matches_no_member(tamper, subscription) -> None:
    """A rule whose destination ASG is edge's, placed in feature-store's NSG: no NIC of the
    feature-store subnet is in edge's ASG, so Azure never applies it."""
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("misplaced", 200, "Inbound", protocol="Tcp",
                                                           source="Internet", destination=None, ports="22",
                                                           destination_application_security_groups=[
                                                               asg(client, "edge")]))
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []


# --- source ports, priorities ---------------------------------------------------------------


def test_an_allow_narrowed_to_one_source_port_still_opens_the_path(tamper, subscription) -> None:
    """Any client that can pick its source port (53) matches the rule."""
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", m.SecurityRule(
            name="from-dns-port", priority=200, direction="Inbound", access="Allow", protocol="Tcp",
            source_address_prefix="Internet", destination_address_prefix="*", source_port_range="53",
            destination_port_range="6379"))
        report = verify_now(cloud, subscription)
    found = one(report, "unintended-path", "internet", "feature-store")
    assert found.ports == PortSet.single(6379)
    assert found.evidence == ("azure:nsg/ai-platform-feature-store#from-dns-port",)


def test_a_deny_narrowed_to_some_source_ports_does_not_close_the_intended_path(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", m.SecurityRule(
            name="deny-low-ports", priority=90, direction="Inbound", access="Deny", protocol="Tcp",
            source_address_prefix="*", destination_address_prefix="*", source_port_range="0-1023",
            destination_port_range="6379"))
        report = verify_now(cloud, subscription)
    assert findings(report, "missing-path") == []


def test_a_deny_at_a_higher_priority_than_the_flow_allow_closes_the_path(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("deny-redis", 125, "Inbound", access="Deny",
                                                           protocol="Tcp", ports="6379"))
        report = verify_now(cloud, subscription)
    # notebooks' allow sits at 130 (below the deny); monitoring's rules do not cover 6379.
    [missing] = findings(report, "missing-path")
    assert (missing.src, missing.dst, missing.ports) == ("notebooks", "feature-store", PortSet.single(6379))
    assert missing.evidence == ("azure:nsg/ai-platform-feature-store#deny-redis",)


def test_a_deny_at_a_lower_priority_than_the_flow_allow_changes_nothing(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("deny-redis", 135, "Inbound", access="Deny",
                                                           protocol="Tcp", ports="6379"))
        report = verify_now(cloud, subscription)
    assert findings(report, "missing-path") == [] and findings(report, "unintended-path") == []


def test_an_allow_at_4095_just_above_the_deny_all_opens_its_port(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("late-allow", 4095, "Inbound", protocol="Tcp",
                                                           source="Internet", ports="22"))
        report = verify_now(cloud, subscription)
    found = one(report, "unintended-path", "internet", "feature-store")
    assert found.ports == PortSet.single(22) and found.evidence == ("azure:nsg/ai-platform-feature-store#late-allow",)


# --- NSG placement --------------------------------------------------------------------------


def test_a_subnet_given_another_segments_nsg_loses_its_paths_and_gains_none(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        subnet = client.subnets.get(RG, VNET, "notebooks")
        subnet.network_security_group = m.NetworkSecurityGroup(
            id=client.network_security_groups.get(RG, "ai-platform-feature-store").id)
        client.subnets.begin_create_or_update(RG, VNET, "notebooks", subnet).result()
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []
    missing = findings(report, "missing-path")
    assert {(f.src, f.dst) for f in missing} == {("notebooks", "feature-store"), ("notebooks", "model-registry")}
    assert all("azure:nsg/ai-platform-feature-store#deny-all-out" in f.evidence for f in missing)


def test_a_nic_nsg_on_a_private_endpoint_nic_is_ignored_as_azure_does(tamper, subscription) -> None:
    """Azure does not apply NSGs to a private endpoint's NIC (only, with network policies on,
    the subnet's): a deny-all there neither closes the intended path nor counts as a path."""
    with tamper() as (cloud, client):
        nsg = client.network_security_groups.begin_create_or_update(RG, "pe-nic-deny", m.NetworkSecurityGroup(
            location="eastus", security_rules=[rule("deny-all", 100, "Inbound", access="Deny")])).result()
        for nic in client.network_interfaces.list(RG):
            if nic.name == "ai-platform-object-storage-pe-nic":
                nic.network_security_group = m.NetworkSecurityGroup(id=nsg.id)
                client.network_interfaces.begin_create_or_update(RG, nic.name, nic).result()
                break
        else:
            raise AssertionError("no private endpoint NIC for object-storage")
        report = verify_now(cloud, subscription)
    assert findings(report, "missing-path") == [] and findings(report, "unintended-path") == []


# --- routes and the VirtualNetwork tag ------------------------------------------------------


def test_a_more_specific_internet_route_under_a_default_to_an_appliance_still_leaves(tamper, subscription) -> None:
    """Longest prefix wins: 0.0.0.0/0 goes to the firewall, 203.0.113.0/24 straight out."""
    with tamper() as (cloud, client):
        route_table(client, "crawler",
                    m.Route(name="default", address_prefix="0.0.0.0/0", next_hop_type="VirtualAppliance",
                            next_hop_ip_address="10.101.0.100"),
                    m.Route(name="saas", address_prefix="203.0.113.0/24", next_hop_type="Internet"),
                    group="azegress-network", vnet="azegress", location="eastus2")
        report = verify_now(cloud, subscription, "az-egress")
    assert findings(report, "missing-path") == [] and findings(report, "unintended-path") == []


def test_an_appliance_taking_both_halves_of_the_address_space_cuts_internet_egress(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        route_table(client, "crawler", *(m.Route(name=f"half-{i}", address_prefix=p, next_hop_type="VirtualAppliance",
                                                 next_hop_ip_address="10.101.0.100")
                                         for i, p in enumerate(("0.0.0.0/1", "128.0.0.0/1"))),
                    group="azegress-network", vnet="azegress", location="eastus2")
        report = verify_now(cloud, subscription, "az-egress")
    assert {(f.src, f.dst) for f in findings(report, "missing-path")} == {("crawler", "internet")}
    assert findings(report, "unintended-path") == []


def test_forced_tunnelling_puts_the_internet_inside_the_virtualnetwork_tag(tamper, subscription) -> None:
    """Azure: the VirtualNetwork tag includes the prefixes of user routes ("might also contain
    default routes"): with 0.0.0.0/0 sent to an appliance, 'allow from VirtualNetwork' admits
    traffic from anywhere the appliance forwards."""
    with tamper() as (cloud, client):
        route_table(client, "feature-store", m.Route(name="to-firewall", address_prefix="0.0.0.0/0",
                                                     next_hop_type="VirtualAppliance",
                                                     next_hop_ip_address="10.30.0.200"))
        put_rule(client, "ai-platform-feature-store", rule("ssh-from-vnet", 200, "Inbound", protocol="Tcp",
                                                           source="VirtualNetwork", ports="22"))
        report = verify_now(cloud, subscription)
    found = one(report, "unintended-path", "internet", "feature-store")
    assert found.ports == PortSet.single(22)
    assert found.evidence == ("azure:nsg/ai-platform-feature-store#ssh-from-vnet",)


def test_without_user_routes_the_virtualnetwork_tag_holds_no_internet(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        put_rule(client, "ai-platform-feature-store", rule("ssh-from-vnet", 200, "Inbound", protocol="Tcp",
                                                           source="VirtualNetwork", ports="22"))
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []


def test_a_deny_on_virtualnetwork_does_not_shut_out_the_internet_a_user_route_added(tamper, subscription) -> None:
    """Only part of the public space joins the tag (203.0.113.0/24): a deny on VirtualNetwork
    above an Internet allow leaves the rest of the internet open."""
    with tamper() as (cloud, client):
        route_table(client, "feature-store", m.Route(name="partner", address_prefix="203.0.113.0/24",
                                                     next_hop_type="VirtualAppliance",
                                                     next_hop_ip_address="10.30.0.200"))
        put_rule(client, "ai-platform-feature-store", rule("deny-vnet", 190, "Inbound", access="Deny",
                                                           source="VirtualNetwork"))
        put_rule(client, "ai-platform-feature-store", rule("web", 200, "Inbound", protocol="Tcp",
                                                           source="Internet", ports="80"))
        report = verify_now(cloud, subscription)
    found = one(report, "unintended-path", "internet", "feature-store")
    assert found.ports == PortSet.single(80) and "azure:nsg/ai-platform-feature-store#web" in found.evidence


def test_an_outbound_allow_to_virtualnetwork_reaches_public_space_a_user_route_sends_out(tamper,
                                                                                         subscription) -> None:
    """203.0.113.0/24 routed to next hop Internet joins the VirtualNetwork tag; with a way out
    (default outbound access) an 'allow to VirtualNetwork' rule is an internet path."""
    with tamper() as (cloud, client):
        route_table(client, "notebooks", m.Route(name="saas", address_prefix="203.0.113.0/24",
                                                 next_hop_type="Internet"))
        subnet = client.subnets.get(RG, VNET, "notebooks")
        subnet.default_outbound_access = True
        client.subnets.begin_create_or_update(RG, VNET, "notebooks", subnet).result()
        put_rule(client, "ai-platform-notebooks", rule("to-vnet", 200, "Outbound", protocol="Tcp",
                                                       destination="VirtualNetwork", ports="443"))
        report = verify_now(cloud, subscription)
    found = one(report, "unintended-path", "notebooks", "internet")
    assert found.ports == PortSet.single(443)
    assert {"azure:nsg/ai-platform-notebooks#to-vnet", "azure:default-outbound/notebooks"} <= set(found.evidence)


def test_a_user_route_dropping_a_segments_range_is_a_missing_path(tamper, subscription) -> None:
    """10.30.4.0/24 -> None is longer than the VNet's /16 system route, so it wins."""
    with tamper() as (cloud, client):
        route_table(client, "notebooks", m.Route(name="blackhole", address_prefix="10.30.4.0/24",
                                                 next_hop_type="None"))
        report = verify_now(cloud, subscription)
    assert findings(report, "unintended-path") == []
    [missing] = findings(report, "missing-path")
    assert (missing.src, missing.dst, missing.ports) == ("notebooks", "feature-store", PortSet.single(6379))
    assert missing.evidence == ("azure:route/notebooks",)


def test_a_user_route_shorter_than_the_vnet_does_not_beat_the_vnet_route(tamper, subscription) -> None:
    with tamper() as (cloud, client):
        route_table(client, "notebooks", m.Route(name="wide-blackhole", address_prefix="10.0.0.0/8",
                                                 next_hop_type="None"))
        report = verify_now(cloud, subscription)
    assert report.findings == ()
