"""The VPC's flow logs for `bulkhead observe`: read through boto3, read from files, or saved.

Where the logs are comes from the snapshot (FlowLogs.json of the model's VPC): a CloudWatch
Logs group, read with `filter_log_events` page by page (one log stream per interface), or an
S3 bucket, read object by object (`AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/`, text
or gzip, a header line first). Records stream through: nothing holds more than one page or
one object. Only read calls are made; every botocore failure becomes a CloudError (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import CloudError, UsageError
from infra.flows.addresses import AddressBook
from infra.flows.files import expand, lines_of, save, text_lines
from infra.flows.records import FlowRecord, Tally, Window
from infra.model import Model
from infra.registry import needs
from infra.snapshot import Snapshot
from providers.aws.observe.collect import live_source
from providers.aws.observe.flowbook import Destination, destinations, flow_book
from providers.aws.observe.flowlog_lines import fields_of, header_line, parse_lines

MARGIN = 900  # s: an event's timestamp may trail its record's start by the aggregation interval
PAGE = 10_000  # events per filter_log_events page (the API's maximum)
DAY = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")

__all__ = ["download_flow_logs", "flow_book", "flow_file_records", "flow_records", "flow_source"]


@dataclass(frozen=True)
class Chunk:
    """One page of a log stream (its messages) or one S3 object (its bytes), named as saved."""

    name: str
    fields: tuple[str, ...]
    lines: tuple[str, ...] = ()
    data: bytes | None = None


def flow_source(region: str | None = None, **_: object) -> Any:
    """A boto3 session for the live account (the same credential chain as `collect`)."""
    return live_source(region=region)


def flow_records(snapshot: Snapshot, model: Model, book: AddressBook, source: Any, window: Window,
                 tally: Tally) -> Iterator[FlowRecord]:
    for chunk in fetch(snapshot, model, source, window):
        yield from records_of(chunk, book, tally)


def flow_file_records(paths: Iterable[str | Path], snapshot: Snapshot, model: Model, book: AddressBook,
                      tally: Tally) -> Iterator[FlowRecord]:
    """Saved objects or streams: each file's header names its fields, else the flow log's format."""
    formats = {d.log_format for d in destinations(snapshot, model)}
    fields = fields_of(formats.pop() if len(formats) == 1 else None)
    for path in expand(paths):
        yield from parse_lines(text_lines(path, tally), str(path), book.capture, tally, fields)


def download_flow_logs(snapshot: Snapshot, model: Model, source: Any, window: Window, out: Path) -> list[Path]:
    """Save what `flow_records` would read, as files `observe --logs` reads back."""
    written: dict[Path, None] = {}
    for chunk in fetch(snapshot, model, source, window):
        target = out / chunk.name
        if chunk.data is not None:
            save(target, chunk.data, out)
        else:
            fresh = target not in written
            header = header_line(chunk.fields) + "\n" if fresh else ""
            text = header + "".join(f"{line.rstrip()}\n" for line in chunk.lines)
            save(target, text.encode("utf-8"), out, append=not fresh)
        written[target] = None
    return list(written)


def records_of(chunk: Chunk, book: AddressBook, tally: Tally) -> Iterator[FlowRecord]:
    lines = chunk.lines if chunk.data is None else lines_of(chunk.data, chunk.name, tally)
    return parse_lines(lines, chunk.name, book.capture, tally, chunk.fields)


def fetch(snapshot: Snapshot, model: Model, session: Any, window: Window) -> Iterator[Chunk]:
    found = destinations(snapshot, model)
    if not found:
        raise UsageError(f"the snapshot has no active flow log on the VPC of '{model.name}'; "
                         "deploy the stack (it turns flow logs on) or re-collect the snapshot")
    for destination in found:
        reader = _s3 if destination.kind == "s3" else _cloudwatch
        yield from _guarded(reader(session, destination, window), destination)


def _guarded(chunks: Iterator[Chunk], destination: Destination) -> Iterator[Chunk]:
    errors = needs("botocore.exceptions", extra="aws")
    where = f"{destination.kind} {destination.target}"
    try:
        yield from chunks
    except errors.ClientError as exc:
        error = exc.response.get("Error", {})
        raise CloudError("aws", exc.operation_name, where,
                         f"{error.get('Code', 'ClientError')}: {error.get('Message', exc)}") from None
    except errors.BotoCoreError as exc:
        raise CloudError("aws", "read flow logs", where, f"{exc.__class__.__name__}: {exc}") from None


def _cloudwatch(session: Any, destination: Destination, window: Window) -> Iterator[Chunk]:
    params: dict[str, Any] = {"logGroupName": destination.target, "limit": PAGE}
    if window.start is not None:
        params["startTime"] = max(0, window.start - MARGIN) * 1000
    if window.end is not None:
        params["endTime"] = (window.end + MARGIN) * 1000
    fields = fields_of(destination.log_format)
    for page in session.client("logs").get_paginator("filter_log_events").paginate(**params):
        by_stream: dict[str, list[str]] = {}
        for event in page.get("events", []):
            by_stream.setdefault(event.get("logStreamName", "stream"), []).append(event.get("message", ""))
        for stream, messages in sorted(by_stream.items()):
            yield Chunk(f"{destination.target.strip('/')}/{stream}.log", fields, tuple(messages))


def _s3(session: Any, destination: Destination, window: Window) -> Iterator[Chunk]:
    bucket, _, prefix = destination.target.partition("/")
    s3 = session.client("s3")
    fields = fields_of(destination.log_format)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.endswith((".log", ".log.gz")) and _day_overlaps(key, window):
                body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                yield Chunk(f"{bucket}/{key}", fields, data=body)


def _day_overlaps(key: str, window: Window) -> bool:
    """Skip objects of days outside the window (AWS writes them under YYYY/MM/DD/)."""
    from datetime import UTC, datetime

    match = DAY.search(key)
    if not match:
        return True
    year, month, day = map(int, match.groups())
    start = int(datetime(year, month, day, tzinfo=UTC).timestamp())
    return window.holds(start - MARGIN, start + 86400 + MARGIN)
