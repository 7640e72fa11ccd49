"""The Pulumi project every cloud's stack is made from: `bulkhead init` writes it, `stacks/` is it.

A stack's settings are declared once, by its provider (`providers/<cloud>/build/settings.py`,
a tuple of `StackSetting`): the template turns them into typed `config:` declarations in
Pulumi.yaml, and the program reads them back with the same types and defaults through
`setting_values`, so the project file and the program cannot disagree. Settings live in the
project's own namespace (`pulumi config set model ...`), the only one Pulumi lets a project
declare types for. Provider settings (`aws:region`) can only be given a value there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from string import Template
from typing import Literal

from infra.errors import UsageError

SettingType = Literal["string", "integer", "boolean"]
Value = str | int | bool
TEMPLATE_FILES = ("Pulumi.yaml", "__main__.py", "requirements.txt")


@dataclass(frozen=True)
class StackSetting:
    """One `config:` key of a stack's project. `default` None means every stack must set it."""

    key: str
    type: SettingType
    description: str
    default: Value | None = None
    choices: tuple[str, ...] = ()

    def parse(self, raw: str) -> Value:
        """A config value as the program sees it (Pulumi passes every value as text)."""
        if self.type == "integer":
            try:
                return int(raw)
            except ValueError:
                raise UsageError(f"config {self.key} is '{raw}'; set it to a whole number") from None
        if self.type == "boolean":
            if raw.lower() not in ("true", "false"):
                raise UsageError(f"config {self.key} is '{raw}'; set it to true or false")
            return raw.lower() == "true"
        if self.choices and raw not in self.choices:
            raise UsageError(f"config {self.key} is '{raw}'; set it to {' or '.join(self.choices)}")
        return raw


MODEL = StackSetting("model", "string", "the bulkhead model to deploy (YAML), relative to this folder")


@dataclass(frozen=True)
class Project:
    """What varies between two renderings of the same cloud's template."""

    cloud: str
    name: str  # the Pulumi project name, which is also the namespace of its settings
    model: str  # the default `model` setting: a path relative to the project folder
    virtualenv: str  # relative to the project folder
    provider_values: Mapping[str, str]  # e.g. {"aws:region": "us-east-1"}, from the model


def render_project(project: Project, settings: Sequence[StackSetting]) -> dict[str, str]:
    """File name -> text of the project folder (Pulumi.yaml, __main__.py, requirements.txt)."""
    declared = [_with_model_default(s, project.model) for s in (MODEL, *settings)]
    values = {
        "cloud": project.cloud,
        "title": _title(project.cloud),
        "name": project.name,
        "virtualenv": project.virtualenv,
        "config": "\n".join([*(f"  {k}: {json.dumps(v)}" for k, v in sorted(project.provider_values.items())),
                             *(_declaration(s) for s in declared)]),
    }
    template = files("infra") / "templates" / "pulumi"
    return {name: Template((template / f"{name}.tmpl").read_text(encoding="utf-8")).substitute(values)
            for name in TEMPLATE_FILES}


def _title(cloud: str) -> str:
    """How prose names a cloud: AWS, GCP, Azure, Kubernetes."""
    return cloud.upper() if len(cloud) <= 3 else cloud.capitalize()


def _with_model_default(setting: StackSetting, model: str) -> StackSetting:
    return StackSetting(setting.key, setting.type, setting.description, model) if setting is MODEL else setting


def _declaration(setting: StackSetting) -> str:
    lines = [f"  {setting.key}:", f"    type: {setting.type}", f"    description: {json.dumps(setting.description)}"]
    if setting.default is not None:
        lines.append(f"    default: {json.dumps(setting.default)}")
    return "\n".join(lines)


def setting_values(settings: Sequence[StackSetting], get: Callable[[str], str | None]) -> dict[str, Value | None]:
    """Read the declared settings through `get` (pulumi.Config().get), typed, with their defaults.

    Unset optional strings (declared with the default "") come back as None. Every bad value is
    reported at once, before the program registers anything.
    """
    values: dict[str, Value | None] = {}
    problems: list[str] = []
    for setting in settings:
        raw = get(setting.key)
        try:
            value = setting.parse(raw) if raw is not None else setting.default
        except UsageError as exc:
            problems.append(str(exc))
            continue
        values[setting.key] = None if value == "" else value
    if problems:
        raise UsageError("; ".join(problems))
    return values
