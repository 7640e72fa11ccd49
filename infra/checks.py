"""Posture checks: each kind of posture finding has a stable id, a severity and its own help.

A provider declares its checks in `providers/<cloud>/observe/checks.py` and raises a finding
through `Check.posture(...)`, so every posture finding names the check that made it. The ids
are a contract: users waive findings by id, and code scanning groups alerts by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra.reach import Posture

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class Check:
    id: str  # BH-<CLOUD>-<WHAT>, upper case; never reused for another meaning
    severity: Severity
    title: str  # what the finding says, in a few words
    why: str  # why it weakens the segmentation
    fix: str  # how to fix it

    def posture(self, resource: str, message: str, evidence: tuple[str, ...] = (),
                segment: str | None = None) -> Posture:
        return Posture(resource, message, evidence, segment, check=self.id, severity=self.severity)


def declared_checks(cloud: str | None = None) -> dict[str, Check]:
    """The posture checks of every installed provider (or of one cloud), by id.

    Read from each provider's `observe/checks.py`; a provider without posture checks has none.
    """
    import importlib

    from infra.registry import provider, providers

    found: dict[str, Check] = {}
    for name in sorted(providers()) if cloud is None else [cloud]:
        where = f"{provider(name).package}.observe.checks"
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as exc:
            # No checks module, or the provider's SDK is not installed: it declares nothing here.
            if exc.name != where and (exc.name or "").split(".")[0] in ("infra", "providers"):
                raise
            continue
        found.update((check.id, check) for check in module.CHECKS)
    return found


def cloud_of(check_id: str) -> str | None:
    """The cloud whose provider declares `check_id`, or None when no installed provider does."""
    from infra.registry import providers

    return next((cloud for cloud in sorted(providers()) if check_id in declared_checks(cloud)), None)
