"""A loopback fake of Azure Blob storage (list and download), for the mocked Azure's flow logs.

azure-storage-blob talks to it unchanged through a path-style account URL
(`http://127.0.0.1:<port>/<account>`, as for the Azurite emulator) and no credential:
`GET /<account>/<container>?restype=container&comp=list&prefix=&marker=` lists (XML made by the
SDK's own generated models and serializer, so the shape is the service's), `GET
/<account>/<container>/<blob>` downloads (honouring `x-ms-range`). Nothing else is served.
"""

from __future__ import annotations

import hashlib
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from azure.storage.blob._generated import models as generated
from azure.storage.blob._generated._utils.serialization import Serializer

PAGE = 5  # blobs per list page: small, so that every read exercises paging
_SERIALIZER = Serializer({k: v for k, v in vars(generated).items() if isinstance(v, type)})


class FakeBlobs:
    """Accounts -> containers -> blob name -> bytes, served on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.blobs: dict[tuple[str, str], dict[str, bytes]] = {}
        self.created = datetime.now(UTC)
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="fake-blobs", daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        """The account URL form for BlobSource: `http://127.0.0.1:<port>/{account}`."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/{{account}}"

    def put(self, account: str, container: str, name: str, data: bytes) -> None:
        with self.lock:
            self.blobs.setdefault((account, container), {})[name] = data

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def listing(self, account: str, container: str, query: dict[str, list[str]], base: str) -> bytes:
        with self.lock:
            names = sorted(n for n in self.blobs.get((account, container), {})
                           if n.startswith(query.get("prefix", [""])[0]))
            sizes = {n: len(self.blobs[(account, container)][n]) for n in names}
        marker = query.get("marker", [""])[0]
        start = names.index(marker) if marker in names else 0
        size = int(query.get("maxresults", [str(PAGE)])[0])
        page, rest = names[start:start + size], names[start + size:]
        items = [generated.BlobItemInternal(
            name=generated.BlobName(content=n), deleted=False, snapshot="",
            properties=generated.BlobPropertiesInternal(last_modified=self.created, etag=_etag(n),
                                                        content_length=sizes[n], blob_type="BlockBlob"))
            for n in page]
        answer = generated.ListBlobsFlatSegmentResponse(
            service_endpoint=base, container_name=container, segment=generated.BlobFlatListSegment(blob_items=items),
            next_marker=rest[0] if rest else "")
        return ET.tostring(_SERIALIZER.body(answer, "ListBlobsFlatSegmentResponse", is_xml=True))

    def data(self, account: str, container: str, name: str) -> bytes | None:
        with self.lock:
            return self.blobs.get((account, container), {}).get(name)


def _etag(name: str) -> str:
    return '"0x' + hashlib.sha256(name.encode()).hexdigest()[:16].upper() + '"'


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBlobs
    disable_nagle_algorithm = True  # else every SDK call waits ~40 ms for a delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        url = urlparse(self.path)
        parts = [unquote(p) for p in url.path.split("/", 3)[1:]]
        query = parse_qs(url.query)
        if len(parts) == 2 and query.get("comp") == ["list"]:
            if (parts[0], parts[1]) not in self.fake.blobs:
                error = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ContainerNotFound</Code>" \
                        b"<Message>The specified container does not exist.</Message></Error>"
                self._answer(404, error, {"x-ms-error-code": "ContainerNotFound", "Content-Type": "application/xml"})
                return
            base = self.fake.endpoint.format(account=parts[0])
            body = self.fake.listing(parts[0], parts[1], query, base)
            self._answer(200, body, {"Content-Type": "application/xml"})
            return
        data = self.fake.data(parts[0], parts[1], parts[2]) if len(parts) == 3 else None
        if data is None:
            self._answer(404, b"", {"x-ms-error-code": "BlobNotFound"})
            return
        self._download(parts[2], data)

    def _download(self, name: str, data: bytes) -> None:
        headers = {"Content-Type": "application/octet-stream", "x-ms-blob-type": "BlockBlob", "ETag": _etag(name),
                   "Last-Modified": format_datetime(self.fake.created, usegmt=True)}
        asked = self.headers.get("x-ms-range") or self.headers.get("Range")
        if not asked or not data:
            self._answer(200, data, headers)
            return
        first, _, last = asked.removeprefix("bytes=").partition("-")
        lo, hi = int(first), min(int(last or len(data) - 1), len(data) - 1)
        headers["Content-Range"] = f"bytes {lo}-{hi}/{len(data)}"
        self._answer(206, data[lo:hi + 1], headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in {**headers, "Content-Length": str(len(body)), "x-ms-version": "2025-01-05"}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
