"""Azure semantics on hand-written snapshots: no NSG, missing default rules, plural fields, UDRs."""

from __future__ import annotations

from typing import Any

from infra.load import parse_model
from infra.ports import PortSet
from infra.reach import evaluate
from providers.azure.observe.normalize import normalize

MODEL = parse_model("""
name: hand
clouds:
  azure: {region: eastus, cidr: 10.9.0.0/16}
segments:
  a: {}
  b: {}
flows:
  - {from: a, to: b, ports: [443]}
""").model
VNET = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/hand"
NSG = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/"


def subnet(name: str, prefix: str, nsg: str | None, **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"addressPrefix": prefix, "defaultOutboundAccess": False, **props}
    if nsg:
        body["networkSecurityGroup"] = {"id": NSG + nsg}
    return {"id": f"{VNET}/subnets/{name}", "name": name, "properties": body}


def nsg(name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    props: dict[str, Any] = {"securityRules": [{"name": r.pop("name"), "properties": r} for r in rules]}
    return {"id": NSG + name, "name": name, "properties": props}


def snapshot(subnets: list[dict[str, Any]], nsgs: list[dict[str, Any]], tables: list | None = None) -> dict:
    return {"s/virtualNetworks.json": {"value": [{"id": VNET, "name": "hand", "tags": {"bulkhead:model": "hand"},
                                                 "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
                                                                "subnets": subnets}}]},
            "s/networkSecurityGroups.json": {"value": nsgs},
            "s/routeTables.json": {"value": tables or []}}


def paths(snap: dict) -> dict[tuple[str, str, str], PortSet]:
    return {(p.src, p.dst, p.protocol): p.ports for p in evaluate(normalize(snap, MODEL))}


def test_subnets_without_nsgs_reach_each_other_on_everything() -> None:
    found = paths(snapshot([subnet("a", "10.9.1.0/24", None), subnet("b", "10.9.2.0/24", None)], []))
    assert found[("a", "b", "tcp")] == PortSet.full("tcp") and found[("b", "a", "udp")] == PortSet.full("udp")


def test_an_nsg_listed_without_default_rules_still_gets_azures_vnet_allows() -> None:
    # Only a custom deny of 22 inbound on b: Azure's AllowVnetInBound/OutBound do the rest.
    deny_ssh = {"name": "no-ssh", "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
                "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*",
                "destinationPortRange": "22"}
    found = paths(snapshot([subnet("a", "10.9.1.0/24", None), subnet("b", "10.9.2.0/24", "nb")],
                           [nsg("nb", [deny_ssh])]))
    assert found[("a", "b", "tcp")] == PortSet.full("tcp") - PortSet.single(22)
    assert ("internet", "b", "tcp") not in found  # DenyAllInBound: the internet is not VirtualNetwork


def test_singular_and_plural_fields_are_united() -> None:
    rules = [{"name": "deny-all", "priority": 4096, "direction": "Inbound", "access": "Deny", "protocol": "*",
              "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "sourcePortRange": "*",
              "destinationPortRange": "*"},
             {"name": "mixed", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
              "sourceAddressPrefix": "10.9.3.0/24", "sourceAddressPrefixes": ["10.9.1.0/24"],
              "destinationAddressPrefix": "*", "sourcePortRange": "*",
              "destinationPortRange": "80", "destinationPortRanges": ["443", "8000-8001"]}]
    found = paths(snapshot([subnet("a", "10.9.1.0/24", None), subnet("b", "10.9.2.0/24", "nb")],
                           [nsg("nb", rules)]))
    assert found[("a", "b", "tcp")] == PortSet.of([(80, 80), (443, 443), (8000, 8001)])
    assert ("a", "b", "udp") not in found


def test_a_user_route_to_none_blackholes_the_destination_subnet() -> None:
    table = {"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/rt", "name": "rt",
             "properties": {"routes": [{"name": "drop-b", "properties": {"addressPrefix": "10.9.2.0/24",
                                                                          "nextHopType": "None"}}]}}
    with_route = subnet("a", "10.9.1.0/24", None, routeTable={"id": table["id"]})
    found = paths(snapshot([with_route, subnet("b", "10.9.2.0/24", None)], [], [table]))
    assert ("a", "b", "tcp") not in found and ("b", "a", "tcp") in found
