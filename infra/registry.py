"""Providers register themselves through the `bulkhead.providers` entry point group.

infra never imports a provider by name and never asks `if cloud == "aws"`: it looks the
provider up here and loads the one pipeline it needs lazily: `build` (rule plan and Pulumi
component), `observe` (collect and normalize) or `mock` (the mocked cloud). `bulkhead
verify` therefore never imports a builder, and `validate` never imports Pulumi.

A pipeline whose third-party packages are not installed (an extra left out at install time)
is refused with the extra to install, never an ImportError.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, Literal

from infra.errors import UsageError

Part = Literal["build", "observe", "mock"]
OWN_PACKAGES = ("infra", "providers")


@dataclass(frozen=True)
class ProviderSpec:
    """Where a provider lives: `<package>.build`, `<package>.observe`, `<package>.mock`."""

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


def needs(module: str, extra: str) -> ModuleType:
    """Import the third-party package a command needs, or refuse naming the extra that installs it.

    Providers import their cloud SDKs through this at the moment of use, so a module that only
    sometimes needs an SDK (collect.py: live reads yes, snapshots no) loads without it.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = (exc.name or module).split(".")[0]
        raise UsageError(f"this needs the Python package '{missing}', which is not installed; "
                         f"install it with: pip install 'bulkhead[{extra}]'") from None


def lazy_exports(package: str, exports: Mapping[str, str], extra: str) -> Callable[[str], Any]:
    """A module `__getattr__` (PEP 562) that imports `exports[name]` (a submodule) on first use.

    A sub-package re-exports its public functions this way so that importing one of its
    modules (the pure rule plan, say) never drags in the others' SDKs. A missing third-party
    package becomes a UsageError naming the extra that installs it. An exported name must not
    also be a module of the package: importing that module would put the module in its place.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        try:
            module = importlib.import_module(f"{package}.{exports[name]}")
        except ModuleNotFoundError as exc:
            missing = (exc.name or "").split(".")[0]
            if not missing or missing in OWN_PACKAGES:
                raise
            raise UsageError(f"{package} needs the Python package '{missing}', which is not installed; "
                             f"install it with: pip install 'bulkhead[{extra}]'") from None
        return getattr(module, name)

    return __getattr__
