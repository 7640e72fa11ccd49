"""GCP flow logs for `bulkhead observe`: Cloud Logging entries read through google-cloud-logging,
read from files, or saved.

One `entries.list` query over the project's VPC Flow Logs and Firewall Rules Logging, bounded
by the window, paged by the client (1,000 entries a page) and streamed: nothing holds more
than a page. Files hold the same entries: a JSON array (`gcloud logging read --format=json`)
or one entry per line (what `bulkhead simulate --traffic-out` saves).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import CloudError, UsageError
from infra.flows.addresses import AddressBook
from infra.flows.files import expand, read_bytes, save
from infra.flows.records import FlowRecord, Tally, Window
from infra.model import Model
from infra.registry import needs
from infra.shapes import MAX_DEPTH, too_deep
from infra.snapshot import Snapshot
from providers.gcp.observe.flowbook import flow_book
from providers.gcp.observe.flowlog_entries import LOGS, NotJson, parse_entries, parse_numbered, rfc3339

PAGE = 1000

__all__ = ["download_flow_logs", "flow_book", "flow_file_records", "flow_records", "flow_source"]


@dataclass(frozen=True)
class LogSource:
    """Where Cloud Logging is: a project; `endpoint` None means Google's API (the fake sets one)."""

    project: str
    endpoint: str | None = None
    anonymous: bool = False


def flow_source(project: str | None = None, **_: object) -> LogSource:
    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("CLOUDSDK_CORE_PROJECT")
    if not project:
        raise UsageError("gcp: name the project whose logs to read: --project, the model's clouds.gcp.project, "
                         "or GOOGLE_CLOUD_PROJECT")
    return LogSource(project)


def log_filter(project: str, window: Window) -> str:
    names = " OR ".join(f'"projects/{project}/logs/{log}"' for log in LOGS)
    bounds = ([f'timestamp>="{rfc3339(window.start)}"'] if window.start is not None else []) + (
        [f'timestamp<="{rfc3339(window.end)}"'] if window.end is not None else [])
    return " AND ".join([f"logName=({names})", *bounds])


def flow_records(snapshot: Snapshot, model: Model, book: AddressBook, source: LogSource, window: Window,
                 tally: Tally) -> Iterator[FlowRecord]:
    number = 1
    for name, entries in fetch(source, window):
        yield from parse_entries(entries, name, tally, number)
        number += len(entries)


def flow_file_records(paths: Iterable[str | Path], snapshot: Snapshot, model: Model, book: AddressBook,
                      tally: Tally) -> Iterator[FlowRecord]:
    for path in expand(paths):
        data = read_bytes(path, tally)
        if data is not None:
            yield from parse_numbered(_entries(data, str(path), tally), str(path), tally)


def download_flow_logs(snapshot: Snapshot, model: Model, source: LogSource, window: Window, out: Path) -> list[Path]:
    written = []
    for index, (_, entries) in enumerate(fetch(source, window)):
        target = out / source.project / f"entries-{index:05d}.json"
        save(target, "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries).encode("utf-8"), out)
        written.append(target)
    return written


def fetch(source: LogSource, window: Window) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Pages of entries (as the API's JSON), named for the examples in the report."""
    logging = needs("google.cloud.logging", extra="gcp")
    errors = needs("google.api_core.exceptions", extra="gcp")
    auth = needs("google.auth.exceptions", extra="gcp")
    what = f"projects/{source.project}"
    try:
        client = logging.Client(project=source.project, credentials=_credentials(source), _use_grpc=False,
                                client_options={"api_endpoint": source.endpoint} if source.endpoint else None)
        page: list[dict[str, Any]] = []
        for entry in client.list_entries(resource_names=[what], filter_=log_filter(source.project, window),
                                         order_by="timestamp asc", page_size=PAGE):
            page.append(entry.to_api_repr())
            if len(page) == PAGE:
                yield f"{what}/entries", page
                page = []
        if page:
            yield f"{what}/entries", page
    except (errors.GoogleAPIError, auth.GoogleAuthError) as exc:
        raise CloudError("gcp", "list log entries", what, str(exc).splitlines()[0]) from None


def _credentials(source: LogSource) -> Any:
    if source.anonymous:
        return needs("google.auth.credentials", extra="gcp").AnonymousCredentials()
    default = needs("google.auth", extra="gcp").default
    credentials, _ = default(scopes=["https://www.googleapis.com/auth/logging.read"])
    return credentials


def _entries(data: bytes, name: str, tally: Tally) -> Iterator[tuple[int, Any]]:
    """(line, entry): each entry of a JSON array at the line it begins on, or the entry on line n of a
    JSON-lines file. A broken array is one bad record at its line and none of its entries are read."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if text.lstrip(" \t\r\n").startswith("["):
        try:
            entries = _array(text)
        except json.JSONDecodeError as exc:
            tally.bad_record(name, exc.lineno, f"not a JSON array of log entries ({exc.msg})")
            return
        except _TooDeep as exc:
            tally.bad_record(name, exc.line, f"not a JSON array of log entries ({DEEP})")
            return
        for number, entry in entries:
            yield number, NotJson(f"not a log entry ({DEEP})") if too_deep(entry) else entry
        return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, NotJson(f"not a JSON log entry ({exc.msg})")
            except RecursionError:  # deeper than the parser goes, so far deeper than the limit
                yield number, NotJson(f"not a JSON log entry ({DEEP})")
            else:
                yield number, NotJson(f"not a JSON log entry ({DEEP})") if too_deep(entry) else entry


DEEP = f"the JSON nests deeper than {MAX_DEPTH} levels"
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace


def _skip(text: str, at: int) -> int:
    """The first position from `at` on that is not JSON whitespace."""
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]  # `*` matches everywhere


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


def _array(text: str) -> list[tuple[int, Any]]:
    """The items of the JSON array `text` with the line each begins on (JSONDecodeError as `json.loads`)."""
    decoder, items = json.JSONDecoder(), list[tuple[int, Any]]()
    at = _skip(text, _skip(text, 0) + 1)  # past "[" and the space after it
    line, counted = 1, 0
    while not (text.startswith("]", at) and not items):
        line, counted = line + text.count("\n", counted, at), at
        try:
            item, at = decoder.raw_decode(text, at)
        except RecursionError:  # deeper than the parser goes, so far deeper than the limit
            raise _TooDeep(line) from None
        items.append((line, item))
        at = _skip(text, at)
        if text.startswith("]", at):
            break
        if not text.startswith(",", at):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip(text, at + 1)
    end = _skip(text, at + 1)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return items
