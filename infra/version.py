"""The installed bulkhead's version (`bulkhead --version`, SARIF's tool.driver.version)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def tool_version() -> str:
    try:
        return version("bulkhead")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
