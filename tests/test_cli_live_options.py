"""Live reads: --project / --subscription reach the provider's live_source; the model fills gaps."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.registry import part

EXAMPLE = Path(__file__).parent.parent / "examples" / "ai-platform.yaml"


@pytest.fixture
def captured(monkeypatch):
    """Replace live_source + collect of every provider with recorders (no network here)."""
    calls: list[tuple[str, dict]] = []
    for cloud in ("aws", "gcp", "azure"):
        collector = part(cloud, "observe")

        def live_source(cloud=cloud, **options):
            calls.append((cloud, options))
            return object()

        monkeypatch.setattr(collector, "live_source", live_source)
        monkeypatch.setattr(collector, "collect", lambda source: {"x.json": {}})
    return calls


def test_collect_passes_the_gcp_project_and_the_region_to_the_provider(captured, tmp_path):
    result = CliRunner().invoke(app, ["collect", "--cloud", "gcp", "--region", "us-central1",
                                      "--project", "acme-prod", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert captured == [("gcp", {"region": "us-central1", "project": "acme-prod"})]
    assert (tmp_path / "x.json").exists()


def test_collect_passes_the_azure_subscription(captured, tmp_path):
    result = CliRunner().invoke(app, ["collect", "--cloud", "azure", "--region", "eastus",
                                      "--subscription", "0000-1111", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert captured == [("azure", {"region": "eastus", "subscription": "0000-1111"})]


def test_verify_reads_the_gcp_project_from_the_model_when_none_is_given(captured, monkeypatch):
    monkeypatch.setattr(part("gcp", "observe"), "normalize", lambda snapshot, model: _stop())
    CliRunner().invoke(app, ["verify", str(EXAMPLE), "--cloud", "gcp", "--region", "us-central1"])
    assert captured == [("gcp", {"region": "us-central1", "project": "ai-platform-prod"})]


def test_verify_prefers_the_project_on_the_command_line(captured, monkeypatch):
    monkeypatch.setattr(part("gcp", "observe"), "normalize", lambda snapshot, model: _stop())
    CliRunner().invoke(app, ["verify", str(EXAMPLE), "--cloud", "gcp", "--region", "us-central1",
                             "--project", "staging"])
    assert captured == [("gcp", {"region": "us-central1", "project": "staging"})]


def _stop():
    from infra.errors import UsageError

    raise UsageError("stop after reading")
