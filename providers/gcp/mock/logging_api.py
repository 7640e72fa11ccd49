"""A loopback fake of Cloud Logging's `entries.list`, for the mocked GCP's flow logs.

google-cloud-logging talks to it unchanged (`client_options={"api_endpoint": url}`, anonymous
credentials, its JSON-over-HTTP transport): `POST /v2/entries:list` with `resourceNames`,
`filter`, `orderBy`, `pageSize`, `pageToken`; answers `{"entries": [...], "nextPageToken"}`.
Entries are made by the SDK's own `LogEntry` message (`write`), so their JSON has the real
field names. The filter understands what bulkhead sends: `logName=("a" OR "b")` and
`timestamp>="..."` / `timestamp<="..."`; anything else is refused (400), never ignored.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.api.monitored_resource_pb2 import MonitoredResource
from google.cloud.logging_v2.types import LogEntry

Json = dict[str, Any]
DEFAULT_PAGE = 50  # small, so that every read exercises paging
_NAMES = re.compile(r'^logName=\((?P<names>"[^"]+"(?: OR "[^"]+")*)\)$|^logName="(?P<name>[^"]+)"$')
_TIME = re.compile(r'^timestamp(?P<op>>=|<=)"(?P<value>[^"]+)"$')


class FakeLogging:
    """The fake's entries and its HTTP server in a daemon thread on 127.0.0.1 and a free port."""

    def __init__(self, project: str):
        self.project = project
        self.entries: list[Json] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fake-logging", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def write(self, log: str, payload: Json, seconds: int, resource: Json) -> None:
        """Store one entry of `projects/<project>/logs/<log>`, shaped by the SDK's LogEntry message."""
        with self.lock:
            number = len(self.entries)
            message = LogEntry(log_name=f"projects/{self.project}/logs/{log}", json_payload=payload,
                               timestamp=datetime.fromtimestamp(seconds, UTC), insert_id=f"fake-{number:08d}",
                               resource=MonitoredResource(type=resource["type"], labels=resource["labels"]))
            self.entries.append(json.loads(LogEntry.to_json(message)))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def query(self, body: Json) -> Json:
        if body.get("resourceNames") != [f"projects/{self.project}"]:
            raise ValueError(f"the fake serves resourceNames [projects/{self.project}] only")
        keep = _matcher(str(body.get("filter", "")))
        with self.lock:
            found = sorted((e for e in self.entries if keep(e)), key=lambda e: (e["timestamp"], e["insertId"]))
        start = int(body.get("pageToken") or 0)
        size = min(int(body.get("pageSize") or DEFAULT_PAGE), DEFAULT_PAGE)  # a server may send fewer
        page: Json = {"entries": found[start:start + size]}
        if start + size < len(found):
            page["nextPageToken"] = str(start + size)
        return page


def _matcher(text: str) -> Any:
    names: set[str] | None = None
    bounds: list[tuple[str, datetime]] = []
    for clause in filter(None, (c.strip() for c in text.split(" AND "))):
        if match := _NAMES.match(clause):
            names = set(re.findall(r'"([^"]+)"', match["names"])) if match["names"] else {match["name"]}
        elif match := _TIME.match(clause):
            bounds.append((match["op"], _time(match["value"])))
        else:
            raise ValueError(f"the fake does not understand the filter clause {clause!r}")

    def keep(entry: Json) -> bool:
        moment = _time(entry["timestamp"])
        return (names is None or entry["logName"] in names) and all(
            moment >= value if op == ">=" else moment <= value for op, value in bounds)

    return keep


def _time(value: str) -> datetime:
    return datetime.fromisoformat(re.sub(r"\.\d+", "", value).replace("Z", "+00:00"))


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLogging
    disable_nagle_algorithm = True  # else every SDK call waits ~40 ms for a delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        refused = f"the fake serves POST /v2/entries:list, not {self.path}"
        status, answer = 404, {"error": {"code": 404, "message": refused}}
        if self.path.split("?")[0] == "/v2/entries:list":
            try:
                length = int(self.headers.get("Content-Length") or 0)
                status, answer = 200, self.fake.query(json.loads(self.rfile.read(length) or b"{}"))
            except (ValueError, KeyError) as exc:
                status, answer = 400, {"error": {"code": 400, "message": str(exc), "status": "INVALID_ARGUMENT"}}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
