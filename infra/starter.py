"""What `bulkhead init` writes: a starter model and one ready Pulumi project per cloud.

The starter model is the packaged `examples/starter.yaml` (package data `infra/examples`),
cut down to the chosen clouds with its comments kept. Each project is the same template the
repository's `stacks/<cloud>/` are made from (infra/stack_template.py), pointing at the
starter model and at a virtualenv of its own that `pulumi install` fills from
`requirements.txt` (`bulkhead[<cloud>]`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib.resources import files
from pathlib import PurePosixPath

from ruamel.yaml import YAML

from infra.errors import UsageError
from infra.load import parse_model
from infra.stack_template import Project, StackSetting, render_project

MODEL_FILE = "segments.yaml"
STARTER = "starter.yaml"


def packaged_example(name: str) -> str:
    """The text of a packaged example model (the repository's examples/ folder)."""
    resource = files("infra") / "examples" / name
    if not resource.is_file():
        raise UsageError(f"no packaged example '{name}'; this installation of bulkhead is incomplete")
    return resource.read_text(encoding="utf-8")


def starter_clouds() -> tuple[str, ...]:
    """The clouds the starter model has settings for, in its order."""
    return tuple(YAML(typ="rt").load(packaged_example(STARTER))["clouds"])


def starter_model(clouds: Sequence[str]) -> str:
    """The starter model declaring exactly `clouds`, everything else (comments, layout) as written.

    Each cloud of the starter is one line under `clouds:`; the lines of the clouds not chosen
    are dropped from the text, so nothing is re-serialised.
    """
    text = packaged_example(STARTER)
    declared = YAML(typ="rt").load(text)["clouds"]
    unknown = [c for c in clouds if c not in declared]
    if unknown:
        raise UsageError(f"the starter model has no settings for {', '.join(unknown)}; "
                         f"it offers {', '.join(declared)}")
    dropped = {declared.lc.key(c)[0] for c in declared if c not in clouds}
    return "".join(line for number, line in enumerate(text.splitlines(keepends=True)) if number not in dropped)


SettingsOf = Callable[[str], tuple[Sequence[StackSetting], Callable[[Mapping[str, object]], dict[str, str]]]]


def init_files(clouds: Sequence[str], settings_of: SettingsOf) -> dict[str, str]:
    """Relative path -> text of everything `bulkhead init` writes.

    `settings_of(cloud)` gives the cloud's declared stack settings and the provider values a
    project carries for a model (from the provider's build/settings.py, through the registry).
    """
    text = starter_model(clouds)
    model = parse_model(text, MODEL_FILE).model  # the starter must be valid for every cloud it keeps
    written = {MODEL_FILE: text}
    for cloud in clouds:
        settings, provider_values = settings_of(cloud)
        project = Project(cloud=cloud, name=f"{model.name}-{cloud}", model=f"../{MODEL_FILE}", virtualenv="venv",
                          provider_values=provider_values(getattr(model.clouds, cloud).model_dump()))
        for name, content in render_project(project, settings).items():
            written[str(PurePosixPath(cloud) / name)] = content
    return written
