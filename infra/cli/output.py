"""Where the CLI writes: stdout for results (or `--output FILE`), stderr for problems; and how a
BulkheadError ends a run (after leaving a SARIF log that says so, when SARIF was asked for)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console, RenderableType

from infra.errors import BulkheadError, ModelError, SnapshotError, UsageError

if TYPE_CHECKING:
    from infra.sarif import Run

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
FILE_WIDTH = 140  # tables written to a file: wide enough for evidence ids, no terminal to ask


def fail(error: BulkheadError) -> NoReturn:
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


def warn(line: str) -> None:
    """A notice that does not change the exit code (an expired waiver, posture that only warns)."""
    err.print(line, markup=False, highlight=False)


def write_report(content: str, output: Path | None) -> None:
    """The rendered report to stdout, or to `output` (`--output FILE`, parent folders created)."""
    if output is None:
        sys.stdout.write(content)
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
    plain = Console(file=buffer, width=FILE_WIDTH, color_system=None, soft_wrap=True)
    for renderable in renderables:
        plain.print(renderable)
    write_report(buffer.getvalue(), output)


def fail_leaving_sarif(error: BulkheadError, run: Run | None, output: Path | None,
                       root: Path | None = None) -> NoReturn:
    """End the run on `error`. With SARIF asked for (`run` given), first write a log saying the run
    failed (`executionSuccessful: false`, the error as notifications), so a CI step that uploads
    the file finds a valid one."""
    if run is not None:
        from infra.sarif import failed_log

        diagnostics = error.diagnostics if isinstance(error, ModelError) else ()
        try:
            write_json(failed_log(run, str(error), diagnostics, error.exit_code, root), output)
        except UsageError as unwritable:
            warn(f"error: {unwritable}")
    fail(error)
