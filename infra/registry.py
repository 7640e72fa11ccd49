"""Providers register themselves through the `bulkhead.providers` entry point group.

infra never imports a provider by name and never asks `if cloud == "aws"`: it looks the
provider up here and loads the one part it needs (plan, build, mock, collect, normalize)
lazily, so `bulkhead verify` never imports a builder.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from types import ModuleType
from typing import Literal

from infra.errors import UsageError

Part = Literal["plan", "build", "mock", "collect", "normalize", "services", "simulate"]


@dataclass(frozen=True)
class ProviderSpec:
    """Where a provider keeps each part: a module path per part (same file names per cloud)."""

    name: str
    package: str

    def module(self, part: Part) -> ModuleType:
        return importlib.import_module(f"{self.package}.{part}")


@cache
def providers() -> dict[str, ProviderSpec]:
    found: dict[str, ProviderSpec] = {}
    for ep in entry_points(group="bulkhead.providers"):
        spec = ep.load()
        if not isinstance(spec, ProviderSpec):
            raise TypeError(f"entry point {ep.name} does not name a ProviderSpec")
        found[spec.name] = spec
    return found


def provider(cloud: str) -> ProviderSpec:
    known = providers()
    if cloud not in known:
        raise UsageError(
            f"no provider for cloud '{cloud}'; installed: {', '.join(sorted(known)) or 'none'}"
        )
    return known[cloud]


def part(cloud: str, name: Part) -> ModuleType:
    return provider(cloud).module(name)
