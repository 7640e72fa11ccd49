"""An in-memory Microsoft.Network resource provider: the state behind the loopback REST fake.

It does what the real RP does that a verifier depends on: every NSG gets Azure's six default
rules; a private endpoint gets its own NIC with an address from its subnet; a NIC without
an address gets the next free one; the region's Network Watcher appears with the first VNet
(Azure enables it automatically); child resources (subnets, security rules, routes) are
served both inline in their parent and on their own; references to missing resources and
subnets outside the VNet are refused. Bodies go through azure-mgmt-network's models.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from azure.mgmt.network import models

from providers.azure.mock.arm_models import canonical

NS = "microsoft.network"
MODELS: dict[str, type] = {
    "virtualnetworks": models.VirtualNetwork, "subnets": models.Subnet,
    "networksecuritygroups": models.NetworkSecurityGroup, "securityrules": models.SecurityRule,
    "defaultsecurityrules": models.SecurityRule, "applicationsecuritygroups": models.ApplicationSecurityGroup,
    "networkinterfaces": models.NetworkInterface, "routetables": models.RouteTable, "routes": models.Route,
    "natgateways": models.NatGateway, "publicipaddresses": models.PublicIPAddress,
    "privateendpoints": models.PrivateEndpoint, "privatednszonegroups": models.PrivateDnsZoneGroup,
    "networkwatchers": models.NetworkWatcher, "flowlogs": models.FlowLog,
}
ARM_TYPE = {"virtualnetworks": "virtualNetworks", "subnets": "subnets", "networksecuritygroups":
            "networkSecurityGroups", "securityrules": "securityRules", "defaultsecurityrules":
            "defaultSecurityRules", "applicationsecuritygroups": "applicationSecurityGroups",
            "networkinterfaces": "networkInterfaces", "routetables": "routeTables", "routes": "routes",
            "natgateways": "natGateways", "publicipaddresses": "publicIPAddresses", "privateendpoints":
            "privateEndpoints", "privatednszonegroups": "privateDnsZoneGroups", "networkwatchers":
            "networkWatchers", "flowlogs": "flowLogs"}
# Children served inline in their parent's `properties` (ARM returns them both ways).
INLINE = {("virtualnetworks", "subnets"): "subnets",
          ("networksecuritygroups", "securityrules"): "securityRules",
          ("networksecuritygroups", "defaultsecurityrules"): "defaultSecurityRules",
          ("routetables", "routes"): "routes"}
READ_ONLY = {"defaultsecurityrules"}
REFERENCES = {"subnet", "networkSecurityGroup", "natGateway", "routeTable", "publicIPAddress", "privateEndpoint",
              "virtualNetwork", "applicationSecurityGroups", "sourceApplicationSecurityGroups",
              "destinationApplicationSecurityGroups", "publicIpAddresses", "networkInterfaces"}

# Azure's default rules (network-security-groups-overview): present in every NSG, not removable.
DEFAULT_RULES = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
)


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class ResourceId:
    """`/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/<type>/<name>[/<child>/<name>]`."""

    subscription: str
    group: str
    kind: str  # lowercase type of the last segment
    name: str
    parent_kind: str | None = None
    parent: str | None = None

    @classmethod
    def parse(cls, rid: str) -> ResourceId:
        parts = rid.strip("/").split("/")
        if len(parts) not in (8, 10) or [p.lower() for p in parts[0:6:2]] != ["subscriptions", "resourcegroups",
                                                                             "providers"] or parts[5].lower() != NS:
            raise ArmError(400, "LinkedInvalidPropertyId", f"Property id '{rid}' is invalid")
        if len(parts) == 8:
            return cls(parts[1], parts[3], parts[6].lower(), parts[7])
        return cls(parts[1], parts[3], parts[8].lower(), parts[9], parts[6].lower(), parts[7])

    def parent_id(self) -> ResourceId | None:
        if self.parent_kind is None or self.parent is None:
            return None
        return ResourceId(self.subscription, self.group, self.parent_kind, self.parent)

    def __str__(self) -> str:
        base = f"/subscriptions/{self.subscription}/resourceGroups/{self.group}/providers/Microsoft.Network"
        if self.parent_kind:
            return f"{base}/{ARM_TYPE[self.parent_kind]}/{self.parent}/{ARM_TYPE[self.kind]}/{self.name}"
        return f"{base}/{ARM_TYPE[self.kind]}/{self.name}"

    def key(self) -> str:
        return str(self).lower()


class FakeArm:
    """Thread-safe store of ARM resources keyed by lower-case id, with the RP's side effects."""

    def __init__(self, subscription: str):
        self.subscription = subscription
        self.store: dict[str, dict[str, Any]] = {}
        self.lock = threading.RLock()

    # -- reads ---------------------------------------------------------------------------
    def get(self, rid: ResourceId) -> dict[str, Any]:
        with self.lock:
            if rid.key() not in self.store:
                raise ArmError(404, "NotFound", f"Resource '{rid}' was not found.")
            body = dict(self.store[rid.key()])
            for (parent, child), key in INLINE.items():
                if rid.kind == parent and rid.parent_kind is None:
                    body["properties"] = {**body.get("properties", {}), key: self.children(rid, child)}
            return body

    def children(self, parent: ResourceId, kind: str) -> list[dict[str, Any]]:
        prefix = parent.key() + "/" + ARM_TYPE[kind].lower() + "/"
        with self.lock:
            return [self.store[k] for k in sorted(k for k in self.store if k.startswith(prefix)
                                                  and "/" not in k[len(prefix):])]

    def list_kind(self, kind: str, group: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            ids = [ResourceId.parse(body["id"]) for _, body in sorted(self.store.items())]
            return [self.get(r) for r in ids if r.kind == kind and r.parent_kind is None
                    and (group is None or r.group.lower() == group.lower())]

    def exists(self, rid: str) -> bool:
        with self.lock:
            return rid.lower() in self.store

    # -- writes --------------------------------------------------------------------------
    def put(self, rid: ResourceId, body: dict[str, Any]) -> dict[str, Any]:
        if rid.kind not in MODELS:
            raise ArmError(400, "InvalidResourceType", f"The resource type '{rid.kind}' is not supported by the fake")
        if rid.kind in READ_ONLY:
            raise ArmError(405, "MethodNotAllowed", f"{ARM_TYPE[rid.kind]} cannot be changed")
        with self.lock:
            parent = rid.parent_id()
            if parent is not None and parent.key() not in self.store:
                raise ArmError(404, "ParentResourceNotFound", f"Parent resource '{parent}' was not found.")
            document = canonical(MODELS[rid.kind], body)
            inline = {key: document["properties"].pop(key) for (p, _), key in INLINE.items()
                      if p == rid.kind and key in document.get("properties", {})}
            document = self._stamp(rid, document)
            getattr(self, f"_check_{rid.kind}", lambda r, d: None)(rid, document)
            self.store[rid.key()] = document
            for key, items in inline.items():
                self._replace_children(rid, key, items)
            getattr(self, f"_after_{rid.kind}", lambda r, d: None)(rid, document)
            return self.get(rid)

    def delete(self, rid: ResourceId) -> None:
        with self.lock:
            if rid.key() not in self.store:
                return  # ARM deletes are idempotent (204)
            for key in [k for k in self.store if k.startswith(rid.key() + "/")]:
                del self.store[key]
            document = self.store.pop(rid.key())
            if rid.kind == "privateendpoints":  # the endpoint's own NIC goes with it
                for nic in document.get("properties", {}).get("networkInterfaces", []):
                    self.store.pop(nic["id"].lower(), None)

    def _stamp(self, rid: ResourceId, document: dict[str, Any]) -> dict[str, Any]:
        document = _strip_references(document)
        props = document.setdefault("properties", {})
        props["provisioningState"] = "Succeeded"
        document.update(id=str(rid), name=rid.name, etag=f'W/"{hashlib.sha1(repr(document).encode()).hexdigest()}"',
                        type="Microsoft.Network/" + (f"{ARM_TYPE[rid.parent_kind]}/" if rid.parent_kind else "")
                        + ARM_TYPE[rid.kind])
        if rid.parent_kind is None and "location" not in document:
            document["location"] = self._group_location(rid)
        return document

    def _group_location(self, rid: ResourceId) -> str:
        for body in self.store.values():
            if ResourceId.parse(body["id"]).group.lower() == rid.group.lower() and body.get("location"):
                return str(body["location"])
        return "eastus"

    def _replace_children(self, parent: ResourceId, key: str, items: list[dict[str, Any]]) -> None:
        kind = next(c for (p, c), k in INLINE.items() if p == parent.kind and k == key)
        for old in self.children(parent, kind):
            del self.store[old["id"].lower()]
        for item in items:
            child = ResourceId(parent.subscription, parent.group, kind, item["name"], parent.kind, parent.name)
            body = {k: v for k, v in item.items() if k not in ("id", "name", "type", "etag")}
            self.store[child.key()] = self._stamp(child, canonical(MODELS[kind], body))

    def _require(self, rid: str | None, what: str) -> None:
        if rid and not self.exists(rid):
            raise ArmError(400, "InvalidResourceReference", f"Resource {rid} referenced by {what} was not found.")

    # -- the RP's checks and side effects, per type ----------------------------------------
    def _after_networksecuritygroups(self, rid: ResourceId, document: dict[str, Any]) -> None:
        for name, priority, direction, access, src, dst in DEFAULT_RULES:
            child = ResourceId(rid.subscription, rid.group, "defaultsecurityrules", name, rid.kind, rid.name)
            if child.key() not in self.store:
                self.store[child.key()] = self._stamp(child, canonical(models.SecurityRule, {"properties": {
                    "description": f"Default rule {name}", "protocol": "*", "sourcePortRange": "*",
                    "destinationPortRange": "*", "sourceAddressPrefix": src, "destinationAddressPrefix": dst,
                    "access": access, "priority": priority, "direction": direction}}))

    def _after_virtualnetworks(self, rid: ResourceId, document: dict[str, Any]) -> None:
        # Azure enables Network Watcher in a region when the first VNet is created there.
        region = str(document.get("location", "eastus"))
        watcher = ResourceId(rid.subscription, "NetworkWatcherRG", "networkwatchers", f"NetworkWatcher_{region}")
        if watcher.key() not in self.store:
            self.store[watcher.key()] = self._stamp(watcher, {"location": region, "properties": {}})

    def _check_subnets(self, rid: ResourceId, document: dict[str, Any]) -> None:
        props = document["properties"]
        vnet = self.store[rid.parent_id().key()]  # type: ignore[union-attr]
        space = [IPv4Network(p) for p in vnet["properties"].get("addressSpace", {}).get("addressPrefixes", [])]
        prefixes = [IPv4Network(p) for p in ([props["addressPrefix"]] if "addressPrefix" in props else [])
                    + props.get("addressPrefixes", [])]
        if not prefixes or not all(any(p.subnet_of(s) for s in space) for p in prefixes):
            raise ArmError(400, "NetcfgSubnetRangeOutsideVnet",
                           f"Subnet '{rid.name}' is not valid because its IP address range is outside the VNet")
        for sibling in self.children(rid.parent_id(), "subnets"):  # type: ignore[arg-type]
            other = sibling["properties"]
            theirs = [IPv4Network(p) for p in ([other["addressPrefix"]] if "addressPrefix" in other else [])
                      + other.get("addressPrefixes", [])]
            if sibling["name"] != rid.name and any(a.overlaps(b) for a in prefixes for b in theirs):
                raise ArmError(400, "NetcfgSubnetRangesOverlap", f"Subnet '{rid.name}' overlaps '{sibling['name']}'")
        for key in ("networkSecurityGroup", "natGateway", "routeTable"):
            self._require((props.get(key) or {}).get("id"), f"subnet {rid.name}")

    def _check_networkinterfaces(self, rid: ResourceId, document: dict[str, Any]) -> None:
        props = document["properties"]
        self._require((props.get("networkSecurityGroup") or {}).get("id"), f"NIC {rid.name}")
        for config in props.get("ipConfigurations", []):
            inner = config.setdefault("properties", {})
            subnet = (inner.get("subnet") or {}).get("id")
            self._require(subnet, f"NIC {rid.name}")
            for asg in inner.get("applicationSecurityGroups", []):
                self._require(asg["id"], f"NIC {rid.name}")
            if subnet and not inner.get("privateIPAddress"):
                inner["privateIPAddress"] = self._next_address(subnet)
                inner.setdefault("privateIPAllocationMethod", "Dynamic")
            config["id"] = f"{rid}/ipConfigurations/{config.get('name', 'ipconfig1')}"

    def _next_address(self, subnet_id: str) -> str:
        """The lowest free address; Azure keeps the first four of every subnet for itself."""
        subnet = self.store[subnet_id.lower()]["properties"]
        block = IPv4Network(subnet.get("addressPrefix") or subnet["addressPrefixes"][0])
        used = {cfg.get("properties", {}).get("privateIPAddress") for body in self.store.values()
                for cfg in body.get("properties", {}).get("ipConfigurations", []) if "ipConfigurations" in
                body.get("properties", {}) and body["type"] == "Microsoft.Network/networkInterfaces"}
        for offset in range(4, block.num_addresses - 1):
            candidate = str(IPv4Address(int(block.network_address) + offset))
            if candidate not in used:
                return candidate
        raise ArmError(400, "SubnetIsFull", f"Subnet {subnet_id} has no free address")

    def _check_privateendpoints(self, rid: ResourceId, document: dict[str, Any]) -> None:
        self._require((document["properties"].get("subnet") or {}).get("id"), f"private endpoint {rid.name}")

    def _after_privateendpoints(self, rid: ResourceId, document: dict[str, Any]) -> None:
        # The RP creates the endpoint's NIC in the endpoint's subnet and links both ways.
        props = document["properties"]
        suffix = hashlib.sha1(rid.key().encode()).hexdigest()[:8]
        name = props.get("customNetworkInterfaceName") or f"{rid.name}.nic.{suffix}"
        nic = ResourceId(rid.subscription, rid.group, "networkinterfaces", name)
        if nic.key() not in self.store:
            self.put(nic, {"location": document.get("location"), "properties": {
                "ipConfigurations": [{"name": "privateEndpointIpConfig", "properties": {
                    "subnet": {"id": props["subnet"]["id"]}, "privateIPAllocationMethod": "Dynamic"}}]}})
            self.store[nic.key()]["properties"]["privateEndpoint"] = {"id": str(rid)}
        props["networkInterfaces"] = [{"id": str(nic)}]
        address = self.store[nic.key()]["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
        props["customDnsConfigs"] = [{"fqdn": rid.name, "ipAddresses": [address]}]

    def _check_flowlogs(self, rid: ResourceId, document: dict[str, Any]) -> None:
        target = document["properties"].get("targetResourceId")
        if not target or not self.exists(target):
            raise ArmError(400, "InvalidResourceReference", f"Flow log target {target} was not found.")


def _strip_references(value: Any, key: str = "") -> Any:
    """ARM stores a reference as `{"id": ...}` only, whatever else the request carried."""
    if isinstance(value, list):
        return [_strip_references(v, key) for v in value]
    if not isinstance(value, dict):
        return value
    if key in REFERENCES and "id" in value:
        return {"id": value["id"]}
    return {k: _strip_references(v, k) for k, v in value.items()}
