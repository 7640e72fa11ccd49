"""Realistic VNet flow logs in a fake Blob storage: the traffic `observe` then reads (mocked Azure).

`MockedTraffic` starts the fake storage (blob_api.py) and writes, for the planned flows
(infra/flows/scenario.py), the blobs Network Watcher would write for two NICs per segment:
one `PT1H.json` per NIC and hour under the VNet flow log's path, in the storage account the
flow log names. Each connection is a tuple at each NIC of the flow (O at the sender, I at the
receiver) as a begin (B) and an end (E) tuple; a denied one is a single D tuple at the NIC
whose NSG denied it (outbound at the sender, or inbound at the receiver, the sender's NIC
then showing it leave).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from infra.flows.addresses import UNKNOWN
from infra.flows.scenario import PlannedFlow, Profile, pick_address, plan_traffic
from infra.model import Model
from infra.reach import INTERNET
from providers.azure.mock.blob_api import FakeBlobs
from providers.azure.observe.collect import collect
from providers.azure.observe.flowbook import flow_book
from providers.azure.observe.flowlogs import BlobSource, Destination, destinations

NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1}
CLIENT_PORTS = 40000
Tuple = tuple[str, int, str, str]  # (NIC MAC, time, rule, tuple text)


class MockedTraffic:
    """`with MockedTraffic(mocked, model) as traffic:` (inside `with MockedCloud() as mocked:`)."""

    def __init__(self, mocked: Any, model: Model, profile: Profile = "demo", start: int | None = None):
        self.mocked, self.model, self.profile = mocked, model, profile
        self.start = start if start is not None else (int(time.time()) // 60) * 60 - 3600
        self.planned: tuple[PlannedFlow, ...] = ()
        self.fake: FakeBlobs | None = None

    def __enter__(self) -> MockedTraffic:
        self.fake = FakeBlobs()
        snapshot = collect(self.mocked.source())
        self.book = flow_book(snapshot, self.model)
        self.segments = {s for s in self.model.segments if "azure" in self.model.placement(s)}
        self.planned = plan_traffic(self.model, "azure", self.profile)
        tuples: list[Tuple] = []
        for k, flow in enumerate(f for f in self.planned for _ in range(f.connections)):
            tuples += self._connection(flow, k)
        for destination in destinations(snapshot, self.model):
            self._deliver(destination, tuples)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.fake is not None:
            self.fake.close()
            self.fake = None

    @property
    def source(self) -> BlobSource:
        """What `observe` reads the blobs through: the fake storage, anonymously."""
        assert self.fake is not None, "use MockedTraffic as a context manager"
        return BlobSource(None, self.fake.endpoint)

    def _end(self, endpoint: str, n: int, second: bool = False) -> tuple[str, str | None]:
        """(address, NIC MAC or None) of one end of a flow."""
        if endpoint in self.segments:
            host = 1 if second else 0
            index = sorted(self.segments).index(endpoint)
            return pick_address(self.book, endpoint, host), f"00224800{index:02X}{host:02X}"
        if endpoint in (INTERNET, UNKNOWN):
            return pick_address(self.book, endpoint, n), None
        return pick_address(self.book, endpoint, n), None  # a private endpoint: not a flow-logged NIC here

    def _connection(self, flow: PlannedFlow, k: int) -> list[Tuple]:
        src, src_nic = self._end(flow.src, k)
        dst, dst_nic = self._end(flow.dst, k, second=flow.src == flow.dst)
        sport, dport = (CLIENT_PORTS + k, flow.port or 0) if flow.protocol != "icmp" else (0, 0)
        t = (self.start + 30 * k) * 1000

        def tuples(nic: str | None, direction: str, states: str, rule: str) -> list[Tuple]:
            if nic is None:
                return []
            return [(nic, t + i * 20000, rule, f"{t + i * 20000},{src},{dst},{sport},{dport},{NUMBERS[flow.protocol]},"
                     f"{direction},{state},NX,{0 if state == 'B' else 10},{0 if state == 'B' else 840},"
                     f"{0 if state == 'B' else 8},{0 if state == 'B' else 2400}") for i, state in enumerate(states)]

        if not flow.accepted and flow.rejected_at == "src":
            return tuples(src_nic, "O", "D", "UserRule_deny-all-out")
        out = tuples(src_nic, "O", "BE", "UserRule_allow-out")
        if not flow.accepted:
            return out + tuples(dst_nic, "I", "D", "UserRule_deny-all-in")
        return out + tuples(dst_nic, "I", "BE", "UserRule_allow-in")

    def _deliver(self, destination: Destination, tuples: list[Tuple]) -> None:
        blobs: dict[tuple[str, int], list[Tuple]] = {}
        for item in tuples:
            blobs.setdefault((item[0], item[1] // 3600000), []).append(item)
        assert self.fake is not None
        for (mac, hour), found in sorted(blobs.items()):
            moment = datetime.fromtimestamp(hour * 3600, UTC)
            name = (f"{destination.prefix}y={moment:%Y}/m={moment:%m}/d={moment:%d}/h={moment:%H}/m=00/"
                    f"macAddress={mac}/PT1H.json")
            self.fake.put(destination.account, destination.container, name,
                          json.dumps(self._document(destination, mac, moment, found)).encode())

    def _document(self, destination: Destination, mac: str, moment: datetime, found: list[Tuple]) -> dict[str, Any]:
        groups: dict[str, list[str]] = {}
        for _, _, rule, text in sorted(found, key=lambda x: x[1]):
            groups.setdefault(rule, []).append(text)
        return {"records": [{
            "time": moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"), "flowLogVersion": 4, "macAddress": mac,
            "category": "FlowLogFlowEvent", "flowLogResourceID": destination.flow_log.upper(),
            "targetResourceID": "", "operationName": "FlowLogFlowEvent",
            "flowRecords": {"flows": [{"aclID": "00000000-0000-0000-0000-000000000000", "flowGroups": [
                {"rule": rule, "flowTuples": texts} for rule, texts in sorted(groups.items())]}]}}]}
