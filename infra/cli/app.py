"""The `bulkhead` Typer application and its entry point (`infra.cli:main`).

Exit codes: 0 ok / matches intent, 1 the cloud differs from intent, 2 bad input,
3 cloud or API failure. Bad input is never a traceback: one line per problem.

Every command registered with `@app.command(...)`, including ones added later in their own
`*_commands.py`, gets without a line of its own:
- `-q/--quiet` and `-v/--verbose` (infra/cli/output.py says what they change: use its `info`,
  `detail`, `warn` and `progress` instead of printing directly, and they just work);
- an epilog that click never re-wraps, so `epilog="Example: bulkhead ..."` stays on one line
  whatever the terminal width.
`_App.command` adds both; a command that declares its own `quiet`/`verbose` is left alone.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar, get_type_hints

import typer

from infra.cli import output
from infra.cli.output import fail
from infra.errors import BulkheadError

NO_REWRAP = "\b"  # click's marker: the paragraph after it is printed as written
Command = TypeVar("Command", bound=Callable[..., Any])

Quiet = Annotated[bool, typer.Option("-q", "--quiet", show_default=False,
                                     help="print only results and errors (no progress, summaries or warnings)")]
Verbose = Annotated[bool, typer.Option("-v", "--verbose", show_default=False,
                                       help="also say on stderr what is being done and how long it took")]


def with_verbosity(command: Command) -> Command:
    """`command` with `-q/--quiet` and `-v/--verbose` appended; they set output.level, then it runs."""
    signature = inspect.signature(command, eval_str=True)
    if {"quiet", "verbose"} & set(signature.parameters):
        return command

    @functools.wraps(command)
    def run(*args: Any, quiet: bool = False, verbose: bool = False, **kwargs: Any) -> Any:
        if quiet and verbose:
            raise typer.BadParameter("-q/--quiet and -v/--verbose contradict each other; pass one")
        output.set_level(output.Level.quiet if quiet else output.Level.verbose if verbose else output.Level.normal)
        return command(*args, **kwargs)

    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=kind)
             for name, kind in (("quiet", Quiet), ("verbose", Verbose))]
    run.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])  # type: ignore[attr-defined]
    run.__annotations__ = {**get_type_hints(command, include_extras=True), "quiet": Quiet, "verbose": Verbose}
    return run  # type: ignore[return-value]


class _App(typer.Typer):
    def command(self, name: str | None = None, *, epilog: str | None = None,  # type: ignore[override]
                **settings: Any) -> Callable[[Command], Command]:
        if epilog and not epilog.startswith(NO_REWRAP):
            epilog = f"{NO_REWRAP}\n{epilog}"
        register = super().command(name, epilog=epilog, **settings)

        def decorator(command: Command) -> Command:
            register(with_verbosity(command))
            return command  # the module keeps the plain function

        return decorator


app = _App(
    help="bulkhead: one zero-trust segmentation model -> AWS, GCP and Azure networks and Kubernetes "
    "NetworkPolicies, then proof that only the intended paths exist.",
    no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(asked: bool) -> None:
    if asked:
        from infra.version import tool_version

        output.out.print(f"bulkhead {tool_version()}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print bulkhead's version and exit")] = False,
) -> None:
    """Options that come before the command."""


def main() -> None:
    from infra.gc_tuning import fewer_collections

    sys.stdout = output.GuardedStdout(sys.stdout)  # type: ignore[assignment]  # click writes --help here
    try:
        with fewer_collections():  # one short process that builds large heaps of small values: see the module
            try:
                app(prog_name="bulkhead")
            finally:
                output.flush_stdout()  # results still buffered: a full disk is reported here, not at exit
    except BulkheadError as exc:  # a command that forgot to catch (or stdout refused) never shows a traceback
        _exit_on(exc)
    except BrokenPipeError:  # the reader went away (`| head -1`): nothing more to say to it
        output.silence_stdout()
        sys.exit(1)


def _exit_on(error: BulkheadError) -> NoReturn:
    """`fail` outside click: its typer.Exit would not be turned into an exit status here."""
    try:
        fail(error)
    except typer.Exit as done:
        sys.exit(done.exit_code)
