"""Every GCP test model, deployed into the mocked GCP and read back, verifies exactly."""

from __future__ import annotations

import pytest

from infra.verify import intended_paths, verify
from providers.gcp.observe.normalize import normalize
from tests.gcp.conftest import Deployed, gcp_models

STEMS = sorted(gcp_models())


@pytest.mark.parametrize("stem", STEMS)
def test_a_deployed_model_matches_its_intent_with_no_findings(stem: str, deployed: dict[str, Deployed]) -> None:
    built = deployed[stem]
    report = verify(built.model, normalize(built.snapshot, built.model))
    assert [f.message for f in report.findings] == []
    assert report.matches_intent
    # every intended path was compared and observed (not vacuously: the model has paths)
    want = intended_paths(built.model, "gcp")
    assert want
    seen = {(r.src, r.dst, r.protocol) for r in report.paths if r.intended and r.observed}
    assert seen == set(want)


def test_an_observed_flow_names_both_firewall_rules_that_open_it(deployed: dict[str, Deployed]) -> None:
    built = deployed["ai-platform"]
    report = verify(built.model, normalize(built.snapshot, built.model))
    row = next(r for r in report.paths if (r.src, r.dst, r.protocol) == ("edge", "serving", "tcp"))
    assert set(row.evidence) == {"gcp:firewall/ai-platform-edge-to-serving-in",
                                 "gcp:firewall/ai-platform-edge-to-serving-out"}


def test_a_service_path_names_the_rule_the_route_the_subnet_flag_and_the_role(deployed: dict[str, Deployed]) -> None:
    built = deployed["ai-platform"]
    report = verify(built.model, normalize(built.snapshot, built.model))
    row = next(r for r in report.paths if (r.src, r.dst) == ("training", "service:ml-api"))
    assert "gcp:firewall/ai-platform-training-to-google-apis" in row.evidence
    assert "gcp:route/ai-platform-restricted-apis" in row.evidence
    assert "gcp:subnet/ai-platform-training#privateIpGoogleAccess" in row.evidence
    assert "gcp:iam/roles/aiplatform.user" in row.evidence


def test_a_snapshot_of_another_model_shows_every_intended_path_missing(deployed: dict[str, Deployed]) -> None:
    """The proof reads the cloud: verifying a model against a project that holds another one fails."""
    report = verify(deployed["gcp-mesh"].model, normalize(deployed["ai-platform"].snapshot, deployed["gcp-mesh"].model))
    kinds = {f.kind for f in report.findings}
    assert not report.matches_intent
    assert "missing-path" in kinds and "posture" in kinds
