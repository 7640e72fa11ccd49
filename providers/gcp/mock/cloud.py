"""The mocked GCP that `bulkhead simulate` and the tests deploy into (docs/contracts.md).

`MockedCloud` runs build.program under Pulumi's mock runtime. Each resource the program
registers is turned into what GCP itself would then hold (a Compute item in the store, or
a side-table entry for IAM, service accounts and DNS), including what the real provider
and API add: selfLinks, the service account's email, the network's default route and one
route per subnet. The fake Compute API in compute_api.py serves that store to observe/collect.py.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pulumi
from google.cloud import compute_v1

from infra.errors import CloudError
from infra.plan import CloudPlan
from providers.gcp.build.names import account_email, short_hash
from providers.gcp.mock.compute_api import FakeServer, Json, Store, to_json
from providers.gcp.observe.collect import Source

GATEWAY_PATH = "global/gateways/default-internet-gateway"


def _name(reference: str) -> str:
    """`projects/p/global/networks/n`, a selfLink or a bare name -> `n`."""
    return str(reference).rstrip("/").rsplit("/", 1)[-1]


def _int(value: Any, default: int) -> int:
    return int(value) if value is not None else default  # the mock runtime sends floats


class _Translator:
    """Pulumi inputs (camelCase schema names) -> GCP state, one method per type token."""

    def __init__(self, store: Store):
        self.s = store

    def network(self, i: Json) -> Json:
        net = self.s.put("global/networks", compute_v1.Network(
            name=i["name"], auto_create_subnetworks=bool(i.get("autoCreateSubnetworks", True)),
            description=i.get("description"),
            routing_config=compute_v1.NetworkRoutingConfig(routing_mode=i.get("routingMode", "REGIONAL")),
            network_firewall_policy_enforcement_order="AFTER_CLASSIC_FIREWALL"))
        if not i.get("deleteDefaultRoutesOnCreate"):
            self._route(f"default-route-{short_hash(net['name'] + '/internet')}", net["selfLink"], "0.0.0.0/0",
                        gateway=self.s.link(GATEWAY_PATH), description="Default route to the Internet.")
        return {"id": f"projects/{self.s.project}/global/networks/{net['name']}", "selfLink": net["selfLink"]}

    def subnetwork(self, i: Json) -> Json:
        region = i.get("region", self.s.region)
        network = self.s.get("global/networks", _name(i["network"]))
        log = i.get("logConfig")
        sub = self.s.put(f"regions/{region}/subnetworks", compute_v1.Subnetwork(
            name=i["name"], ip_cidr_range=i["ipCidrRange"], network=network["selfLink"],
            region=self.s.link(f"regions/{region}"), description=i.get("description"),
            private_ip_google_access=bool(i.get("privateIpGoogleAccess", False)),
            log_config=compute_v1.SubnetworkLogConfig(
                enable=True, aggregation_interval=log.get("aggregationInterval", "INTERVAL_5_SEC"),
                flow_sampling=float(log.get("flowSampling", 0.5)),
                metadata=log.get("metadata", "INCLUDE_ALL_METADATA")) if log else None))
        # GCP adds a subnet route for every subnet range (nextHopNetwork).
        self._route(f"default-route-{short_hash(sub['selfLink'])}", network["selfLink"], i["ipCidrRange"],
                    next_hop_network=network["selfLink"], description="Default local route to the subnetwork.")
        return {"id": f"projects/{self.s.project}/regions/{region}/subnetworks/{sub['name']}",
                "selfLink": sub["selfLink"], "gatewayAddress": sub.get("gatewayAddress", "")}

    def firewall(self, i: Json) -> Json:
        def entries(key: str, cls: Callable[..., Any]) -> list[Any]:
            return [cls(I_p_protocol=e["protocol"], ports=list(e.get("ports") or ())) for e in i.get(key) or ()]

        direction = i.get("direction", "INGRESS")
        ranges = list(i.get("sourceRanges") or ())
        if direction == "INGRESS" and not (ranges or i.get("sourceTags") or i.get("sourceServiceAccounts")):
            ranges = ["0.0.0.0/0"]  # the API's default source for ingress
        fw = self.s.put("global/firewalls", compute_v1.Firewall(
            name=i["name"], network=self.s.get("global/networks", _name(i["network"]))["selfLink"],
            direction=direction, priority=_int(i.get("priority"), 1000), description=i.get("description"),
            allowed=entries("allows", compute_v1.Allowed), denied=entries("denies", compute_v1.Denied),
            source_ranges=ranges, source_tags=list(i.get("sourceTags") or ()),
            source_service_accounts=list(i.get("sourceServiceAccounts") or ()),
            target_service_accounts=list(i.get("targetServiceAccounts") or ()),
            target_tags=list(i.get("targetTags") or ()),
            destination_ranges=list(i.get("destinationRanges") or ())
            or (["0.0.0.0/0"] if direction == "EGRESS" else []),
            disabled=bool(i.get("disabled", False)),
            log_config=compute_v1.FirewallLogConfig(
                enable=True, metadata=(i.get("logConfig") or {}).get("metadata", "INCLUDE_ALL_METADATA"))
            if i.get("logConfig") or i.get("enableLogging") else None))
        return {"id": f"projects/{self.s.project}/global/firewalls/{fw['name']}", "selfLink": fw["selfLink"]}

    def route(self, i: Json) -> Json:
        network = self.s.get("global/networks", _name(i["network"]))
        gateway = i.get("nextHopGateway")
        route = self._route(i["name"], network["selfLink"], i["destRange"], description=i.get("description"),
                            gateway=self.s.link(f"global/gateways/{_name(gateway)}") if gateway else None,
                            priority=_int(i.get("priority"), 1000), tags=list(i.get("tags") or ()))
        return {"id": f"projects/{self.s.project}/global/routes/{route['name']}", "selfLink": route["selfLink"]}

    def _route(self, name: str, network: str, dest: str, gateway: str | None = None,
               next_hop_network: str | None = None, priority: int = 1000, description: str | None = None,
               tags: list[str] | None = None) -> Json:
        return self.s.put("global/routes", compute_v1.Route(
            name=name, network=network, dest_range=dest, next_hop_gateway=gateway, priority=priority,
            next_hop_network=next_hop_network, description=description, tags=tags or []))

    def router(self, i: Json) -> Json:
        region = i.get("region", self.s.region)
        router = self.s.put(f"regions/{region}/routers", compute_v1.Router(
            name=i["name"], network=self.s.get("global/networks", _name(i["network"]))["selfLink"],
            region=self.s.link(f"regions/{region}")))
        return {"id": f"projects/{self.s.project}/regions/{region}/routers/{router['name']}",
                "selfLink": router["selfLink"]}

    def router_nat(self, i: Json) -> Json:
        """Cloud NAT is not its own Compute resource: it lives in its router's `nats`."""
        region = i.get("region", self.s.region)
        collection = f"regions/{region}/routers"
        nat = compute_v1.RouterNat(
            name=i["name"], nat_ip_allocate_option=i.get("natIpAllocateOption"),
            source_subnetwork_ip_ranges_to_nat=i.get("sourceSubnetworkIpRangesToNat"),
            subnetworks=[compute_v1.RouterNatSubnetworkToNat(
                name=self.s.link(f"regions/{region}/subnetworks/{_name(sub['name'])}"),
                source_ip_ranges_to_nat=list(sub.get("sourceIpRangesToNats") or ["ALL_IP_RANGES"]))
                for sub in i.get("subnetworks") or ()],
            log_config=compute_v1.RouterNatLogConfig(**(i.get("logConfig") or {})))
        with self.s.lock:
            router = self.s.get(collection, _name(i["router"]))
            nats = router.get("nats", []) + [to_json(nat)]
            self.s.patch(collection, router["name"], {"nats": nats})
        return {"id": f"{self.s.project}/{region}/{_name(i['router'])}/{i['name']}"}

    def account(self, i: Json) -> Json:
        project = i.get("project", self.s.project)
        email = account_email(i["accountId"], project)
        state = {"email": email, "name": f"projects/{project}/serviceAccounts/{email}",
                 "uniqueId": self.s.new_id(), "member": f"serviceAccount:{email}"}
        with self.s.lock:
            self.s.side.setdefault("serviceAccounts", {})[email] = {**i, **state}
        return state

    def iam_member(self, i: Json) -> Json:
        with self.s.lock:
            members = self.s.iam.setdefault(i["role"], [])
            if i["member"] not in members:
                members.append(i["member"])
        return {"etag": "BwX-fake"}

    def side(self, kind: str) -> Callable[[Json], Json]:
        def keep(i: Json) -> Json:
            with self.s.lock:
                table = self.s.side.setdefault(kind, {})
                table[i.get("name") or f"{kind}-{len(table)}"] = dict(i)
            return {}
        return keep


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, store: Store):
        t = _Translator(store)
        self.handlers: dict[str, Callable[[Json], Json]] = {
            "gcp:compute/network:Network": t.network, "gcp:compute/subnetwork:Subnetwork": t.subnetwork,
            "gcp:compute/firewall:Firewall": t.firewall, "gcp:compute/route:Route": t.route,
            "gcp:compute/router:Router": t.router, "gcp:compute/routerNat:RouterNat": t.router_nat,
            "gcp:serviceaccount/account:Account": t.account, "gcp:projects/iAMMember:IAMMember": t.iam_member,
            "gcp:dns/managedZone:ManagedZone": t.side("managedZones"),
            "gcp:dns/recordSet:RecordSet": t.side("recordSets"),
        }
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()  # new_resource runs on several executor threads at once

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom or args.typ.startswith("pulumi:providers:"):
            return args.name, dict(args.inputs)  # components and default providers hold no cloud state
        handler = self.handlers.get(args.typ)
        if handler is None:
            raise CloudError("gcp", "create", args.typ, "the mocked GCP does not implement this resource "
                             "type; add it to providers/gcp/mock/cloud.py")
        with self.lock:
            state = handler(dict(args.inputs))
            self.counts[args.typ] += 1
        return str(state.get("id", args.name)), {**args.inputs, **state}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        raise CloudError("gcp", "invoke", args.token, "the mocked GCP answers no data-source calls")


class MockedCloud:
    """A fresh fake GCP project: `with MockedCloud() as cloud: cloud.deploy(plan); cloud.source()`."""

    def __init__(self, project: str = "bulkhead-mock", region: str = "us-central1"):
        self.store = Store(project=project, region=region)
        self.server: FakeServer | None = None

    def __enter__(self) -> MockedCloud:
        self.server = FakeServer(self.store)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def deploy(self, cloud_plan: CloudPlan) -> dict[str, int]:
        """Run build.program under the mock runtime; returns type token -> resources registered."""
        from providers.gcp.build import component as build
        project = str(cloud_plan.settings.get("project") or self.store.project)
        self.store.project, self.store.region = project, cloud_plan.region
        mocks = _Mocks(self.store)
        pulumi.runtime.set_mocks(mocks, project="bulkhead", stack="mock", preview=False)
        pulumi.runtime.test(lambda: build.program(cloud_plan).urn)()
        return dict(mocks.counts)

    def source(self) -> Source:
        if self.server is None:
            raise RuntimeError("use MockedCloud as a context manager: the fake API runs only inside `with`")
        return Source(project=self.store.project, region=self.store.region, endpoint=self.server.url,
                      anonymous=True)
