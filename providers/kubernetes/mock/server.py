"""The loopback front of the mocked cluster: the few list endpoints the kubernetes client calls.

  GET /api/v1/<plural>                       namespaces, pods, services, replicationcontrollers
  GET /apis/<group>/<version>/<plural>       apps, batch, networking.k8s.io and custom policy kinds
Lists page as the API does (`limit`, `metadata.continue`); an unknown resource (a CRD that is
not installed) answers 404 with a Status object, as a real API server does.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from providers.kubernetes.mock.cluster import BUILT_IN, CUSTOM, Cluster, Resource


class FakeApiServer:
    """Serves a `Cluster` on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.host = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fake-k8s", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


ROUTES: dict[str, Resource] = {f"{r.prefix}/{r.plural}": r for r in (*BUILT_IN, *CUSTOM)}


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeApiServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        resource = ROUTES.get(url.path.rstrip("/"))
        cluster = self.server_state.cluster
        if resource is None or not cluster.served(resource.plural):
            self._send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                             "message": f"the server could not find the requested resource ({url.path})", "code": 404})
            return
        self._send(200, self._page(resource, parse_qs(url.query)))

    def _page(self, resource: Resource, query: dict[str, list[str]]) -> dict[str, Any]:
        items = self.server_state.cluster.items(resource.plural)
        start = int(query.get("continue", ["0"])[0] or 0)
        limit = int(query.get("limit", ["0"])[0] or 0) or len(items) or 1
        meta: dict[str, Any] = {"resourceVersion": str(self.server_state.cluster.version)}
        if start + limit < len(items):
            meta["continue"] = str(start + limit)
        return {"kind": f"{resource.kind}List", "apiVersion": resource.api_version, "metadata": meta,
                "items": items[start:start + limit]}

    def _send(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
