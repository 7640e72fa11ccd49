"""Realistic GCP flow logs in a fake Cloud Logging: the traffic `observe` then reads (mocked GCP).

`MockedTraffic` starts the fake Cloud Logging (logging_api.py) next to the mocked Compute API
and writes, for the planned flows (infra/flows/scenario.py), the entries GCP would write for
two VMs per segment:

- VPC Flow Logs (accepted traffic) reported by each VM of the flow: SRC by the sender, DEST
  by the receiver, and each TCP connection's replies the other way;
- Firewall Rules Logging: ALLOWED at the receiving VM for accepted traffic (bulkhead's allow
  rules log), DENIED at the VM whose rule refused it: its EGRESS rule (the packet never left)
  or, for a rejection at the destination, its INGRESS rule (the sender's flow log shows the
  packet leaving). Google APIs are reached on the restricted VIP.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from infra.flows.addresses import UNKNOWN
from infra.flows.scenario import PlannedFlow, Profile, pick_address, plan_traffic
from infra.model import Model
from infra.reach import INTERNET, SERVICE_PREFIX
from providers.gcp.mock.logging_api import FakeLogging
from providers.gcp.observe import labels
from providers.gcp.observe.collect import collect
from providers.gcp.observe.flowbook import GOOGLE_APIS, flow_book
from providers.gcp.observe.flowlog_entries import FIREWALL, VPC_FLOWS, rfc3339
from providers.gcp.observe.flowlogs import LogSource
from providers.gcp.observe.normalize import items

NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1}
CLIENT_PORTS = 40000


class MockedTraffic:
    """`with MockedTraffic(mocked, model) as traffic:` (inside `with MockedCloud() as mocked:`)."""

    def __init__(self, mocked: Any, model: Model, profile: Profile = "demo", start: int | None = None):
        self.mocked, self.model, self.profile = mocked, model, profile
        self.start = start if start is not None else (int(time.time()) // 60) * 60 - 3600
        self.planned: tuple[PlannedFlow, ...] = ()
        self.fake: FakeLogging | None = None

    def __enter__(self) -> MockedTraffic:
        self.project, self.region = self.mocked.store.project, self.mocked.store.region
        self.fake = FakeLogging(self.project)
        snapshot = collect(self.mocked.source())
        self.book = flow_book(snapshot, self.model)
        self.subnets = {labels.read_description(s.get("description")).get(labels.SEGMENT_KEY): s
                        for s in items(snapshot, "subnetworks-*.json")}
        self.deny = {d: _deny_rule(items(snapshot, "firewalls.json"), d) for d in ("EGRESS", "INGRESS")}
        self.planned = plan_traffic(self.model, "gcp", self.profile)
        for k, (flow, connection) in enumerate((f, c) for f in self.planned for c in range(f.connections)):
            self._connection(flow, k, connection)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.fake is not None:
            self.fake.close()
            self.fake = None

    @property
    def source(self) -> LogSource:
        """What `observe` reads the entries through: the fake Cloud Logging, anonymously."""
        assert self.fake is not None, "use MockedTraffic as a context manager"
        return LogSource(self.project, self.fake.url, anonymous=True)

    def _end(self, endpoint: str, n: int, second: bool = False) -> tuple[str, str | None]:
        """(address, VM name or None) of one end of a flow."""
        if endpoint in self.subnets:
            host = 1 if second else 0
            return pick_address(self.book, endpoint, host), f"{endpoint}-{host}"
        if endpoint.startswith(SERVICE_PREFIX):
            return pick_address(self.book, GOOGLE_APIS, n), None
        return pick_address(self.book, endpoint if endpoint in (INTERNET, UNKNOWN) else UNKNOWN, n), None

    def _connection(self, flow: PlannedFlow, k: int, _: int) -> None:
        src, src_vm = self._end(flow.src, k)
        dst, dst_vm = self._end(flow.dst, k, second=flow.src == flow.dst)
        ports = (CLIENT_PORTS + k, flow.port or 0) if flow.protocol != "icmp" else (0, 0)
        t = self.start + 30 * k
        if not flow.accepted and flow.rejected_at == "src":
            self._firewall(src, dst, ports, flow.protocol, src_vm, "EGRESS", "DENIED", t)
            return
        if src_vm:
            self._flow(src, dst, ports, flow.protocol, "SRC", src_vm, dst_vm, t)
        if not flow.accepted:
            self._firewall(src, dst, ports, flow.protocol, dst_vm, "INGRESS", "DENIED", t)
            return
        if dst_vm:
            self._flow(src, dst, ports, flow.protocol, "DEST", src_vm, dst_vm, t)
            self._firewall(src, dst, ports, flow.protocol, dst_vm, "INGRESS", "ALLOWED", t)
        if flow.protocol == "tcp":  # the replies, reported by each VM again
            back = (ports[1], ports[0])
            for reporter, vm in (("SRC", dst_vm), ("DEST", src_vm)):
                if vm:
                    self._flow(dst, src, back, flow.protocol, reporter, dst_vm, src_vm, t)

    def _flow(self, src: str, dst: str, ports: tuple[int, int], protocol: str, reporter: str,
              src_vm: str | None, dst_vm: str | None, t: int) -> None:
        payload: dict[str, Any] = {
            "connection": self._connection_json(src, dst, ports, protocol), "reporter": reporter,
            "bytes_sent": "840", "packets_sent": "10", "start_time": rfc3339(t), "end_time": rfc3339(t + 20)}
        for key, vm in (("src_instance", src_vm), ("dest_instance", dst_vm)):
            if vm:
                payload[key] = self._instance(vm)
        vm = src_vm if reporter == "SRC" else dst_vm
        self._write(VPC_FLOWS, payload, t, vm)

    def _firewall(self, src: str, dst: str, ports: tuple[int, int], protocol: str, vm: str | None, direction: str,
                  disposition: str, t: int) -> None:
        if vm is None:
            return
        rule = self.deny[direction] if disposition == "DENIED" else "allow"
        payload = {"connection": self._connection_json(src, dst, ports, protocol), "disposition": disposition,
                   "rule_details": {"reference": f"network:{self.model.name}/firewall:{rule}", "direction": direction,
                                    "action": "DENY" if disposition == "DENIED" else "ALLOW"},
                   "instance": self._instance(vm)}
        self._write(FIREWALL, payload, t, vm)

    @staticmethod
    def _connection_json(src: str, dst: str, ports: tuple[int, int], protocol: str) -> dict[str, Any]:
        return {"src_ip": src, "dest_ip": dst, "src_port": ports[0], "dest_port": ports[1],
                "protocol": NUMBERS[protocol]}

    def _instance(self, vm: str) -> dict[str, str]:
        return {"project_id": self.project, "vm_name": vm, "region": self.region, "zone": f"{self.region}-a"}

    def _write(self, log: str, payload: dict[str, Any], t: int, vm: str | None) -> None:
        segment = (vm or "").rsplit("-", 1)[0]
        subnet = self.subnets.get(segment, {}).get("name", "")
        assert self.fake is not None
        self.fake.write(log, payload, t, {"type": "gce_subnetwork", "labels": {
            "project_id": self.project, "subnetwork_name": subnet, "location": self.region}})


def _deny_rule(firewalls: list[dict[str, Any]], direction: str) -> str:
    """The name of the last deny rule of a direction (bulkhead's deny-all), for the entries' references."""
    denies = sorted((f.get("priority", 1000), f["name"]) for f in firewalls
                    if f.get("denied") and f.get("direction", "INGRESS") == direction)
    return denies[-1][1] if denies else f"implied-deny-{direction.lower()}"
