"""The mocked Azure that `bulkhead simulate` and the tests deploy into.

`MockedCloud` is a fresh fake Microsoft.Network RP (providers/azure/mock/arm.py) served on a
loopback port (server.py). `deploy` runs the real Pulumi program (build.program) under
Pulumi's mock runtime; every registered resource is converted from azure-native's flattened
inputs to ARM JSON through azure-mgmt-network's models and PUT into the fake, which adds what
Azure adds (default rules, endpoint NICs, addresses). collect then reads it all back through
azure-mgmt-network over http, as it would read a real subscription.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pulumi
from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import SansIOHTTPPolicy
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from infra.plan import CloudPlan
from providers.azure.build import component as build
from providers.azure.mock.arm import MODELS, FakeArm, ResourceId
from providers.azure.mock.arm_models import flatten, to_rest
from providers.azure.mock.server import FakeArmServer
from providers.azure.observe.collect import AzureSource
from providers.azure.services import AZURE_SERVICES

SUBSCRIPTION = "00000000-0000-0000-0000-00000000b01d"



class NoAuth(SansIOHTTPPolicy):
    """Replaces the bearer-token policy for the loopback fake (azure-core refuses tokens over http)."""


class StaticToken:
    """A credential for the fake: the client constructor insists on one, nothing ever calls it."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return AccessToken("fake", 2**31 - 1)

@dataclass(frozen=True)
class Kind:
    """How an azure-native type token maps onto an ARM path: its collection and name input,
    and for a child resource its parent's collection and name input."""

    collection: str
    name_input: str
    parent: tuple[str, str] | None = None


NETWORK: dict[str, Kind] = {
    "azure-native:network:VirtualNetwork": Kind("virtualnetworks", "virtualNetworkName"),
    "azure-native:network:Subnet": Kind("subnets", "subnetName", ("virtualnetworks", "virtualNetworkName")),
    "azure-native:network:NetworkSecurityGroup": Kind("networksecuritygroups", "networkSecurityGroupName"),
    "azure-native:network:SecurityRule": Kind("securityrules", "securityRuleName",
                                              ("networksecuritygroups", "networkSecurityGroupName")),
    "azure-native:network:ApplicationSecurityGroup": Kind("applicationsecuritygroups", "applicationSecurityGroupName"),
    "azure-native:network:NetworkInterface": Kind("networkinterfaces", "networkInterfaceName"),
    "azure-native:network:RouteTable": Kind("routetables", "routeTableName"),
    "azure-native:network:Route": Kind("routes", "routeName", ("routetables", "routeTableName")),
    "azure-native:network:NatGateway": Kind("natgateways", "natGatewayName"),
    "azure-native:network:PublicIPAddress": Kind("publicipaddresses", "publicIpAddressName"),
    "azure-native:network:PrivateEndpoint": Kind("privateendpoints", "privateEndpointName"),
    "azure-native:network:PrivateDnsZoneGroup": Kind("privatednszonegroups", "privateDnsZoneGroupName",
                                                     ("privateendpoints", "privateEndpointName")),
    "azure-native:network:NetworkWatcher": Kind("networkwatchers", "networkWatcherName"),
    "azure-native:network:FlowLog": Kind("flowlogs", "flowLogName", ("networkwatchers", "networkWatcherName")),
}
# Resources outside Microsoft.Network that the component makes: recorded (not served), with
# the ARM id the real provider would report: (provider path, name input, parent name input).
RECORDED: dict[str, tuple[str, str, str | None]] = {
    "azure-native:resources:ResourceGroup": ("", "resourceGroupName", None),
    "azure-native:storage:StorageAccount": ("Microsoft.Storage/storageAccounts", "accountName", None),
    "azure-native:privatedns:PrivateZone": ("Microsoft.Network/privateDnsZones", "privateZoneName", None),
    "azure-native:privatedns:VirtualNetworkLink": ("Microsoft.Network/privateDnsZones/{}/virtualNetworkLinks",
                                                   "virtualNetworkLinkName", "privateZoneName"),
}


class UnsupportedResource(TypeError):
    """The program registered a type the mocked Azure does not model; it names the type token."""


class _ArmMocks(Mocks):
    def __init__(self, arm: FakeArm):
        self.arm, self.lock, self.counts = arm, threading.Lock(), Counter[str]()
        self.recorded: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        with self.lock:  # the mock runtime calls in from several threads
            self.counts[args.typ] += 1
            if args.custom is False:  # a component (bulkhead:azure:SegmentedNetwork): nothing to create
                return None, {}
            if args.typ in NETWORK:
                return self._network(args)
            if args.typ in RECORDED:
                return self._record(args)
        raise UnsupportedResource(f"the mocked Azure does not support resource type {args.typ} ({args.name})")

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        raise UnsupportedResource(f"the mocked Azure does not support function {args.token}")

    def _network(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        kind, inputs = NETWORK[args.typ], dict(args.inputs)
        group = inputs.pop("resourceGroupName")
        name = inputs.pop(kind.name_input, args.name)
        parent_kind, parent = None, None
        if kind.parent is not None:
            parent_kind, parent = kind.parent[0], inputs.pop(kind.parent[1])
        rid = ResourceId(self.arm.subscription, group, kind.collection, name, parent_kind, parent)
        served = self.arm.put(rid, to_rest(MODELS[kind.collection], inputs, args.typ))
        return str(rid), {**flatten(served), "resourceGroupName": group}

    def _record(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        path, name_input, parent_input = RECORDED[args.typ]
        inputs = dict(args.inputs)
        name = inputs.get(name_input, args.name)
        group = inputs.get("resourceGroupName", name)
        base = f"/subscriptions/{self.arm.subscription}/resourceGroups/{group}"
        if path:
            path = path.format(inputs[parent_input]) if parent_input else path
            rid = f"{base}/providers/{path}/{name}"
        else:
            rid = base
        self.recorded[rid.lower()] = inputs
        return rid, {**inputs, "name": name, "id": rid}


def without_aliases(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
    """The resource's options minus their aliases; a transformation for mocked deploys only.

    azure-native gives every resource one alias per past API version (60 on a Subnet) and the
    Pulumi SDK turns each into a URN Output while constructing the resource: ~50 ms per
    resource, 90% of a mocked deploy. Aliases only let the engine match old state; the mock
    runtime has none and never passes them on (MockResourceArgs has no aliases), so what the
    fake receives is unchanged (tests/azure/test_mock_aliases.py compares both ways).
    """
    opts = copy.copy(args.opts)
    opts.aliases = None
    return pulumi.ResourceTransformationResult(args.props, opts)


class MockedCloud:
    """A fresh fake Azure subscription; use as a context manager."""

    def __init__(self, page_size: int = 50, state: dict[str, dict[str, Any]] | None = None):
        self.arm = FakeArm(SUBSCRIPTION)
        if state is not None:  # start from a saved subscription (tests tamper with copies)
            self.arm.store = copy.deepcopy(state)
        self.page_size = page_size
        self.server: FakeArmServer | None = None
        self.recorded: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> MockedCloud:
        self.server = FakeArmServer(self.arm, self.page_size)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def deploy(self, cloud_plan: CloudPlan, keep_aliases: bool = False) -> dict[str, int]:
        """Run the Pulumi program against the fake; type token -> resources registered."""
        mocks = _ArmMocks(self.arm)
        pulumi.runtime.set_mocks(mocks, project="bulkhead", stack=cloud_plan.model, preview=False)

        # On the component, so it reaches its children and nothing outside this deploy.
        opts = None if keep_aliases else pulumi.ResourceOptions(transformations=[without_aliases])

        @pulumi.runtime.test
        def run() -> pulumi.Output[Any]:
            net = build.program(cloud_plan, service_targets=self.service_targets(cloud_plan), opts=opts)
            return pulumi.Output.all(*(s.id for s in net.subnets.values()), net.vnet.id)

        run()
        self.recorded.update(mocks.recorded)
        return dict(mocks.counts)

    def state(self) -> dict[str, dict[str, Any]]:
        """A copy of every ARM resource in the fake subscription (for `MockedCloud(state=...)`)."""
        with self.arm.lock:
            return copy.deepcopy(self.arm.store)

    def service_targets(self, cloud_plan: CloudPlan) -> dict[str, str]:
        """Stand-in accounts for every service: real deployments name theirs in Pulumi config."""
        base = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{cloud_plan.model}-services/providers"
        return {name: f"{base}/{svc.target_kind}/{cloud_plan.model}{name.replace('-', '')}"
                for name, svc in AZURE_SERVICES.items()}

    def source(self) -> AzureSource:
        if self.server is None:
            raise RuntimeError("MockedCloud is not running; use it as a context manager")
        return AzureSource(SUBSCRIPTION, StaticToken(), self.server.base_url, {"authentication_policy": NoAuth()})
