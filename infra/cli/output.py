"""Where the CLI writes: stdout for results, stderr for problems and progress; how a BulkheadError ends a run.

- Results go to `out`. When stdout is not a terminal (a pipe, a file, CI logs) tables are laid
  out at their full width: nothing is cut with `…` or folded because some terminal is 80
  columns wide. Machine formats (`--format json|sarif`, graphs) bypass rich: `write_document`.
- `-q/--quiet` and `-v/--verbose` (on every command, see infra/cli/app.py) set `level`:
  `info` lines (what a command did) are dropped by -q; `detail` lines (what it is doing, to
  stderr) appear only with -v; `progress(...)` shows a rich spinner on stderr when stderr is a
  terminal, and nothing otherwise. Errors are always printed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions, RenderableType

from infra.errors import BulkheadError, Diagnostic, ModelError

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


out = _Console(soft_wrap=True)
err = _Console(stderr=True, soft_wrap=True)
level = Level.normal


def set_level(new: Level) -> None:
    global level
    level = new


def write_document(text: str) -> None:
    """A machine-readable result (JSON, SARIF, Mermaid, DOT): the bytes as they are, no styling."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


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
        with err.status(what):
            yield
    else:
        yield
    detail(f"{what}: {time.perf_counter() - started:.1f} s")


def fail(error: BulkheadError) -> NoReturn:
    if isinstance(error, ModelError):
        for diagnostic in error.diagnostics:
            err.print(str(diagnostic), markup=False, highlight=False)
        err.print(f"{len(error.diagnostics)} problem(s) found; nothing was changed.",
                  markup=False, highlight=False)
    else:
        err.print(f"error: {error}", markup=False, highlight=False)
    raise typer.Exit(error.exit_code)
