"""What the Pulumi program leaves in the (fake) subscription, read back through azure-mgmt-network.

Expected values come from the model files, worked out by hand (slot n of a /16 is x.y.n.0/24).
"""

from __future__ import annotations

import dataclasses

import pytest
from pulumi.runtime import MockResourceArgs

from infra.errors import CloudError
from providers.azure.mock.arm import FakeArm
from providers.azure.mock.arm_models import UnknownField, to_rest
from providers.azure.mock.cloud import SUBSCRIPTION, MockedCloud, NoAuth, StaticToken, UnsupportedResource, _ArmMocks
from providers.azure.observe.collect import AzureSource, collect
from providers.azure.observe.state import items
from tests.azure.azsession import Subscription


def listed(subscription: Subscription, collection: str) -> list[dict]:
    return items(subscription.snapshot, collection)


def vnet(subscription: Subscription, model: str) -> dict:
    [found] = [v for v in listed(subscription, "virtualNetworks") if v["tags"].get("bulkhead:model") == model]
    return found


def subnets(subscription: Subscription, model: str) -> dict[str, dict]:
    return {s["name"]: s["properties"] for s in vnet(subscription, model)["properties"]["subnets"]}


def test_the_example_gets_one_private_subnet_per_azure_segment_at_its_pinned_slot(subscription) -> None:
    found = subnets(subscription, "ai-platform")
    segments = {name: p for name, p in found.items() if not name.startswith("endpoints_")}
    assert {n: p["addressPrefix"] for n, p in segments.items()} == {
        "edge": "10.30.1.0/24", "feature-store": "10.30.4.0/24", "model-registry": "10.30.6.0/24",
        "monitoring": "10.30.7.0/24", "notebooks": "10.30.8.0/24"}
    for name, props in found.items():
        assert props["defaultOutboundAccess"] is False, name
        assert props["privateEndpointNetworkPolicies"] == "Enabled", name
        assert props["networkSecurityGroup"]["id"].endswith("/networkSecurityGroups/" + (
            "ai-platform-endpoints" if name.startswith("endpoints_") else f"ai-platform-{name}"))


def test_endpoint_subnets_sit_in_the_reserved_slot_for_the_declared_services_only(subscription) -> None:
    found = subnets(subscription, "ai-platform")
    endpoint = {n: p["addressPrefix"] for n, p in found.items() if n.startswith("endpoints_")}
    # object-storage (model-registry), key-management (model-registry), logging (monitoring).
    assert set(endpoint) == {"endpoints_object-storage", "endpoints_key-management", "endpoints_logging"}
    assert all(prefix.startswith("10.30.0.") and prefix.endswith("/27") for prefix in endpoint.values())


def test_every_nsg_has_azures_six_default_rules_and_bulkheads_two_deny_alls(subscription) -> None:
    nsgs = [n for n in listed(subscription, "networkSecurityGroups") if n["name"].startswith("ai-platform-")]
    assert len(nsgs) == 6  # five segments and the endpoints
    for nsg in nsgs:
        defaults = {r["name"] for r in nsg["properties"]["defaultSecurityRules"]}
        assert defaults == {"AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound",
                            "AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"}
        deny = {(r["name"], r["properties"]["priority"], r["properties"]["direction"], r["properties"]["access"])
                for r in nsg["properties"]["securityRules"] if r["properties"]["access"] == "Deny"}
        assert deny == {("deny-all-in", 4096, "Inbound", "Deny"), ("deny-all-out", 4096, "Outbound", "Deny")}


def test_segment_identities_are_tagged_application_security_groups(subscription) -> None:
    asgs = {a["name"]: a["tags"] for a in listed(subscription, "applicationSecurityGroups")
            if a["tags"].get("bulkhead:model") == "ai-platform"}
    assert asgs == {f"ai-platform-{s}": {"bulkhead:model": "ai-platform", "bulkhead:segment": s}
                    for s in ("edge", "feature-store", "model-registry", "monitoring", "notebooks")}


def test_nat_is_attached_only_to_subnets_of_segments_with_internet_egress(subscription) -> None:
    found = subnets(subscription, "azegress")
    with_nat = {name for name, p in found.items() if p.get("natGateway")}
    assert with_nat == {"crawler", "resolver"}
    # One NAT gateway (and its public IP) per model with any internet egress: azegress and tri.
    assert sorted(n["name"] for n in listed(subscription, "natGateways")) == ["azegress", "tri"]
    assert len(listed(subscription, "publicIPAddresses")) == 2


def test_a_model_without_egress_gets_no_nat_gateway(subscription) -> None:
    assert not any(p.get("natGateway") for p in subnets(subscription, "ai-platform").values())


def test_every_service_gets_a_private_endpoint_to_its_azure_sub_resource(subscription) -> None:
    endpoints = {pe["name"]: pe["properties"] for pe in listed(subscription, "privateEndpoints")
                 if pe["name"].startswith("azsvc-")}
    groups = {name: p["privateLinkServiceConnections"][0]["properties"]["groupIds"] for name, p in endpoints.items()}
    assert groups == {"azsvc-object-storage": ["blob"], "azsvc-container-registry": ["registry"],
                      "azsvc-key-management": ["vault"], "azsvc-logging": ["azuremonitor"],
                      "azsvc-ml-api": ["amlworkspace"]}
    nics = {n["name"]: n for n in listed(subscription, "networkInterfaces")}
    for name, props in endpoints.items():
        nic = nics[f"{name}-pe-nic"]["properties"]
        assert nic["privateEndpoint"]["id"].endswith(f"/privateEndpoints/{name}")
        assert props["networkInterfaces"] == [{"id": nics[f"{name}-pe-nic"]["id"]}]


def test_private_dns_zones_cover_each_service_once_and_are_linked_to_the_vnet(subscription) -> None:
    counts = subscription.counts["az-services"]
    # blob (shared by storage and monitor), azurecr, vaultcore, monitor x4 more, api.azureml, notebooks.
    assert counts["azure-native:privatedns:PrivateZone"] == 9
    assert counts["azure-native:privatedns:VirtualNetworkLink"] == 9
    assert counts["azure-native:network:PrivateDnsZoneGroup"] == 5


def test_every_model_vnet_has_an_enabled_flow_log(subscription) -> None:
    logs = [f["properties"] for w in listed(subscription, "networkWatchers") for f in w["properties"]["flowLogs"]]
    targets = {p["targetResourceId"] for p in logs if p["enabled"]}
    assert {v["id"] for v in listed(subscription, "virtualNetworks")} <= targets


def test_list_calls_follow_next_links_across_pages(subscription) -> None:
    # The session fake pages every 7 items; all NSGs of all models must still come back:
    # one per placed segment plus one endpoint NSG per model that declares a service.
    expected = sum(len([s for s in m.segments if "azure" in m.placement(s)]) +
                   any(m.segments[s].services for s in m.segments if "azure" in m.placement(s))
                   for m in subscription.models.values())
    assert expected > 7
    assert len(listed(subscription, "networkSecurityGroups")) == expected


def test_the_mock_names_a_resource_type_it_does_not_model() -> None:
    mocks = _ArmMocks(FakeArm(SUBSCRIPTION))
    with pytest.raises(UnsupportedResource, match="azure-native:network:LoadBalancer"):
        mocks.new_resource(MockResourceArgs("azure-native:network:LoadBalancer", "lb", {}, custom=True))


def test_an_input_the_sdk_model_does_not_know_is_refused() -> None:
    from azure.mgmt.network import models

    with pytest.raises(UnknownField, match="addressPrefx"):
        to_rest(models.Subnet, {"addressPrefx": "10.0.0.0/24"})


def test_a_subnet_outside_the_vnet_is_refused_like_azure_does(tamper) -> None:
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.network import models

    with tamper() as (_, client), pytest.raises(HttpResponseError, match="NetcfgSubnetRangeOutsideVnet"):
        client.subnets.begin_create_or_update("ai-platform-network", "ai-platform", "stray",
                                              models.Subnet(address_prefix="192.168.0.0/24")).result()


def test_collect_turns_an_api_refusal_into_a_cloud_error_naming_the_call() -> None:
    with MockedCloud() as cloud:
        wrong = AzureSource("11111111-2222-3333-4444-555555555555", StaticToken(), cloud.source().base_url,
                            {"authentication_policy": NoAuth()})
        with pytest.raises(CloudError) as caught:
            collect(wrong)
    assert caught.value.exit_code == 3 and caught.value.cloud == "azure"
    assert "virtualNetworks" in str(caught.value) and "SubscriptionNotFound" in str(caught.value)


def test_collect_turns_an_unreachable_endpoint_into_a_cloud_error() -> None:
    with MockedCloud() as cloud:
        source = cloud.source()
    # No retries: azure-core's default backoff would spend ~5 s reaching the same error.
    source = dataclasses.replace(source, client_options={**source.client_options, "retry_total": 0})
    with pytest.raises(CloudError):
        collect(source)
