"""Where the CLI writes: stdout (or `--output FILE`) for results, stderr for problems and progress;
how a BulkheadError ends a run (after leaving a SARIF log that says so, when SARIF was asked for).

- Results go to `out`. When stdout is not a terminal (a pipe, a file, CI logs) tables are laid
  out at their full width: nothing is cut with `…` or folded because some terminal is 80
  columns wide. Machine formats (`--format json|sarif`, graphs) bypass rich: `write_document`.
- `-q/--quiet` and `-v/--verbose` (on every command, see infra/cli/app.py) set `level`:
  `info` lines (what a command did) are dropped by -q; `detail` lines (what it is doing, to
  stderr) appear only with -v; `progress(...)` shows a rich spinner on stderr when stderr is a
  terminal, and nothing otherwise. Errors are always printed.
- stdout that cannot take the results (a full disk, `> /dev/full`) is bad output like an
  unwritable `--output`: `StdoutUnwritable`, one `error:` line and exit 2. A reader that went
  away (`| head -1`) is not an error: the rest is dropped quietly, as rich does.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions, RenderableType
from rich.text import Text

from infra.errors import BulkheadError, Diagnostic, ModelError, SnapshotError, UsageError

if TYPE_CHECKING:
    from infra.sarif import Run

# Wide enough for any table bulkhead draws; a pipe has no width of its own.
PIPE_WIDTH = 100_000


class Level(IntEnum):
    quiet = -1
    normal = 0
    verbose = 1


class _Console(Console):
    """A console whose width is the terminal's, or unlimited when its stream is not a terminal.

    Decided at each print, from the stream itself (not `is_terminal`, which FORCE_COLOR turns
    on), so CliRunner, pipes and redirections all get full tables.
    """

    @property
    def size(self) -> ConsoleDimensions:
        if not _isatty(self.file):
            return ConsoleDimensions(PIPE_WIDTH, super().size.height)
        return super().size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class StdoutUnwritable(UsageError):
    """stdout refused the results (ENOSPC, EIO): bad output, exit 2, as an unwritable --output is."""


def silence_stdout() -> None:
    """Point stdout's descriptor at /dev/null, so that what is still buffered cannot fail again at exit
    (Python's own last flush would print `Exception ignored` and exit 120)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # a captured stdout (tests) has no descriptor
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@contextmanager
def _stdout_guard() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise  # the reader went away: rich and main() end quietly
    except OSError as exc:
        raise StdoutUnwritable(f"cannot write the results to stdout ({exc.strerror or exc}); "
                               "redirect it somewhere with room, or use --output FILE where offered") from None


class GuardedStdout:
    """A stdout whose failed write is raised as StdoutUnwritable: `stream`, or else sys.stdout as it is at
    each call (CliRunner swaps it). main() puts one around the real stdout, for click's own output (--help)."""

    def __init__(self, stream: Any = None):
        self._stream = stream

    @property
    def _target(self) -> Any:
        return self._stream if self._stream is not None else sys.stdout

    def write(self, text: str) -> int:
        with _stdout_guard():
            return int(self._target.write(text))

    def flush(self) -> None:
        with _stdout_guard():
            self._target.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno...: rich and click ask the stream itself
        return getattr(self._target, name)


stdout = GuardedStdout()


def flush_stdout() -> None:
    """Push out what is still buffered, where a failure can still be reported (not at interpreter exit)."""
    stdout.flush()


# Everything printed is text, never Rich markup or emoji codes: table cells and titles hold names,
# descriptions, waiver reasons and ids from models and cloud state, where "[/x]" would crash a
# table and "[bold]" or ":fire:" would change what is shown. Style comes from Text(..., style) only,
# so this is the one place that decides it (tables built elsewhere hold plain str cells).
out = _Console(file=stdout, soft_wrap=True, markup=False, emoji=False)  # type: ignore[arg-type]
err = _Console(stderr=True, soft_wrap=True, markup=False, emoji=False)
level = Level.normal


def set_level(new: Level) -> None:
    global level
    level = new


def write_document(text: str, output: Path | None = None) -> None:
    """A machine-readable result (JSON, SARIF, Mermaid, DOT): the bytes as they are, no styling."""
    write_report(text if text.endswith("\n") else text + "\n", output)


def info(what: RenderableType) -> None:
    """What a command did (`validate`'s ok line, `simulate`'s resource counts): dropped by -q."""
    if level > Level.quiet:
        out.print(what, markup=False, highlight=False)


def detail(text: str) -> None:
    """What a command is doing, on stderr: only with -v."""
    if level >= Level.verbose:
        err.print(text, markup=False, highlight=False)


def warn(diagnostics: list[Diagnostic]) -> None:
    """Located warnings on stderr, one line each (dropped by -q)."""
    if level > Level.quiet:
        for diagnostic in diagnostics:
            err.print(str(diagnostic), markup=False, highlight=False)


@contextmanager
def progress(what: str) -> Iterator[None]:
    """A spinner on stderr while `what` runs, only when stderr is a terminal; -v adds a timed line."""
    started = time.perf_counter()
    if level > Level.quiet and _isatty(sys.stderr):
        with err.status(Text(what)):  # a spinner reads a str as markup whatever the console says
            yield
    else:
        yield
    detail(f"{what}: {time.perf_counter() - started:.1f} s")


def fail(error: BulkheadError) -> NoReturn:
    if isinstance(error, StdoutUnwritable):
        silence_stdout()  # said once, here; not again by the flush at exit
    if isinstance(error, ModelError):
        for diagnostic in error.diagnostics:
            err.print(str(diagnostic), markup=False, highlight=False)
        err.print(f"{len(error.diagnostics)} problem(s) found; nothing was changed.",
                  markup=False, highlight=False)
    elif isinstance(error, SnapshotError):
        for problem in error.problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"{len(error.problems)} problem(s) found in the snapshot; nothing was read from it.",
                  markup=False, highlight=False)
    else:
        err.print(f"error: {error}", markup=False, highlight=False)
    raise typer.Exit(error.exit_code)


def notice(line: str) -> None:
    """A notice that does not change the exit code (an expired waiver, posture that only warns)."""
    if level > Level.quiet:
        err.print(line, markup=False, highlight=False)


def write_report(content: str, output: Path | None) -> None:
    """The rendered report to stdout, or to `output` (`--output FILE`, parent folders created)."""
    if output is None:
        stdout.write(content)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot write it ({exc.strerror or exc}); pick a writable path") from None


def write_json(document: Any, output: Path | None) -> None:
    write_report(json.dumps(document, indent=2) + "\n", output)


def show(renderables: Iterable[RenderableType], output: Path | None) -> None:
    """Tables to the terminal, or as plain text (no colour codes) to `output`."""
    if output is None:
        for renderable in renderables:
            out.print(renderable)
        return
    buffer = io.StringIO()
    plain = Console(file=buffer, width=PIPE_WIDTH, color_system=None, soft_wrap=True,
                    markup=False, emoji=False)  # text, as `out` prints it
    for renderable in renderables:
        plain.print(renderable)
    write_report(buffer.getvalue(), output)


def fail_leaving_sarif(error: BulkheadError, run: Run | None, output: Path | None,
                       root: Path | None = None) -> NoReturn:
    """End the run on `error`. With SARIF asked for (`run` given), first write a log saying the run
    failed (`executionSuccessful: false`, the error as notifications), so a CI step that uploads
    the file finds a valid one."""
    if run is not None and not isinstance(error, StdoutUnwritable):  # the log would go where nothing can
        from infra.sarif import failed_log

        diagnostics = error.diagnostics if isinstance(error, ModelError) else ()
        try:
            write_json(failed_log(run, str(error), diagnostics, error.exit_code, root), output)
        except UsageError as unwritable:
            err.print(f"error: {unwritable}", markup=False, highlight=False)
    fail(error)
