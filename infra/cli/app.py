"""The `bulkhead` Typer application and its entry point (`infra.cli:main`).

Exit codes: 0 ok / matches intent, 1 the cloud differs from intent, 2 bad input,
3 cloud or API failure. Bad input is never a traceback: one line per problem.
"""

from __future__ import annotations

import typer

from infra.cli.output import fail
from infra.errors import BulkheadError

app = typer.Typer(
    help="bulkhead: one zero-trust segmentation model -> AWS, GCP and Azure networks and Kubernetes "
    "NetworkPolicies, then proof that only the intended paths exist.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def main() -> None:
    try:
        app()
    except BulkheadError as exc:  # a command that forgot to catch still never shows a traceback
        fail(exc)
