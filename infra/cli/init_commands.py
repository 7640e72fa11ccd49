"""`bulkhead init`: a starter model and a ready Pulumi project per cloud, without this repository."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from infra.cli.app import app
from infra.cli.options import CloudChoice
from infra.cli.output import fail, info
from infra.errors import BulkheadError, UsageError


@app.command(epilog="Example: bulkhead init --cloud aws --cloud gcp platform/")
def init(
    directory: Annotated[Path, typer.Argument(help="where to write them (created if missing)", metavar="DIR",
                                              show_default=False)] = Path("."),
    cloud: Annotated[list[CloudChoice] | None, typer.Option(
        "--cloud", help="a cloud to deploy to; repeat for several (default: every one the starter model has)",
        show_default=False)] = None,
) -> None:
    """Write a starter model (segments.yaml) and one Pulumi project per cloud (<cloud>/) into DIR.

    Nothing is overwritten: if any of the files exists, nothing is written.
    """
    from infra.registry import part, providers
    from infra.starter import MODEL_FILE, init_files, starter_clouds

    installed = providers()
    clouds = list(dict.fromkeys(c.value for c in cloud)) if cloud else [c for c in starter_clouds() if c in installed]

    def settings_of(name: str):
        build = part(name, "build")
        return build.STACK_SETTINGS, build.provider_values

    try:
        files = init_files(clouds, settings_of)
        in_the_way = _in_the_way(directory, files)
        if in_the_way:
            raise UsageError(f"{'; '.join(in_the_way)}; nothing was written. "
                             "Pick an empty DIR, or move those files away")
        for name, text in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    except (BulkheadError, OSError) as exc:
        fail(exc if isinstance(exc, BulkheadError) else UsageError(f"cannot write into {directory}: {exc}"))
    info(f"{directory}: wrote {MODEL_FILE} and a Pulumi project for {', '.join(clouds)}")
    info(f"next: edit {directory / MODEL_FILE}, run `bulkhead validate {directory / MODEL_FILE}` and "
         f"`bulkhead simulate {directory / MODEL_FILE} --cloud {clouds[0]}`, then in "
         f"{directory / clouds[0]}: `pulumi stack init dev && pulumi up`")


def _in_the_way(directory: Path, files: dict[str, str]) -> list[str]:
    """What stops `files` from being written under `directory`, all of it found before anything is written.

    A file that exists is in the way (nothing is overwritten), and so is a file where a folder has to
    be: DIR itself, or `DIR/aws` when the aws project goes in there.
    """
    found: dict[Path, str] = {}
    for name in files:
        relative = Path(name)
        folders = [directory, *(directory / parent for parent in reversed(relative.parents[:-1]))]  # DIR, DIR/aws
        for folder in folders:
            if folder.exists() and not folder.is_dir():
                found[folder] = "is a file where a folder must be"
        target = directory / relative
        if target.exists() or target.is_symlink():  # a dangling symlink would be written through
            found[target] = "already exists"
    return [f"{path} {what}" for path, what in sorted(found.items())]
