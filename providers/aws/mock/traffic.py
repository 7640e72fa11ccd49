"""Realistic VPC Flow Logs written into the mocked AWS (moto): the traffic `observe` then reads.

`MockedTraffic` launches one workload interface per segment (in the segment's first subnet,
with the segment's security groups, as a real instance would get) and writes the records AWS
would deliver for the planned flows (infra/flows/scenario.py) to the model's flow-log
destination, CloudWatch Logs or S3, in the flow log's own format:

- a flow between two interfaces of the VPC is logged at both: leaving one, arriving at the
  other; each TCP connection's replies are logged too, in the other direction;
- a rejection at the source (its security group's egress) is logged only there; one at the
  destination (its inbound rules) is logged ACCEPT at the source and REJECT at the destination;
- traffic to the internet is logged again at the NAT gateway's interface (transit);
- every interface's stream carries a NODATA record of an idle window, and one a SKIPDATA.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from infra.flows.addresses import UNKNOWN
from infra.flows.scenario import PlannedFlow, Profile, pick_address, plan_traffic
from infra.model import Model
from infra.reach import INTERNET
from providers.aws.observe.collect import collect
from providers.aws.observe.endpoints import vpc_endpoints
from providers.aws.observe.flowbook import Destination, destinations, flow_book
from providers.aws.observe.flowlog_lines import DEFAULT_FIELDS, fields_of, header_line
from providers.aws.observe.resources import read_resources

NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1}
CLIENT_PORTS = 40000


@dataclass(frozen=True)
class Line:
    """One flow-log record before it is rendered in the flow log's format."""

    interface: str
    src: str
    dst: str
    sport: int
    dport: int
    protocol: int
    action: str
    start: int
    direction: str  # egress | ingress
    status: str = "OK"
    packets: int = 10
    size: int = 840


class MockedTraffic:
    """`with MockedTraffic(mocked, model) as traffic:` (inside `with MockedCloud() as mocked:`)."""

    def __init__(self, mocked: Any, model: Model, profile: Profile = "demo", start: int | None = None):
        self.mocked, self.model, self.profile = mocked, model, profile
        self.start = start if start is not None else (int(time.time()) // 60) * 60 - 3600
        self.planned: tuple[PlannedFlow, ...] = ()
        self.lines: list[Line] = []

    def __enter__(self) -> MockedTraffic:
        session = self.source
        self.account = session.client("sts").get_caller_identity()["Account"]
        self.workloads = self._launch(session.client("ec2"))
        snapshot = collect(session)
        self.book = flow_book(snapshot, self.model)
        self.services = {e.service: e.enis[0] for e in vpc_endpoints(read_resources(snapshot)) if e.enis}
        self.nat = sorted(self.book.transit)
        self.planned = plan_traffic(self.model, "aws", self.profile)
        self.lines = self._lines()
        for destination in destinations(snapshot, self.model):
            self._deliver(session, destination)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        return None

    @property
    def source(self) -> Any:
        """What `observe` reads the flow logs through: a boto3 session on the same moto."""
        return self.mocked.source()

    # --- workloads ---------------------------------------------------------------------

    def _launch(self, ec2: Any) -> dict[str, list[tuple[str, str]]]:
        """segment -> (interface id, private address) of two workloads in its first subnet (two, so
        that traffic inside a segment goes between two interfaces)."""
        out: dict[str, list[tuple[str, str]]] = {}
        for segment in (s for s in self.model.segments if "aws" in self.model.placement(s)):
            tags = [{"Name": "tag:bulkhead:model", "Values": [self.model.name]},
                    {"Name": "tag:bulkhead:segment", "Values": [segment]}]
            subnets = sorted(ec2.describe_subnets(Filters=tags)["Subnets"], key=lambda s: s["CidrBlock"])
            groups = [g["GroupId"] for g in ec2.describe_security_groups(Filters=tags)["SecurityGroups"]]
            if not subnets:
                continue
            labels = [{"Key": "bulkhead:model", "Value": self.model.name},
                      {"Key": "bulkhead:segment", "Value": segment}]
            for _ in range(2):
                eni = ec2.create_network_interface(
                    SubnetId=subnets[0]["SubnetId"], Groups=groups, Description=f"{segment} workload (traffic)",
                    TagSpecifications=[{"ResourceType": "network-interface", "Tags": labels}])["NetworkInterface"]
                out.setdefault(segment, []).append((eni["NetworkInterfaceId"], eni["PrivateIpAddress"]))
        return out

    def _end(self, endpoint: str, n: int, second: bool = False) -> tuple[str, str | None]:
        """(address, interface that logs it) of one end of a flow."""
        if endpoint in self.workloads:
            interface, address = self.workloads[endpoint][1 if second else 0]
            return address, interface
        if endpoint in (INTERNET, UNKNOWN):
            return pick_address(self.book, endpoint, n), None
        address = pick_address(self.book, endpoint, n)
        owner = next((i for i, owned in self.book.interfaces.items() if address in owned), None)
        return address, owner or self.services.get(endpoint)  # the endpoint ENI that holds the address

    # --- records -----------------------------------------------------------------------

    def _lines(self) -> list[Line]:
        lines: list[Line] = []
        k = 0
        for flow in self.planned:
            for _ in range(flow.connections):
                lines += self._connection(flow, k)
                k += 1
        for n, (interface, _) in enumerate(sorted(w for pair in self.workloads.values() for w in pair)):
            idle = Line(interface, "-", "-", 0, 0, 0, "-", self.start - 600, "-", "NODATA", 0, 0)
            lines.append(idle if n else replace(idle, status="SKIPDATA"))
        return lines

    def _connection(self, flow: PlannedFlow, k: int) -> list[Line]:
        src, src_if = self._end(flow.src, k)
        dst, dst_if = self._end(flow.dst, k, second=flow.src == flow.dst)
        proto = NUMBERS[flow.protocol]
        sport, dport = (CLIENT_PORTS + k, flow.port or 0) if flow.protocol != "icmp" else (0, 0)
        t = self.start + 30 * k
        request = [(src_if, "egress", "ACCEPT" if flow.accepted or flow.rejected_at == "dst" else "REJECT"),
                   (dst_if, "ingress", "ACCEPT" if flow.accepted else "REJECT")]
        if not flow.accepted and flow.rejected_at == "src":
            request = request[:1]  # rejected on the way out: it never arrived
        out = [Line(i, src, dst, sport, dport, proto, action, t, d) for i, d, action in request if i]
        if flow.accepted and flow.protocol == "tcp":  # the replies, logged at both ends too
            out += [Line(i, dst, src, dport, sport, proto, "ACCEPT", t, d)
                    for i, d in ((dst_if, "egress"), (src_if, "ingress")) if i]
        if flow.accepted and flow.dst == INTERNET and self.nat and src_if:
            out.append(Line(self.nat[0], src, dst, sport, dport, proto, "ACCEPT", t, "ingress"))
        return out

    def render(self, line: Line, fields: tuple[str, ...]) -> str:
        values = {"version": "5" if fields != DEFAULT_FIELDS else "2", "account-id": self.account,
                  "interface-id": line.interface, "srcaddr": line.src, "dstaddr": line.dst,
                  "srcport": str(line.sport), "dstport": str(line.dport), "protocol": str(line.protocol),
                  "packets": str(line.packets), "bytes": str(line.size), "start": str(line.start),
                  "end": str(line.start + 20), "action": line.action, "log-status": line.status,
                  "flow-direction": line.direction, "pkt-srcaddr": line.src, "pkt-dstaddr": line.dst,
                  "type": "IPv4", "tcp-flags": "2"}
        if line.status != "OK":
            values.update({k: "-" for k in ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets",
                                            "bytes", "action", "flow-direction", "pkt-srcaddr", "pkt-dstaddr")})
        return " ".join(values.get(f, "-") for f in fields)

    # --- delivery ----------------------------------------------------------------------

    def _deliver(self, session: Any, destination: Destination) -> None:
        fields = fields_of(destination.log_format)
        if destination.kind == "s3":
            self._to_s3(session.client("s3"), destination, fields)
            return
        logs = session.client("logs")
        by_stream: dict[str, list[Line]] = {}
        for line in self.lines:
            by_stream.setdefault(f"{line.interface}-all", []).append(line)
        for stream, lines in sorted(by_stream.items()):
            logs.create_log_stream(logGroupName=destination.target, logStreamName=stream)
            events = [{"timestamp": line.start * 1000, "message": self.render(line, fields)}
                      for line in sorted(lines, key=lambda x: x.start)]
            answer = logs.put_log_events(logGroupName=destination.target, logStreamName=stream, logEvents=events)
            if answer.get("rejectedLogEventsInfo"):  # CloudWatch refuses events over 14 days old
                raise ValueError(f"CloudWatch Logs rejected events of {stream}: {answer['rejectedLogEventsInfo']}")

    def _to_s3(self, s3: Any, destination: Destination, fields: tuple[str, ...]) -> None:
        bucket, _, prefix = destination.target.partition("/")
        region = self.mocked.region
        hours: dict[int, list[Line]] = {}
        for line in self.lines:
            hours.setdefault(line.start // 3600 * 3600, []).append(line)
        for hour, lines in sorted(hours.items()):
            moment = datetime.fromtimestamp(hour, UTC)
            body = "\n".join([header_line(fields), *(self.render(x, fields) for x in lines)]) + "\n"
            digest = hashlib.sha256(body.encode()).hexdigest()[:8]
            key = (f"{prefix + '/' if prefix else ''}AWSLogs/{self.account}/vpcflowlogs/{region}/"
                   f"{moment:%Y/%m/%d}/{self.account}_vpcflowlogs_{region}_{destination.flow_log}_"
                   f"{moment:%Y%m%dT%H%MZ}_{digest}.log.gz")
            s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(body.encode()))
