"""Corrupted snapshots, made from a good one (the snapshot-side counterpart of tests/data/bad/).

Each `Corruption` changes one file of a valid snapshot (the collector's read-back of a
mocked deployment) the way a careless edit, a truncated copy, another tool or an attacker
would, and says where bulkhead must report it: the file, the JSON path and part of the
message. Changes that depend on what the baseline holds pick their target by a predicate
(`first`), so the case names the path it actually changed.

    python -m tests.snapshot_corruptions OUT_DIR   writes every corrupted snapshot as a folder
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.snapshot import Snapshot, write_snapshot

Loc = tuple[str | int, ...]
DELETE = object()  # a change that returns this removes the file
DEEP = 100  # levels of nesting a "too deep" case adds


@dataclass(frozen=True)
class Corruption:
    name: str
    cloud: str
    file: str  # the base name (fnmatch pattern) of the file changed
    change: Callable[[Any], tuple[Any, str]]  # document -> (changed document, the JSON path reported)
    says: str  # part of the message bulkhead must give
    raw: bool = False  # the change returns text written as the file (broken JSON)

    def apply(self, snapshot: Snapshot) -> tuple[dict[str, Any], str]:
        """(the corrupted snapshot, the name of the file changed), the baseline left untouched."""
        out = copy.deepcopy(snapshot)
        name = next(n for n in sorted(out) if fnmatch.fnmatchcase(n.rsplit("/", 1)[-1], self.file))
        changed, _ = self.change(out[name])
        if changed is DELETE:
            del out[name]
        else:
            out[name] = changed
        return out, name

    @property
    def removes(self) -> bool:
        return self.change is removed

    def path(self, snapshot: Snapshot) -> str:
        name = next(n for n in sorted(snapshot) if fnmatch.fnmatchcase(n.rsplit("/", 1)[-1], self.file))
        return self.change(copy.deepcopy(snapshot[name]))[1]

    def write(self, snapshot: Snapshot, directory: Path) -> str:
        """Write the corrupted snapshot to `directory`; return the name of the changed file."""
        out, name = self.apply(snapshot)
        if self.raw:
            text = out.pop(name)
            write_snapshot(out, directory)
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(text, encoding="utf-8")
        else:
            write_snapshot(out, directory)
        return name


# ---- changes ----


def dotted(loc: Loc) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "$"


def _at(document: Any, loc: Loc) -> Any:
    for step in loc:
        document = document[step]
    return document


def put(*loc: str | int, value: Any) -> Callable[[Any], tuple[Any, str]]:
    """Set the value at `loc` (the last key may be new)."""
    def change(document: Any) -> tuple[Any, str]:
        _at(document, loc[:-1])[loc[-1]] = value
        return document, dotted(loc)
    return change


def drop(*loc: str | int) -> Callable[[Any], tuple[Any, str]]:
    def change(document: Any) -> tuple[Any, str]:
        del _at(document, loc[:-1])[loc[-1]]
        return document, dotted(loc)
    return change


def append(key: str, item: Any, reported: Loc) -> Callable[[Any], tuple[Any, str]]:
    """Add `item` to the list under `key`; `reported` is the path below the new item."""
    def change(document: Any) -> tuple[Any, str]:
        document[key].append(item)
        return document, dotted((key, len(document[key]) - 1, *reported))
    return change


def first(key: str, where: Callable[[Any], bool], *below: str | int, value: Any = DELETE,
          reported: Loc | None = None) -> Callable[[Any], tuple[Any, str]]:
    """Change (or, by default, delete) `below` inside the first item of `key` that satisfies `where`."""
    def change(document: Any) -> tuple[Any, str]:
        index = next(i for i, item in enumerate(document[key]) if where(item))
        loc = (key, index, *below)
        parent, last = _at(document, loc[:-1]), loc[-1]
        if value is DELETE:
            del parent[last]
        else:
            parent[last] = value
        return document, dotted((key, index, *(reported if reported is not None else below)))
    return change


def twice(key: str, id_key: str, *below: str | int, upper: bool = False) -> Callable[[Any], tuple[Any, str]]:
    """Append a copy of the first item of the list at `key` (under `below`): its id appears twice."""
    def change(document: Any) -> tuple[Any, str]:
        items = _at(document, (*below, key))
        copied = copy.deepcopy(items[0])
        if upper:
            copied[id_key] = copied[id_key].upper()
        items.append(copied)
        return document, dotted((*below, key, len(items) - 1, id_key))
    return change


def whole(value: Any) -> Callable[[Any], tuple[Any, str]]:
    return lambda document: (value, "$")


def removed(document: Any) -> tuple[Any, str]:
    return DELETE, ""


def nested(depth: int = DEEP) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"deeper": value}
    return value


def deep(key: str, index: int = 0) -> Callable[[Any], tuple[Any, str]]:
    def change(document: Any) -> tuple[Any, str]:
        document[key][index]["Extra"] = nested()
        return document, ""
    return change


def broken(document: Any) -> tuple[Any, str]:
    return json.dumps(document, indent=2)[:-40], ""


def key_twice(key: str, first: str) -> Callable[[Any], tuple[str, str]]:
    """The file's text with `key` written twice in its first object holding it (`first`, then the real value)."""
    def change(document: Any) -> tuple[str, str]:
        text = json.dumps(document, indent=2)
        assert f'"{key}": ' in text, key
        return text.replace(f'"{key}": ', f'"{key}": {first}, "{key}": ', 1), ""
    return change


def number_too_large(key: str) -> Callable[[Any], tuple[str, str]]:
    """The file's text with the first whole number under `key` given 5,000 digits (Python reads at most 4,300)."""
    def change(document: Any) -> tuple[str, str]:
        text, count = re.subn(rf'"{key}": \d+', f'"{key}": {"4" * 5000}', json.dumps(document, indent=2), count=1)
        assert count == 1, key
        return text, ""
    return change


def same_priority(document: Any) -> tuple[Any, str]:
    """A copy of an NSG's first rule under another name, at the same priority and direction (ARM refuses it)."""
    index = next(i for i, nsg in enumerate(document["value"]) if nsg["properties"].get("securityRules"))
    rules = document["value"][index]["properties"]["securityRules"]
    rules.append({**copy.deepcopy(rules[0]), "name": "same-priority"})
    return document, dotted(("value", index, "properties", "securityRules", len(rules) - 1, "properties", "priority"))


def has(*loc: str | int) -> Callable[[Any], bool]:
    def test(item: Any) -> bool:
        try:
            return bool(_at(item, loc))
        except (KeyError, IndexError, TypeError):
            return False
    return test


def anything(item: Any) -> bool:
    return True


def case(name: str, cloud: str, file: str, change: Callable[[Any], tuple[Any, str]], says: str,
         raw: bool = False) -> Corruption:
    return Corruption(name, cloud, file, change, says, raw)


# ---- the cases ----

CIDR4 = "is not an IPv4 CIDR"
CIDR = "is not an IPv4 or IPv6 CIDR"
NUMBER = "expected a whole number"
LIST_NULL = "expected a list, found null"
OBJECT = "expected an object"
DEEP_SAYS = "nests deeper than 64 levels"
TWICE = "appears a second time (first at"
ONE_OF = "is not one of"
TARGET = "is not a route target id"
POLICY = "the policy document"


def policy(statement: Any) -> str:
    """A VPC endpoint policy document as describe_vpc_endpoints returns it: JSON text."""
    return json.dumps({"Version": "2012-10-17", "Statement": statement})


AWS = [
    case("subnet-cidr-octet-999", "aws", "Subnets.json", put("Subnets", 0, "CidrBlock", value="10.50.999.0/26"), CIDR4),
    case("subnet-cidr-prefix-33", "aws", "Subnets.json", put("Subnets", 0, "CidrBlock", value="10.50.1.0/33"), CIDR4),
    case("subnet-cidr-ipv6-in-ipv4", "aws", "Subnets.json", put("Subnets", 0, "CidrBlock", value="2001:db8::/64"),
         CIDR4),
    case("subnet-without-id", "aws", "Subnets.json", drop("Subnets", 0, "SubnetId"), "missing"),
    case("subnet-without-vpc", "aws", "Subnets.json", drop("Subnets", 0, "VpcId"), "missing"),
    case("subnet-a-string", "aws", "Subnets.json", put("Subnets", 0, value="subnet-0abc"), OBJECT),
    case("subnets-null", "aws", "Subnets.json", put("Subnets", value=None), LIST_NULL),
    case("subnets-top-level-list", "aws", "Subnets.json", whole([]), "the document is a list"),
    case("subnets-key-missing", "aws", "Subnets.json", whole({}), "missing"),
    case("subnet-map-public-ip-text", "aws", "Subnets.json", put("Subnets", 0, "MapPublicIpOnLaunch", value="true"),
         "expected true or false"),
    case("subnet-tags-a-mapping", "aws", "Subnets.json", put("Subnets", 0, "Tags", value={"Name": "x"}),
         "expected a list"),
    case("subnet-tag-without-key", "aws", "Subnets.json", put("Subnets", 0, "Tags", value=[{"Value": "x"}]), "missing"),
    case("subnets-file-missing", "aws", "Subnets.json", removed, "file is missing"),
    case("vpcs-file-missing", "aws", "Vpcs.json", removed, "file is missing"),
    case("security-groups-file-missing", "aws", "SecurityGroups.json", removed, "file is missing"),
    case("route-tables-file-missing", "aws", "RouteTables.json", removed, "file is missing"),
    case("vpc-cidr-association-bad", "aws", "Vpcs.json",
         put("Vpcs", 0, "CidrBlockAssociationSet", value=[{"CidrBlock": "300.0.0.0/16"}]), CIDR4),
    case("security-group-without-id", "aws", "SecurityGroups.json", drop("SecurityGroups", 0, "GroupId"), "missing"),
    case("security-group-permission-cidr-40", "aws", "SecurityGroups.json",
         first("SecurityGroups", has("IpPermissionsEgress", 0, "IpRanges", 0), "IpPermissionsEgress", 0, "IpRanges",
               0, "CidrIp", value="0.0.0.0/40"), CIDR4),
    case("security-group-permissions-null", "aws", "SecurityGroups.json",
         put("SecurityGroups", 0, "IpPermissions", value=None), LIST_NULL),
    case("group-rule-without-group-id", "aws", "SecurityGroupRules.json",
         drop("SecurityGroupRules", 0, "GroupId"), "missing"),
    case("group-rule-port-as-text", "aws", "SecurityGroupRules.json",
         put("SecurityGroupRules", 0, "FromPort", value="443"), NUMBER),
    case("group-rule-port-70000", "aws", "SecurityGroupRules.json",
         put("SecurityGroupRules", 0, "ToPort", value=70000), "out of range"),
    case("group-rule-protocol-unknown", "aws", "SecurityGroupRules.json",
         put("SecurityGroupRules", 0, "IpProtocol", value="tcpp"), "is not an IP protocol"),
    case("group-rule-reversed-ports", "aws", "SecurityGroupRules.json",
         append("SecurityGroupRules", {"SecurityGroupRuleId": "sgr-x", "GroupId": "sg-x", "IpProtocol": "tcp",
                                       "FromPort": 443, "ToPort": 80, "CidrIpv4": "10.0.0.0/8"}, ()),
         "FromPort 443 is above ToPort 80"),
    case("nacl-entries-null", "aws", "NetworkAcls.json", put("NetworkAcls", 0, "Entries", value=None), LIST_NULL),
    case("nacl-rule-number-text", "aws", "NetworkAcls.json",
         first("NetworkAcls", has("Entries", 0), "Entries", 0, "RuleNumber", value="100"), NUMBER),
    case("nacl-rule-number-40000", "aws", "NetworkAcls.json",
         first("NetworkAcls", has("Entries", 0), "Entries", 0, "RuleNumber", value=40000), "out of range"),
    case("nacl-action-permit", "aws", "NetworkAcls.json",
         first("NetworkAcls", has("Entries", 0), "Entries", 0, "RuleAction", value="permit"), "is not one of"),
    case("nacl-without-id", "aws", "NetworkAcls.json", drop("NetworkAcls", 0, "NetworkAclId"), "missing"),
    case("route-table-null", "aws", "RouteTables.json", put("RouteTables", 0, value=None), OBJECT),
    case("route-destination-prefix-99", "aws", "RouteTables.json",
         first("RouteTables", has("Routes", 0, "DestinationCidrBlock"), "Routes", 0, "DestinationCidrBlock",
               value="10.0.0.0/99"), CIDR4),
    case("routes-a-string", "aws", "RouteTables.json", put("RouteTables", 0, "Routes", value="local"),
         "expected a list"),
    case("interface-without-subnet", "aws", "NetworkInterfaces.json",
         append("NetworkInterfaces", {"NetworkInterfaceId": "eni-0x"}, ("SubnetId",)), "missing"),
    case("interface-address-256", "aws", "NetworkInterfaces.json",
         append("NetworkInterfaces", {"NetworkInterfaceId": "eni-0y", "SubnetId": "subnet-0y",
                                      "PrivateIpAddress": "10.0.0.256"}, ("PrivateIpAddress",)),
         "is not an IP address"),
    case("endpoint-without-service", "aws", "VpcEndpoints.json",
         append("VpcEndpoints", {"VpcEndpointId": "vpce-0x", "VpcId": "vpc-0x"}, ("ServiceName",)), "missing"),
    case("prefix-list-entry-cidr-64", "aws", "ManagedPrefixListEntries.json",
         append("ManagedPrefixListEntries", {"PrefixListId": "pl-0x", "Entries": [{"Cidr": "1.2.3.0/64"}]},
                ("Entries", 0, "Cidr")), CIDR),
    case("instance-without-id", "aws", "Reservations.json",
         append("Reservations", {"Instances": [{"SubnetId": "subnet-0z"}]}, ("Instances", 0, "InstanceId")),
         "missing"),
    case("gateway-attachments-null", "aws", "InternetGateways.json",
         append("InternetGateways", {"InternetGatewayId": "igw-0x", "Attachments": None}, ("Attachments",)),
         LIST_NULL),
    case("flow-logs-a-string", "aws", "FlowLogs.json", put("FlowLogs", value="on"), "expected a list"),
    # the keys exits.py, endpoints.py, policies.py and routes.py read besides the ids
    case("nat-state-unknown", "aws", "NatGateways.json", put("NatGateways", 0, "State", value="up"), ONE_OF),
    case("nat-connectivity-internet", "aws", "NatGateways.json",
         put("NatGateways", 0, "ConnectivityType", value="internet"), ONE_OF),
    case("nat-subnet-a-number", "aws", "NatGateways.json", put("NatGateways", 0, "SubnetId", value=7), "expected text"),
    case("nat-addresses-null", "aws", "NatGateways.json", put("NatGateways", 0, "NatGatewayAddresses", value=None),
         LIST_NULL),
    case("nat-public-ip-300", "aws", "NatGateways.json",
         put("NatGateways", 0, "NatGatewayAddresses", 0, "PublicIp", value="300.1.2.3"), "is not an IP address"),
    case("endpoint-type-lower-case", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "VpcEndpointType", value="gatewayloadbalancer"), ONE_OF),
    case("endpoint-subnets-a-string", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "SubnetIds", value="subnet-0abc"), "expected a list"),
    case("endpoint-state-up", "aws", "VpcEndpoints.json", put("VpcEndpoints", 0, "State", value="up"),
         "is not a VPC endpoint state"),
    case("endpoint-policy-not-json", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "PolicyDocument", value='{"Statement": [{"Effect": "Allow",'),
         f"{POLICY} is not JSON text"),
    case("endpoint-policy-an-object", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "PolicyDocument", value={"Statement": []}), "expected text, found an object"),
    case("endpoint-policy-effect-permit", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "PolicyDocument", value=policy([{"Effect": "Permit", "Principal": "*"}])),
         f"{POLICY}: Statement[0].Effect: 'Permit' {ONE_OF}"),
    case("endpoint-policy-without-statement", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "PolicyDocument", value=json.dumps({"Version": "2012-10-17"})),
         f"{POLICY}: Statement: missing"),
    case("endpoint-policy-principal-an-account", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "PolicyDocument", value=policy({"Effect": "Allow", "Principal": "123456789012"})),
         f"{POLICY}: Statement[0].Principal: expected an object"),
    case("endpoint-policy-nested-too-deep", "aws", "VpcEndpoints.json",
         put("VpcEndpoints", 0, "PolicyDocument", value="[" * 5000 + "]" * 5000), f"{POLICY} nests deeper"),
    case("route-gateway-id-upper-case", "aws", "RouteTables.json",
         first("RouteTables", has("Routes", 1), "Routes", 1, "GatewayId", value="IGW-0ABC"), TARGET),
    case("route-endpoint-target-not-vpce", "aws", "RouteTables.json",
         first("RouteTables", has("Routes", 0), "Routes", 0, "VpcEndpointId", value="gwlbe-0abc"), TARGET),
    case("route-state-up", "aws", "RouteTables.json",
         first("RouteTables", has("Routes", 0), "Routes", 0, "State", value="up"), ONE_OF),
    case("gateway-attachment-state-up", "aws", "InternetGateways.json",
         put("InternetGateways", 0, "Attachments", 0, "State", value="up"), ONE_OF),
    case("nacl-port-range-reversed", "aws", "NetworkAcls.json",
         append("NetworkAcls", {"NetworkAclId": "acl-0x", "VpcId": "vpc-0x", "Entries": [
             {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0",
              "PortRange": {"From": 443, "To": 80}}]}, ("Entries", 0, "PortRange")), "From 443 is above To 80"),
    case("subnet-id-twice", "aws", "Subnets.json", twice("Subnets", "SubnetId"), f"{TWICE} Subnets[0].SubnetId)"),
    case("route-table-id-twice", "aws", "RouteTables.json", twice("RouteTables", "RouteTableId"), TWICE),
    case("prefix-list-family-v4", "aws", "PrefixLists.json", put("PrefixLists", 0, "AddressFamily", value="v4"),
         ONE_OF),
    case("json-nested-too-deep", "aws", "Subnets.json", deep("Subnets"), DEEP_SAYS),
    case("json-truncated", "aws", "Subnets.json", broken, "invalid JSON", raw=True),
    case("json-key-twice", "aws", "SecurityGroupRules.json", key_twice("FromPort", "22"),
         "duplicate key 'FromPort'", raw=True),
    case("json-number-too-large", "aws", "SecurityGroupRules.json", number_too_large("ToPort"),
         "invalid JSON: number too large (5,000 digits", raw=True),
]

GCP = [
    case("subnetworks-file-missing", "gcp", "subnetworks-*.json", removed, "file is missing"),
    case("firewalls-file-missing", "gcp", "firewalls.json", removed, "file is missing"),
    case("routes-file-missing", "gcp", "routes.json", removed, "file is missing"),
    case("networks-file-missing", "gcp", "networks.json", removed, "file is missing"),
    case("subnet-cidr-octet-999", "gcp", "subnetworks-*.json", put("items", 0, "ipCidrRange", value="10.50.999.0/26"),
         CIDR4),
    case("subnet-cidr-prefix-33", "gcp", "subnetworks-*.json", put("items", 0, "ipCidrRange", value="10.50.1.0/33"),
         CIDR4),
    case("subnet-without-name", "gcp", "subnetworks-*.json", drop("items", 0, "name"), "missing"),
    case("subnet-without-network", "gcp", "subnetworks-*.json", drop("items", 0, "network"), "missing"),
    case("subnet-secondary-ranges-null", "gcp", "subnetworks-*.json",
         put("items", 0, "secondaryIpRanges", value=None), LIST_NULL),
    case("subnet-a-string", "gcp", "subnetworks-*.json", put("items", 0, value="subnet-a"), OBJECT),
    case("subnet-google-access-text", "gcp", "subnetworks-*.json",
         put("items", 0, "privateIpGoogleAccess", value="yes"), "expected true or false"),
    case("subnet-description-a-mapping", "gcp", "subnetworks-*.json",
         put("items", 0, "description", value={"bulkhead:model": "x"}), "expected text"),
    case("subnetworks-items-null", "gcp", "subnetworks-*.json", put("items", value=None), LIST_NULL),
    case("subnetworks-top-level-list", "gcp", "subnetworks-*.json", whole([]), "the document is a list"),
    case("firewall-without-name", "gcp", "firewalls.json", drop("items", 0, "name"), "missing"),
    case("firewall-priority-text", "gcp", "firewalls.json", put("items", 0, "priority", value="1000"), NUMBER),
    case("firewall-priority-70000", "gcp", "firewalls.json", put("items", 0, "priority", value=70000), "out of range"),
    case("firewall-direction-sideways", "gcp", "firewalls.json", put("items", 0, "direction", value="SIDEWAYS"),
         "is not one of"),
    case("firewall-allowed-null", "gcp", "firewalls.json",
         first("items", has("allowed", 0), "allowed", value=None), LIST_NULL),
    case("firewall-protocol-unknown", "gcp", "firewalls.json",
         first("items", has("allowed", 0), "allowed", 0, "IPProtocol", value="tcpx"), "is not an IP protocol"),
    case("firewall-port-text", "gcp", "firewalls.json",
         first("items", has("allowed", 0), "allowed", 0, "ports", value=["http"]),
         "is not a port or a port range", ),
    case("firewall-port-range-reversed", "gcp", "firewalls.json",
         first("items", has("allowed", 0), "allowed", 0, "ports", value=["90-80"], reported=("allowed", 0, "ports", 0)),
         "is reversed"),
    case("firewall-port-70000", "gcp", "firewalls.json",
         first("items", has("allowed", 0), "allowed", 0, "ports", value=["70000"], reported=("allowed", 0, "ports", 0)),
         "out of the port range"),
    case("firewall-source-range-bad", "gcp", "firewalls.json",
         put("items", 0, "sourceRanges", value=["10.0.0.0/8", "256.0.0.0/8"]), CIDR),
    case("firewall-allowed-and-denied", "gcp", "firewalls.json",
         first("items", has("allowed", 0), "denied", value=[{"IPProtocol": "all"}], reported=()),
         "has both allowed and denied"),
    case("firewall-disabled-text", "gcp", "firewalls.json", put("items", 0, "disabled", value="no"),
         "expected true or false"),
    case("firewall-target-accounts-a-string", "gcp", "firewalls.json",
         put("items", 0, "targetServiceAccounts", value="sa@x.iam.gserviceaccount.com"), "expected a list"),
    case("route-destination-bad", "gcp", "routes.json", put("items", 0, "destRange", value="0.0.0.0/99"), CIDR),
    case("route-without-name", "gcp", "routes.json", drop("items", 0, "name"), "missing"),
    case("route-next-hop-a-number", "gcp", "routes.json", put("items", 0, "nextHopGateway", value=7),
         "expected text"),
    case("router-nats-null", "gcp", "routers-*.json", put("items", 0, "nats", value=None), LIST_NULL),
    case("network-without-self-link", "gcp", "networks.json", drop("items", 0, "selfLink"), "missing"),
    case("iam-bindings-a-string", "gcp", "iam-policy.json", put("bindings", value="roles/owner"), "expected a list"),
    case("iam-binding-without-role", "gcp", "iam-policy.json", put("bindings", value=[{"members": []}]), "missing"),
    case("effective-policies-a-mapping", "gcp", "effective-firewalls-*.json",
         put("firewallPolicys", value={"name": "p"}), "expected a list"),
    # instances.json (audit's exposures) and peerings (peering.py)
    case("instances-items-by-zone", "gcp", "instances.json",
         put("items", value={"zones/us-central1-a": {"instances": []}}), "expected a list"),
    case("instances-a-string", "gcp", "instances.json", whole("web-1"), "the document is text"),
    case("instance-without-name", "gcp", "instances.json", append("items", {"networkInterfaces": []}, ("name",)),
         "missing"),
    case("instance-tags-a-list", "gcp", "instances.json",
         append("items", {"name": "web-1", "tags": ["web"]}, ("tags",)), "expected an object"),
    case("instance-accounts-a-string", "gcp", "instances.json",
         append("items", {"name": "web-1", "serviceAccounts": "sa@p.iam.gserviceaccount.com"}, ("serviceAccounts",)),
         "expected a list"),
    case("instance-interface-a-string", "gcp", "instances.json",
         append("items", {"name": "web-1", "networkInterfaces": ["nic0"]}, ("networkInterfaces", 0)), OBJECT),
    case("instance-external-ip-300", "gcp", "instances.json",
         append("items", {"name": "web-1", "networkInterfaces": [{"name": "nic0", "accessConfigs": [
             {"natIP": "34.1.2.300"}]}]}, ("networkInterfaces", 0, "accessConfigs", 0, "natIP")),
         "is not an IPv4 address"),
    case("instance-internal-ip-v6", "gcp", "instances.json",
         append("items", {"name": "web-1", "networkInterfaces": [{"networkIP": "fd20::4"}]},
                ("networkInterfaces", 0, "networkIP")), "is not an IPv4 address"),
    case("instance-access-configs-null", "gcp", "instances.json",
         append("items", {"name": "web-1", "networkInterfaces": [{"accessConfigs": None}]},
                ("networkInterfaces", 0, "accessConfigs")), LIST_NULL),
    case("firewall-name-twice", "gcp", "firewalls.json", twice("items", "name"), f"{TWICE} items[0].name)"),
    case("subnet-name-twice-in-a-region", "gcp", "subnetworks-*.json", twice("items", "name"), TWICE),
    case("network-peerings-null", "gcp", "networks.json", put("items", 0, "peerings", value=None), LIST_NULL),
    case("peering-state-up", "gcp", "networks.json",
         first("items", anything, "peerings", value=[{"name": "to-partner", "network": "projects/p/global/networks/n",
                                                     "state": "UP"}], reported=("peerings", 0, "state")), ONE_OF),
    case("peering-without-network", "gcp", "networks.json",
         first("items", anything, "peerings", value=[{"name": "to-partner", "state": "ACTIVE"}],
               reported=("peerings", 0, "network")), "missing"),
    case("peering-a-string", "gcp", "networks.json",
         first("items", anything, "peerings", value=["to-partner"], reported=("peerings", 0)), OBJECT),
    case("instances-items-null", "gcp", "instances.json", put("items", value=None), LIST_NULL),
    case("json-nested-too-deep", "gcp", "firewalls.json",
         lambda d: (d | {"items": [*d["items"], nested()]}, ""), DEEP_SAYS),
    case("json-truncated", "gcp", "routes.json", broken, "invalid JSON", raw=True),
    case("json-key-twice", "gcp", "firewalls.json", key_twice("priority", "22"),
         "duplicate key 'priority'", raw=True),
    case("json-number-too-large", "gcp", "firewalls.json", number_too_large("priority"),
         "invalid JSON: number too large (5,000 digits", raw=True),
]

AZURE = [
    case("virtual-networks-file-missing", "azure", "virtualNetworks.json", removed, "file is missing"),
    case("security-groups-file-missing", "azure", "networkSecurityGroups.json", removed, "file is missing"),
    case("interfaces-file-missing", "azure", "networkInterfaces.json", removed, "file is missing"),
    case("address-space-prefix-99", "azure", "virtualNetworks.json",
         put("value", 0, "properties", "addressSpace", "addressPrefixes", value=["10.30.0.0/99"]), CIDR),
    case("subnet-prefix-octet-999", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, "properties", "addressPrefix",
               value="10.30.999.0/24"), CIDR),
    case("subnets-null", "azure", "virtualNetworks.json", put("value", 0, "properties", "subnets", value=None),
         LIST_NULL),
    case("subnet-without-id", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, "id"), "missing"),
    case("subnet-without-name", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, "name"), "missing"),
    case("subnet-a-string", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, value="default"), OBJECT),
    case("subnet-properties-null", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, "properties", value=None), OBJECT),
    case("vnet-tags-a-list", "azure", "virtualNetworks.json", put("value", 0, "tags", value=["bulkhead:model"]),
         "expected an object"),
    case("vnet-tag-value-a-number", "azure", "virtualNetworks.json",
         put("value", 0, "tags", value={"bulkhead:model": 7}), "expected text"),
    case("vnet-without-id", "azure", "virtualNetworks.json", drop("value", 0, "id"), "missing"),
    case("value-null", "azure", "virtualNetworks.json", put("value", value=None), LIST_NULL),
    case("value-missing", "azure", "networkSecurityGroups.json", whole({}), "missing"),
    case("top-level-list", "azure", "virtualNetworks.json", whole([]), "the document is a list"),
    case("security-group-without-id", "azure", "networkSecurityGroups.json", drop("value", 0, "id"), "missing"),
    case("rule-priority-text", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "priority", value="100"), NUMBER),
    case("rule-priority-5000", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "priority", value=5000), "out of range"),
    case("rule-direction-in", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "direction", value="In"), "is not one of"),
    case("rule-access-permit", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "access", value="Permit"), "is not one of"),
    case("rule-protocol-tcp-udp", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "protocol", value="TCP/UDP"), "is not one of"),
    case("rule-port-text", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "destinationPortRange", value="https"), "is not a port or a port range"),
    case("rule-port-range-reversed", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "destinationPortRanges", value=["443", "9000-8000"],
               reported=("properties", "securityRules", 0, "properties", "destinationPortRanges", 1)), "is reversed"),
    case("rule-address-prefix-99", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "sourceAddressPrefix", value="10.0.0.0/99"), CIDR),
    case("rule-address-prefixes-a-string", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "sourceAddressPrefixes", value="10.0.0.0/8"), "expected a list"),
    case("security-rules-null", "azure", "networkSecurityGroups.json",
         put("value", 0, "properties", "securityRules", value=None), LIST_NULL),
    case("interface-configurations-null", "azure", "networkInterfaces.json",
         append("value", {"id": "/subscriptions/s/nic", "properties": {"ipConfigurations": None}},
                ("properties", "ipConfigurations")), LIST_NULL),
    case("interface-address-300", "azure", "networkInterfaces.json",
         append("value", {"id": "/subscriptions/s/nic2", "properties": {"ipConfigurations": [
             {"properties": {"privateIPAddress": "10.0.0.300"}}]}},
             ("properties", "ipConfigurations", 0, "properties", "privateIPAddress")), "is not an IP address"),
    case("interface-subnet-ref-without-id", "azure", "networkInterfaces.json",
         append("value", {"id": "/subscriptions/s/nic3", "properties": {"ipConfigurations": [
             {"properties": {"subnet": {"name": "x"}}}]}},
             ("properties", "ipConfigurations", 0, "properties", "subnet", "id")), "missing"),
    case("route-next-hop-unknown", "azure", "routeTables.json",
         append("value", {"id": "/subscriptions/s/rt", "properties": {"routes": [
             {"name": "r", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Firewall"}}]}},
             ("properties", "routes", 0, "properties", "nextHopType")), "is not one of"),
    case("route-prefix-bad", "azure", "routeTables.json",
         append("value", {"id": "/subscriptions/s/rt2", "properties": {"routes": [
             {"name": "r", "properties": {"addressPrefix": "10.1.2.0/33", "nextHopType": "None"}}]}},
             ("properties", "routes", 0, "properties", "addressPrefix")), CIDR),
    case("endpoint-interfaces-a-string", "azure", "privateEndpoints.json",
         append("value", {"id": "/subscriptions/s/pe", "properties": {"networkInterfaces": "nic"}},
                ("properties", "networkInterfaces")), "expected a list"),
    # peering.py, service_endpoints.py and exposures.py
    case("peering-state-up", "azure", "virtualNetworks.json",
         first("value", anything, "properties", "virtualNetworkPeerings", value=[
             {"id": "/subscriptions/s/p", "name": "to-hub", "properties": {"peeringState": "Up"}}],
             reported=("properties", "virtualNetworkPeerings", 0, "properties", "peeringState")), ONE_OF),
    case("peering-without-properties", "azure", "virtualNetworks.json",
         first("value", anything, "properties", "virtualNetworkPeerings", value=[
             {"id": "/subscriptions/s/p", "name": "to-hub"}],
             reported=("properties", "virtualNetworkPeerings", 0, "properties")), "missing"),
    case("peering-remote-space-prefix-33", "azure", "virtualNetworks.json",
         first("value", anything, "properties", "virtualNetworkPeerings", value=[
             {"id": "/subscriptions/s/p", "name": "to-hub", "properties": {
                 "remoteAddressSpace": {"addressPrefixes": ["10.99.0.0/33"]}}}],
             reported=("properties", "virtualNetworkPeerings", 0, "properties", "remoteAddressSpace",
                       "addressPrefixes", 0)), CIDR),
    case("peering-access-text", "azure", "virtualNetworks.json",
         first("value", anything, "properties", "virtualNetworkPeerings", value=[
             {"id": "/subscriptions/s/p", "name": "to-hub", "properties": {"allowVirtualNetworkAccess": "true"}}],
             reported=("properties", "virtualNetworkPeerings", 0, "properties", "allowVirtualNetworkAccess")),
         "expected true or false"),
    case("peerings-a-mapping", "azure", "virtualNetworks.json",
         first("value", anything, "properties", "virtualNetworkPeerings", value={"to-hub": {}}), "expected a list"),
    case("service-endpoint-a-string", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, "properties", "serviceEndpoints",
               value=["Microsoft.Storage"],
               reported=("properties", "subnets", 0, "properties", "serviceEndpoints", 0)), OBJECT),
    case("service-endpoint-without-service", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, "properties", "serviceEndpoints",
               value=[{"locations": ["eastus"]}],
               reported=("properties", "subnets", 0, "properties", "serviceEndpoints", 0, "service")), "missing"),
    case("service-endpoint-policies-a-string", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0), "properties", "subnets", 0, "properties",
               "serviceEndpointPolicies", value="own-accounts"), "expected a list"),
    case("interface-virtual-machine-a-string", "azure", "networkInterfaces.json",
         put("value", 0, "properties", "virtualMachine", value="vm-1"), OBJECT),
    case("public-ip-address-400", "azure", "publicIPAddresses.json",
         put("value", 0, "properties", "ipAddress", value="20.1.2.400"), "is not an IP address"),
    case("public-ip-address-a-number", "azure", "publicIPAddresses.json",
         put("value", 0, "properties", "ipAddress", value=7), "expected text"),
    case("rule-port-star-in-a-list", "azure", "networkSecurityGroups.json",
         first("value", has("properties", "securityRules", 0), "properties", "securityRules", 0, "properties",
               "destinationPortRange", value="80,*"), "is not a port or a port range"),
    case("interface-id-twice-in-another-case", "azure", "networkInterfaces.json", twice("value", "id", upper=True),
         f"{TWICE} value[0].id)"),
    case("subnet-id-twice", "azure", "virtualNetworks.json", twice("subnets", "id", "value", 0, "properties"), TWICE),
    case("flow-log-enabled-text", "azure", "networkWatchers.json",
         append("value", {"id": "/subscriptions/s/nw", "properties": {"flowLogs": [
             {"properties": {"enabled": "yes"}}]}}, ("properties", "flowLogs", 0, "properties", "enabled")),
         "expected true or false"),
    case("json-nested-too-deep", "azure", "virtualNetworks.json", deep("value"), DEEP_SAYS),
    case("json-truncated", "azure", "networkSecurityGroups.json", broken, "invalid JSON", raw=True),
    case("rule-priority-twice", "azure", "networkSecurityGroups.json", same_priority,
         "both have priority"),
    case("subnet-nsg-not-in-the-snapshot", "azure", "virtualNetworks.json",
         first("value", has("properties", "subnets", 0, "properties", "networkSecurityGroup"), "properties",
               "subnets", 0, "properties", "networkSecurityGroup", "id",
               value="/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/gone"),
         "refers to network security group '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/"
         "networkSecurityGroups/gone', which no networkSecurityGroups.json of the snapshot holds"),
    case("json-key-twice", "azure", "networkSecurityGroups.json", key_twice("priority", "22"),
         "duplicate key 'priority'", raw=True),
    case("json-number-too-large", "azure", "networkSecurityGroups.json", number_too_large("priority"),
         "invalid JSON: number too large (5,000 digits", raw=True),
]

# A collected cluster (cluster.json marks it): each list checked as collect.py writes it, and each
# object in it as the API server would check it (a folder of manifests has tests of its own).
EGRESS_PORT = has("spec", "egress", 0, "ports", 0)
INGRESS_PEER = has("spec", "ingress", 0, "from", 0)
IP_BLOCK = has("spec", "egress", 0, "to", 0, "ipBlock", "except")
KUBERNETES = [
    case("namespaces-file-missing", "kubernetes", "namespaces.json", removed, "file is missing"),
    case("pods-file-missing", "kubernetes", "pods.json", removed, "file is missing"),
    case("networkpolicies-file-missing", "kubernetes", "networkpolicies.json", removed, "file is missing"),
    case("deployments-file-missing", "kubernetes", "deployments.json", removed, "file is missing"),
    case("namespaces-items-null", "kubernetes", "namespaces.json", put("items", value=None), LIST_NULL),
    case("networkpolicies-items-a-mapping", "kubernetes", "networkpolicies.json", put("items", value={}),
         "expected a list"),
    case("pods-top-level-list", "kubernetes", "pods.json", whole([]), "the document is a list"),
    case("pods-without-items", "kubernetes", "pods.json", drop("items"), "missing"),
    case("pods-file-holds-namespaces", "kubernetes", "pods.json", put("kind", value="NamespaceList"),
         "is not one of"),
    case("namespace-without-name", "kubernetes", "namespaces.json", drop("items", 0, "metadata", "name"), "missing"),
    case("namespace-metadata-a-string", "kubernetes", "namespaces.json", put("items", 0, "metadata", value="web"),
         OBJECT),
    case("namespace-label-a-number", "kubernetes", "namespaces.json",
         put("items", 0, "metadata", "labels", "team", value=7), "expected text"),
    case("namespace-labels-a-list", "kubernetes", "namespaces.json",
         put("items", 0, "metadata", "labels", value=["team"]), OBJECT),
    case("pod-namespace-a-number", "kubernetes", "pods.json", put("items", 0, "metadata", "namespace", value=3),
         "expected text"),
    case("pod-owner-without-kind", "kubernetes", "pods.json",
         put("items", 0, "metadata", "ownerReferences", value=[{"name": "rs-1"}]), "missing"),
    case("pod-host-network-text", "kubernetes", "pods.json", put("items", 0, "spec", "hostNetwork", value="true"),
         "hostNetwork is not true or false"),
    case("pod-address-octet-999", "kubernetes", "pods.json", put("items", 0, "status", "podIP", value="10.244.999.4"),
         "is not an IP address"),
    case("pod-container-port-70000", "kubernetes", "pods.json",
         put("items", 0, "spec", "containers", 0, "ports", value=[{"containerPort": 70000}]),
         "a container port needs containerPort 1-65535", ),
    case("pod-container-port-name-upper-case", "kubernetes", "pods.json",
         put("items", 0, "spec", "containers", 0, "ports", value=[{"containerPort": 80, "name": "HTTP_PORT"}]),
         "is not a port name"),
    case("policy-pod-selector-missing", "kubernetes", "networkpolicies.json",
         first("items", anything, "spec", "podSelector", reported=("spec",)), "spec.podSelector is missing"),
    case("policy-pod-selector-a-string", "kubernetes", "networkpolicies.json",
         put("items", 0, "spec", "podSelector", value="web"), "a label selector must be a mapping"),
    case("policy-types-unknown", "kubernetes", "networkpolicies.json",
         put("items", 0, "spec", "policyTypes", value=["In"]), "is not a list of Ingress/Egress"),
    case("policy-egress-a-mapping", "kubernetes", "networkpolicies.json",
         first("items", EGRESS_PORT, "spec", "egress", value={"to": []}), "egress is not a list of rules"),
    case("policy-port-70000", "kubernetes", "networkpolicies.json",
         first("items", EGRESS_PORT, "spec", "egress", 0, "ports", 0, "port", value=70000), "is out of range"),
    case("policy-protocol-icmp", "kubernetes", "networkpolicies.json",
         first("items", EGRESS_PORT, "spec", "egress", 0, "ports", 0, "protocol", value="ICMP"),
         "is not TCP, UDP or SCTP"),
    case("policy-end-port-on-a-named-port", "kubernetes", "networkpolicies.json",
         first("items", EGRESS_PORT, "spec", "egress", 0, "ports", 0, value={"port": "https", "endPort": 500},
               reported=("spec", "egress", 0, "ports", 0, "endPort")), "endPort needs a numeric port"),
    case("policy-ip-block-prefix-99", "kubernetes", "networkpolicies.json",
         first("items", IP_BLOCK, "spec", "egress", 0, "to", 0, "ipBlock", "cidr", value="0.0.0.0/99"),
         "ipBlock.cidr is not a CIDR"),
    case("policy-except-outside-its-cidr", "kubernetes", "networkpolicies.json",
         first("items", IP_BLOCK, "spec", "egress", 0, "to", 0, "ipBlock", "except", value=["::/0"],
               reported=("spec", "egress", 0, "to", 0, "ipBlock", "except", 0)), "is not a CIDR inside"),
    case("policy-peer-empty", "kubernetes", "networkpolicies.json",
         first("items", INGRESS_PEER, "spec", "ingress", 0, "from", 0, value={}),
         "a peer needs podSelector and/or namespaceSelector, or ipBlock"),
    case("policy-peer-unknown-key", "kubernetes", "networkpolicies.json",
         first("items", INGRESS_PEER, "spec", "ingress", 0, "from", 0, "xExtra", value="x"),
         "unknown key 'xExtra' in a peer"),
    case("policy-port-true", "kubernetes", "networkpolicies.json",
         first("items", EGRESS_PORT, "spec", "egress", 0, "ports", 0, "port", value=True),
         "expected a whole number or a port name, found true"),
    case("policy-port-nan", "kubernetes", "networkpolicies.json",
         first("items", EGRESS_PORT, "spec", "egress", 0, "ports", 0, "port", value=float("nan")),
         "expected a whole number or a port name, found nan"),
    case("policy-end-port-true", "kubernetes", "networkpolicies.json",
         first("items", EGRESS_PORT, "spec", "egress", 0, "ports", 0, "endPort", value=True),
         "expected a whole number, found true"),
    case("policy-operator-unknown", "kubernetes", "networkpolicies.json",
         first("items", INGRESS_PEER, "spec", "ingress", 0, "from", 0, value={"namespaceSelector": {
             "matchExpressions": [{"key": "team", "operator": "Equals", "values": ["a"]}]}},
             reported=("spec", "ingress", 0, "from", 0, "namespaceSelector", "matchExpressions", 0, "operator")),
         "unknown operator"),
    case("policy-selector-label-a-number", "kubernetes", "networkpolicies.json",
         put("items", 0, "spec", "podSelector", value={"matchLabels": {"app": 1}},
             ), "label app is 1, not text"),
    case("deployment-template-missing", "kubernetes", "deployments.json",
         first("items", anything, "spec", "template", reported=("spec",)), "the pod template is missing"),
    case("deployment-template-labels-a-list", "kubernetes", "deployments.json",
         put("items", 0, "spec", "template", "metadata", "labels", value=["app"]), "labels are not a mapping"),
    case("cluster-record-a-list", "kubernetes", "cluster.json", whole([]), "the document is a list"),
    case("cluster-context-a-number", "kubernetes", "cluster.json", put("context", value=7), "expected text"),
    case("json-nested-too-deep", "kubernetes", "pods.json", deep("items"), DEEP_SAYS),
    case("json-truncated", "kubernetes", "networkpolicies.json", broken, "invalid JSON", raw=True),
    case("json-key-twice", "kubernetes", "networkpolicies.json", key_twice("port", "22"),
         "duplicate key 'port'", raw=True),
    case("json-number-too-large", "kubernetes", "networkpolicies.json", number_too_large("port"),
         "invalid JSON: number too large (5,000 digits", raw=True),
]

CASES = {"aws": AWS, "gcp": GCP, "azure": AZURE, "kubernetes": KUBERNETES}


def all_cases() -> Iterator[Corruption]:
    for cases in CASES.values():
        yield from cases


if __name__ == "__main__":  # write every corrupted snapshot of the mocked deployments as folders
    from tests.snapshot_baselines import baseline

    target = Path(sys.argv[1])
    for corruption in all_cases():
        corruption.write(baseline(corruption.cloud).snapshot, target / corruption.cloud / corruption.name)
    print(f"{target}: wrote {sum(len(c) for c in CASES.values())} corrupted snapshots")
