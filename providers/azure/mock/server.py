"""The loopback REST front of the fake Microsoft.Network RP (what azure-mgmt-network talks to).

Routes, all under `/subscriptions/<s>/`:
  providers/Microsoft.Network/<type>                                    list in the subscription
  resourceGroups/<g>/providers/Microsoft.Network/<type>                 list in a group
  resourceGroups/<g>/providers/Microsoft.Network/<type>/<n>             GET / PUT / DELETE
  resourceGroups/<g>/providers/Microsoft.Network/<type>/<n>/<child>     list children
  resourceGroups/<g>/providers/Microsoft.Network/<type>/<n>/<child>/<c> GET / PUT / DELETE
Lists page as ARM does: `{"value": [...], "nextLink": <absolute url>}`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from providers.azure.mock.arm import NS, ArmError, FakeArm, ResourceId


class FakeArmServer:
    """Serves a `FakeArm` on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, arm: FakeArm, page_size: int = 50):
        self.arm, self.page_size = arm, page_size
        handler = type("Handler", (_Handler,), {"server_state": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fake-arm", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeArmServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # keep-alive + Nagle + delayed ACK costs 40 ms per call

    def log_message(self, format: str, *args: Any) -> None:  # the fake is quiet
        return

    def do_GET(self) -> None:
        self._serve(self._get)

    def do_PUT(self) -> None:
        self._serve(self._put)

    def do_DELETE(self) -> None:
        self._serve(self._delete)

    def _serve(self, action: Any) -> None:
        try:
            status, body = action(urlsplit(self.path))
        except ArmError as exc:
            status, body = exc.status, exc.body()
        except (ValueError, KeyError) as exc:
            status, body = 400, {"error": {"code": "BadRequest", "message": str(exc)}}
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _parts(self, path: str) -> list[str]:
        parts = path.strip("/").split("/")
        if len(parts) < 5 or parts[0].lower() != "subscriptions":
            raise ArmError(404, "NotFound", f"no route for {path}")
        if parts[1] != self.server_state.arm.subscription:
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{parts[1]}' could not be found.")
        return parts

    def _get(self, url: Any) -> tuple[int, Any]:
        parts, arm = self._parts(url.path), self.server_state.arm
        if len(parts) == 5 and parts[2].lower() == "providers" and parts[3].lower() == NS:
            return 200, self._page(url, arm.list_kind(parts[4].lower()))
        if len(parts) == 7 and parts[4].lower() == "providers" and parts[5].lower() == NS:
            return 200, self._page(url, arm.list_kind(parts[6].lower(), group=parts[3]))
        if len(parts) == 9:
            parent = ResourceId.parse("/" + "/".join(parts[:8]))
            arm.get(parent)
            return 200, self._page(url, arm.children(parent, parts[8].lower()))
        return 200, arm.get(ResourceId.parse(url.path))

    def _put(self, url: Any) -> tuple[int, Any]:
        rid, arm = ResourceId.parse(url.path), self.server_state.arm
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        existed = arm.exists(str(rid))
        return (200 if existed else 201), arm.put(rid, body)

    def _delete(self, url: Any) -> tuple[int, Any]:
        rid, arm = ResourceId.parse(url.path), self.server_state.arm
        existed = arm.exists(str(rid))
        arm.delete(rid)
        return (202 if existed else 204), None

    def _page(self, url: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
        query = parse_qs(url.query)
        start = int(query.get("$skiptoken", ["0"])[0])
        size = self.server_state.page_size
        page: dict[str, Any] = {"value": items[start:start + size]}
        if start + size < len(items):
            next_query = {k: v[0] for k, v in query.items()} | {"$skiptoken": str(start + size)}
            page["nextLink"] = f"{self.server_state.base_url}{url.path}?{urlencode(next_query)}"
        return page
