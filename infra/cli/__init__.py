"""The `bulkhead` command. The only package that prints or exits.

`app.py` holds the Typer application; each `*_commands.py` module registers one family of
commands on it; `output.py` owns stdout/stderr; `options.py` the shared arguments.
infra/cli/README.md says how to add a command (it gets -q/-v and an unwrapped example by itself).
"""

from infra.cli import (  # noqa: F401, E402  (registers the commands)
    cloud_commands,
    diff_commands,
    init_commands,
    model_commands,
    observe_commands,
)
from infra.cli.app import app, main

__all__ = ["app", "main"]
