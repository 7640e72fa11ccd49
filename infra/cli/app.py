"""The `bulkhead` Typer application and its entry point (`infra.cli:main`).

Exit codes: 0 ok / matches intent, 1 the cloud differs from intent, 2 bad input,
3 cloud or API failure. Bad input is never a traceback: one line per problem.
"""

from __future__ import annotations

from typing import Annotated

import typer

from infra.cli.output import fail, out
from infra.errors import BulkheadError

app = typer.Typer(
    help="bulkhead: one zero-trust segmentation model -> AWS, GCP and Azure networks, then proof "
    "that only the intended paths exist.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(asked: bool) -> None:
    if asked:
        from infra.version import tool_version

        out.print(f"bulkhead {tool_version()}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print bulkhead's version and exit")] = False,
) -> None:
    """Options that come before the command."""


def main() -> None:
    try:
        app()
    except BulkheadError as exc:  # a command that forgot to catch still never shows a traceback
        fail(exc)
