"""The garbage-collector setting the CLI runs under: raised for the run, the caller's restored after."""

from __future__ import annotations

import gc
import sys

import pytest

from infra.gc_tuning import fewer_collections


@pytest.fixture
def default_threshold():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_fewer_collections_raises_the_young_threshold_and_restores_the_callers_setting(default_threshold):
    with fewer_collections(young=12_345):
        assert gc.get_threshold() == (12_345, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a failing verify still restores the setting")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_caller_who_collects_less_often_already_keeps_that_setting(default_threshold):
    gc.set_threshold(80_000, 10, 10)
    with fewer_collections(young=50_000):
        assert gc.get_threshold() == (80_000, 10, 10)


def test_every_cli_command_runs_under_it_and_the_process_setting_comes_back(default_threshold, monkeypatch):
    from infra import version
    from infra.cli import main

    seen = []

    def tool_version() -> str:  # runs inside the command: what the collector is set to there
        seen.append(gc.get_threshold())
        return "0.0.0"

    monkeypatch.setattr(version, "tool_version", tool_version)
    monkeypatch.setattr(sys, "argv", ["bulkhead", "--version"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert seen == [(50_000, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)
