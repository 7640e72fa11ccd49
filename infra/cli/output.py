"""Where the CLI writes: stdout for results, stderr for problems; and how a BulkheadError ends a run."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from infra.errors import BulkheadError, ModelError, SnapshotError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


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
