"""The `bulkhead` command. The only package that prints or exits.

`app.py` holds the Typer application; each `*_commands.py` module registers one family of
commands on it; `output.py` owns stdout/stderr; `options.py` the shared arguments.
"""

from infra.cli import cloud_commands, model_commands, observe_commands  # noqa: F401, E402  (registers the commands)
from infra.cli.app import app, main

__all__ = ["app", "main"]
