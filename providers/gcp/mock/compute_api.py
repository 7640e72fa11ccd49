"""A loopback fake of the Compute REST API (and Resource Manager's getIamPolicy) over a store.

google-cloud-compute talks to it unchanged through `client_options={"api_endpoint": url}`
with anonymous credentials (docs/mocked-clouds.md). Every body that goes in or
comes out passes through the SDK's own message classes (`compute_v1.Firewall.from_json`,
`.to_json`), so a misspelt field fails here instead of drifting from the real API.
Lists page with `items` + `nextPageToken`; the default page is small on purpose so that
every collector exercises paging.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from google.cloud import compute_v1

API = "https://www.googleapis.com/compute/v1"
DEFAULT_PAGE = 25
Json = dict[str, Any]

# Collection name -> the SDK message class its items are.
MESSAGES: dict[str, Any] = {
    "networks": compute_v1.Network, "firewalls": compute_v1.Firewall, "routes": compute_v1.Route,
    "subnetworks": compute_v1.Subnetwork, "routers": compute_v1.Router, "instances": compute_v1.Instance,
}


def to_json(message: Any) -> Json:
    return json.loads(type(message).to_json(message))


@dataclass
class Store:
    """The fake project's state. Compute items are keyed by their collection path."""

    project: str
    region: str
    items: dict[str, dict[str, Json]] = field(default_factory=dict)  # "global/firewalls" -> name -> item
    side: dict[str, dict[str, Json]] = field(default_factory=dict)  # non-Compute: accounts, dns, ...
    iam: dict[str, list[str]] = field(default_factory=dict)  # role -> members
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next_id: int = 1000

    def link(self, path: str) -> str:
        return f"{API}/projects/{self.project}/{path}"

    def new_id(self) -> str:
        with self.lock:
            self._next_id += 1
            return str(self._next_id)

    def put(self, collection: str, message: Any) -> Json:
        """Store a Compute message (filling id, selfLink, kind) and return its JSON."""
        body = to_json(message)
        name = body["name"]
        if body.get("network"):
            body["network"] = self.network_link(body["network"])
        kind = collection.rsplit("/", 1)[-1]
        body.setdefault("id", self.new_id())
        body.setdefault("selfLink", self.link(f"{collection}/{name}"))
        body.setdefault("kind", f"compute#{kind.rstrip('s')}")
        body.setdefault("creationTimestamp", "2024-01-01T00:00:00.000-00:00")
        with self.lock:
            if name in self.items.setdefault(collection, {}):
                raise Conflict(f"{collection}/{name} already exists")
            self.items[collection][name] = body
        return body

    def network_link(self, reference: str) -> str:
        """Like the API: a network given by name or partial path is stored as its selfLink; it must exist."""
        return self.get("global/networks", reference.rstrip("/").rsplit("/", 1)[-1])["selfLink"]

    def get(self, collection: str, name: str) -> Json:
        with self.lock:
            found = self.items.get(collection, {}).get(name)
        if found is None:
            raise NotFound(f"{collection}/{name} was not found")
        return found

    def patch(self, collection: str, name: str, body: Json) -> Json:
        kind = collection.rsplit("/", 1)[-1]
        MESSAGES[kind].from_json(json.dumps(body))  # unknown or misspelt fields raise
        with self.lock:
            current = dict(self.get(collection, name))
            current.update({k: v for k, v in body.items() if k not in ("name", "selfLink", "id")})
            if body.get("network"):
                current["network"] = self.network_link(body["network"])
            self.items[collection][name] = current
            return current

    def delete(self, collection: str, name: str) -> None:
        with self.lock:
            self.get(collection, name)
            del self.items[collection][name]

    def listing(self, collection: str) -> list[Json]:
        with self.lock:
            return list(self.items.get(collection, {}).values())


class NotFound(Exception):
    status = 404


class Conflict(Exception):
    status = 409


_COMPUTE = re.compile(r"^/compute/v1/projects/(?P<project>[^/]+)/(?P<scope>global|regions/[^/]+|zones/[^/]+)/"
                      r"(?P<kind>[a-zA-Z]+)(?:/(?P<name>[^/]+))?(?:/(?P<verb>[a-zA-Z]+))?$")
_AGGREGATED = re.compile(r"^/compute/v1/projects/(?P<project>[^/]+)/aggregated/(?P<kind>instances)$")
_IAM = re.compile(r"^/v1/projects/(?P<project>[^/:]+):getIamPolicy$")


class _Handler(BaseHTTPRequestHandler):
    store: Store  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # the fake is silent
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlparse(self.path)
        try:
            status, body = self._route(method, url.path, parse_qs(url.query), self._body())
        except (NotFound, Conflict) as exc:
            status, body = exc.status, {"error": {"code": exc.status, "message": str(exc)}}
        except (ValueError, KeyError) as exc:
            status, body = 400, {"error": {"code": 400, "message": f"invalid request: {exc}"}}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Json:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Json) -> tuple[int, Json]:
        if (iam := _IAM.match(path)) and method == "POST":
            return 200, self._iam_policy(iam["project"])
        if (aggregated := _AGGREGATED.match(path)) and method == "GET":
            self._check_project(aggregated["project"])
            return 200, self._aggregated(aggregated["kind"])
        match = _COMPUTE.match(path)
        if not match or match["kind"] not in MESSAGES and match["kind"] != "operations":
            raise NotFound(f"the fake Compute API does not serve {method} {path}")
        self._check_project(match["project"])
        collection = f"{match['scope']}/{match['kind']}"
        name, verb = match["name"], match["verb"]
        if match["kind"] == "operations":
            return 200, self._operation(collection, name or "op", "get")
        if verb == "getEffectiveFirewalls" and method == "GET":
            return 200, self._effective(name)
        if verb:
            raise NotFound(f"the fake Compute API does not serve {method} {path}")
        return self._crud(method, collection, name, query, body)

    def _crud(self, method: str, collection: str, name: str | None, query: dict[str, list[str]],
              body: Json) -> tuple[int, Json]:
        kind = collection.rsplit("/", 1)[-1]
        if method == "GET" and name is None:
            return 200, self._page(collection, query)
        if method == "GET":
            return 200, self.store.get(collection, name or "")
        if method == "POST" and name is None:
            stored = self.store.put(collection, MESSAGES[kind].from_json(json.dumps(body)))
            return 200, self._operation(collection, stored["name"], "insert")
        if method == "PATCH" and name:
            self.store.patch(collection, name, body)
            return 200, self._operation(collection, name, "patch")
        if method == "DELETE" and name:
            self.store.delete(collection, name)
            return 200, self._operation(collection, name, "delete")
        raise NotFound(f"the fake Compute API does not serve {method} {collection}")

    def _check_project(self, project: str) -> None:
        if project != self.store.project:
            raise NotFound(f"project {project} was not found (the fake serves {self.store.project})")

    def _page(self, collection: str, query: dict[str, list[str]]) -> Json:
        items = sorted(self.store.listing(collection), key=lambda i: i["name"])
        start = int(query.get("pageToken", ["0"])[0] or 0)
        size = int(query.get("maxResults", [str(DEFAULT_PAGE)])[0])
        page: Json = {"kind": "compute#list", "id": collection, "items": items[start:start + size],
                      "selfLink": self.store.link(collection)}
        if start + size < len(items):
            page["nextPageToken"] = str(start + size)
        return page

    def _aggregated(self, kind: str) -> Json:
        """`aggregated/<kind>`: every zone's items, keyed `zones/<zone>` (one page)."""
        with self.store.lock:
            scopes = {c.rsplit("/", 1)[0]: list(v.values()) for c, v in self.store.items.items()
                      if c.startswith("zones/") and c.endswith(f"/{kind}") and v}
        return {"kind": f"compute#{kind.rstrip('s')}AggregatedList", "id": f"projects/{self.store.project}",
                "items": {scope: {kind: items} for scope, items in sorted(scopes.items())},
                "selfLink": self.store.link(f"aggregated/{kind}")}

    def _effective(self, network: str | None) -> Json:
        net = self.store.get("global/networks", network or "")
        # The fake has no firewall policies: it answers with the network's VPC rules only.
        rules = [compute_v1.Firewall.from_json(json.dumps(f))
                 for f in self.store.listing("global/firewalls") if f.get("network") == net["selfLink"]]
        return to_json(compute_v1.NetworksGetEffectiveFirewallsResponse(firewalls=rules))

    def _operation(self, collection: str, name: str, verb: str) -> Json:
        scope = collection.rsplit("/", 1)[0]
        op = compute_v1.Operation(
            name=f"operation-{verb}-{name}", status=compute_v1.Operation.Status.DONE, progress=100,
            operation_type=verb, target_link=self.store.link(f"{collection}/{name}"),
            self_link=self.store.link(f"{scope}/operations/operation-{verb}-{name}"))
        return to_json(op)

    def _iam_policy(self, project: str) -> Json:
        self._check_project(project)
        with self.store.lock:
            bindings = [{"role": role, "members": sorted(members)}
                        for role, members in sorted(self.store.iam.items()) if members]
        return {"version": 1, "etag": "BwX-fake", "bindings": bindings}


class FakeServer:
    """The HTTP server in a daemon thread on 127.0.0.1 and a free port."""

    def __init__(self, store: Store):
        handler = type("Handler", (_Handler,), {"store": store})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        # serve_forever polls for shutdown every 0.5 s by default: every `with MockedCloud()` paid
        # that on exit. 50 ms keeps close() short at no measurable cost while it serves.
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fake-gcp", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
