"""The mocked AWS that `bulkhead simulate` and the tests deploy into.

`MockedCloud` starts a fresh in-process moto (`moto.mock_aws()`); `deploy` runs the real
stack program (`build.program`) under the Pulumi mock runtime with `MotoMocks`, which
applies every registered resource to moto through boto3, the way the pulumi-aws provider
would (providers/aws/mock/network_handlers.py). Afterwards the account holds what `pulumi up` would
have created, and `source()` hands the collector a boto3 session on that same moto.

Nothing is recorded silently: a type token or data source without a handler raises an
error naming it, so a new resource in the component cannot escape the simulation.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import boto3
import moto
import pulumi
from botocore.exceptions import ClientError
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from infra.errors import CloudError, UsageError
from infra.plan import CloudPlan
from providers.aws.mock import network_handlers as h
from providers.aws.mock import service_handlers as s

HANDLERS: dict[str, h.Handler] = {
    "aws:ec2/vpc:Vpc": h.vpc,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": h.default_security_group,
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": h.default_network_acl,
    "aws:ec2/defaultRouteTable:DefaultRouteTable": h.default_route_table,
    "aws:ec2/subnet:Subnet": h.subnet,
    "aws:ec2/securityGroup:SecurityGroup": h.security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": h.rule_handler("authorize_security_group_ingress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": h.rule_handler("authorize_security_group_egress"),
    "aws:ec2/networkAcl:NetworkAcl": h.network_acl,
    "aws:ec2/networkAclRule:NetworkAclRule": h.network_acl_rule,
    "aws:ec2/routeTable:RouteTable": h.route_table,
    "aws:ec2/route:Route": h.route,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": h.route_table_association,
    "aws:ec2/internetGateway:InternetGateway": h.internet_gateway,
    "aws:ec2/eip:Eip": h.eip,
    "aws:ec2/natGateway:NatGateway": h.nat_gateway,
    "aws:ec2/vpcEndpoint:VpcEndpoint": s.vpc_endpoint,
    "aws:ec2/flowLog:FlowLog": s.flow_log,
    "aws:cloudwatch/logGroup:LogGroup": s.log_group,
    "aws:iam/role:Role": s.role,
    "aws:iam/rolePolicy:RolePolicy": s.role_policy,
    "aws:s3/bucket:Bucket": s.bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": s.bucket_public_access_block,
}
# Not a cloud resource: bulkhead's own component is echoed; nothing else is. The program uses
# the stack's default provider, which the engine (not the program) creates: no provider
# registration reaches the mocks.
PASS_THROUGH = ("bulkhead:aws:SegmentedNetwork",)
LOAD_AMIS = "MOTO_EC2_LOAD_DEFAULT_AMIS"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                    "aws_session_token": "testing"}


_CACHE_LOCK = threading.Lock()
_SESSIONS: dict[str, boto3.Session] = {}
_CLIENTS: dict[tuple[str, str], Any] = {}


def mocked_session(region: str) -> boto3.Session:
    """One boto3 session per region for this process, shared by every mocked account.

    A fresh session re-parses each service's JSON model (~300 ms for EC2); a warm one makes a
    client in ~15 ms. Sharing is safe because moto intercepts in a botocore handler that every
    client made after `import moto` carries and that acts only while a mock is active: calls
    reach whichever fresh `mock_aws()` account is active then (tests/aws/test_mock_clients.py).
    """
    with _CACHE_LOCK:
        if region not in _SESSIONS:
            _SESSIONS[region] = boto3.Session(region_name=region, **FAKE_CREDENTIALS)
        return _SESSIONS[region]


def mocked_client(region: str, service: str) -> Any:
    """A boto3 client of the shared session, made once: it holds no account state, moto does."""
    session = mocked_session(region)
    with _CACHE_LOCK:
        if (region, service) not in _CLIENTS:
            _CLIENTS[region, service] = session.client(service)  # type: ignore[call-overload]
        return _CLIENTS[region, service]


class UnsupportedResource(NotImplementedError):
    """The component registered a type token (or called a data source) the mock cannot apply."""


@dataclass(frozen=True)
class Registration:
    typ: str
    name: str
    inputs: dict[str, Any]


@dataclass
class MotoMocks(Mocks):
    """Pulumi mocks that create every resource in moto, one call at a time."""

    region: str
    handlers: dict[str, h.Handler] = field(default_factory=lambda: dict(HANDLERS))
    registered: list[Registration] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        def client(service: str) -> Any:
            return mocked_client(self.region, service)

        account = client("sts").get_caller_identity()["Account"]
        # Clients is made per deploy: it carries this deploy's default-NACL associations.
        self.clients = h.Clients(ec2=client("ec2"), logs=client("logs"), iam=client("iam"), s3=client("s3"),
                                 region=self.region, account=account)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        # The mock runtime calls this from several executor threads; moto and our record are shared.
        with self._lock:
            self.registered.append(Registration(args.typ, args.name, dict(args.inputs)))
            if args.typ in PASS_THROUGH:
                return f"{args.name}-id", dict(args.inputs)
            handler = self.handlers.get(args.typ)
            if handler is None:
                raise UnsupportedResource(f"the mocked AWS cannot apply resource type '{args.typ}' "
                                          f"({args.name}); add a handler to providers/aws/mock/cloud.py")
            try:
                return handler(self.clients, args.name, dict(args.inputs))
            except ClientError as exc:  # the (mocked) AWS API refused: a cloud failure, exit 3
                raise CloudError("aws", exc.operation_name, f"{args.typ} {args.name}", str(exc)) from exc

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            account = self.clients.account
            return {"accountId": account, "arn": f"arn:aws:iam::{account}:user/bulkhead", "id": account,
                    "userId": "AIDABULKHEAD"}, []
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return self._availability_zones(dict(args.args)), []
        raise UnsupportedResource(f"the mocked AWS has no data source '{args.token}'; add it to MotoMocks.call")

    def _availability_zones(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """What the data source returns, read from moto's zones of the region (its filters passed on)."""
        filters = [{"Name": f["name"], "Values": list(f["values"])} for f in inputs.get("filters") or []]
        if inputs.get("state"):
            filters.append({"Name": "state", "Values": [inputs["state"]]})
        zones = self.clients.ec2.describe_availability_zones(Filters=filters)["AvailabilityZones"]
        return {"id": self.region, "names": [z["ZoneName"] for z in zones], "zoneIds": [z["ZoneId"] for z in zones],
                "groupNames": sorted({z.get("GroupName", self.region) for z in zones}), "state": inputs.get("state"),
                "filters": inputs.get("filters")}


def run_program(mocks: Mocks, cloud_plan: CloudPlan, config: dict[str, str] | None = None) -> None:
    """Run `build.program` to completion under `mocks` (preview off, so outputs are real values)."""
    from providers.aws.build import component as build  # the builder is only loaded to deploy

    pulumi.runtime.set_mocks(mocks, project="bulkhead", stack="simulate", preview=False)
    # The stack config a real deployment would carry: the provider region is the model's.
    pulumi.runtime.set_all_config({"aws:region": cloud_plan.region, **(config or {})})

    @pulumi.runtime.test
    def deploy() -> pulumi.Output[str]:
        return build.program(cloud_plan).urn

    deploy()


class MockedCloud:
    """A fresh fake AWS account for as long as the `with` block lasts."""

    def __init__(self, config: dict[str, str] | None = None):
        self.config = dict(config or {})
        self.region = "us-east-1"
        self.registered: list[Registration] = []
        self._moto: Any = None
        self._saved_amis: str | None = None

    def __enter__(self) -> MockedCloud:
        # moto parses its catalogue of public AMIs whenever it makes or resets a region's EC2
        # backend (twice per account): a quarter of a small deploy's time. Nothing bulkhead
        # builds or reads uses an AMI, and moto does not check image ids on launch by default.
        self._saved_amis = os.environ.get(LOAD_AMIS)
        os.environ.setdefault(LOAD_AMIS, "false")
        self._moto = moto.mock_aws()
        self._moto.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._moto.stop()
        self._moto = None
        if self._saved_amis is None:
            os.environ.pop(LOAD_AMIS, None)

    def deploy(self, cloud_plan: CloudPlan) -> dict[str, int]:
        """Deploy one cloud plan; returns type token -> number of resources registered."""
        if self._moto is None:
            raise UsageError("MockedCloud.deploy needs an active `with MockedCloud() as cloud:` block")
        self.region = cloud_plan.region
        mocks = MotoMocks(region=cloud_plan.region)
        run_program(mocks, cloud_plan, self.config)
        self.registered += mocks.registered
        return dict(sorted(Counter(r.typ for r in mocks.registered).items()))

    def source(self) -> boto3.Session:
        """A boto3 session on this moto, in the region last deployed to, for providers/aws/observe/collect.py."""
        return mocked_session(self.region)
