"""`observe --logs PATH...`: the flow-log files to read, plain or gzip, folders walked.

The files hold what the clouds deliver (VPC Flow Logs objects from S3, Cloud Logging entries,
flow-log blobs) or what `bulkhead simulate --traffic-out` saved; each provider parses its own
format. A file that cannot be opened or decompressed is counted as a bad record (a run never
stops on one), a path that does not exist is bad input (exit 2).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from infra.errors import UsageError
from infra.flows.records import Tally

GZIP_MAGIC = b"\x1f\x8b"


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders walked recursively (sorted, hidden files skipped)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder; pass flow-log files or the folder "
                             "`bulkhead simulate --traffic-out` wrote")
    if not found:
        raise UsageError(f"{', '.join(map(str, paths))}: no files to read")
    return found


def save(target: Path, data: bytes, folder: Path, append: bool = False) -> None:
    """Write (or append to) one file of the flow logs `simulate --traffic-out` saves under `folder`.

    A folder that cannot be written (a path under a file, a full or read-only disk) is bad
    output, exit 2 with one line, as an unwritable `--output` is.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("ab" if append else "wb") as stream:
            stream.write(data)
    except OSError as exc:
        raise UsageError(f"--traffic-out {folder}: cannot write {target} ({exc.strerror or exc}); "
                         "pick a folder that can be written") from None


def read_bytes(path: Path, tally: Tally) -> bytes | None:
    """The file's content, decompressed when it is gzip; None (and a bad record) when unreadable."""
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if data[:2] == GZIP_MAGIC else data
    except (OSError, EOFError, zlib.error) as exc:
        tally.bad_record(str(path), 0, f"cannot read the file ({exc.__class__.__name__}: {exc})")
        return None


def text_lines(path: Path, tally: Tally) -> Iterator[str]:
    """The file's lines, streamed (a large gzip file is never held in memory whole)."""
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == GZIP_MAGIC
        opener = gzip.open if gzipped else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as stream:
            yield from stream
    except (OSError, EOFError, zlib.error) as exc:
        tally.bad_record(str(path), 0, f"cannot read the file ({exc.__class__.__name__}: {exc})")


def lines_of(data: bytes, name: str, tally: Tally) -> Iterator[str]:
    """Lines of an in-memory object (an S3 object, a blob), decompressed when gzip."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            tally.bad_record(name, 0, f"cannot decompress ({exc.__class__.__name__}: {exc})")
            return
    yield from io.StringIO(data.decode("utf-8", errors="replace"))
