"""Shared values of the Azure tests (a module name no other test folder uses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.model import Model
from infra.snapshot import Snapshot
from infra.verify import Report, verify
from providers.azure.observe.normalize import normalize


@dataclass
class Subscription:
    models: dict[str, Model]  # model file stem -> model
    counts: dict[str, dict[str, int]]  # model file stem -> type token -> resources registered
    snapshot: Snapshot
    state: dict[str, dict[str, Any]]


def check(model: Model, snapshot: Snapshot) -> Report:
    return verify(model, normalize(snapshot, model))
