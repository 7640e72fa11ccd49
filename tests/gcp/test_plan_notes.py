"""`bulkhead plan --cloud gcp` says whether every firewall rule logs: observe sees denied attempts only then."""

from __future__ import annotations

from dataclasses import replace

from typer.testing import CliRunner

from infra.cli import app
from infra.load import load_model
from infra.plan import make_plan
from providers.gcp.build import plan as gcp_plan
from tests.flows.sample import MODEL


def test_the_plan_says_every_rule_logs_when_the_builder_logs_them_all():
    cloud_plan = make_plan(load_model(MODEL).model).cloud("gcp")
    rules = gcp_plan.rule_plan(cloud_plan).firewalls
    assert all(r.logged for r in rules)
    assert gcp_plan.plan_notes(cloud_plan) == [
        f"firewall logging: all {len(rules)} rules log ({sum(r.action == 'deny' for r in rules)} deny rules), "
        "so `bulkhead observe` sees denied attempts"]


def test_the_plan_warns_naming_a_rule_that_does_not_log(monkeypatch):
    cloud_plan = make_plan(load_model(MODEL).model).cloud("gcp")
    real = gcp_plan.rule_plan(cloud_plan)
    silent = replace(real, firewalls=tuple(replace(r, logged=r.action != "deny" or "deny-all-in" not in r.name)
                                           for r in real.firewalls))
    monkeypatch.setattr(gcp_plan, "rule_plan", lambda _: silent)
    [note] = gcp_plan.plan_notes(cloud_plan)
    assert note.startswith("warning: 1 firewall rule(s) do not log (observed-deny-all-in)")


def test_the_plan_command_prints_the_note_for_gcp_only():
    gcp = CliRunner().invoke(app, ["plan", str(MODEL), "--cloud", "gcp"])
    aws = CliRunner().invoke(app, ["plan", str(MODEL), "--cloud", "aws"])
    assert gcp.exit_code == 0 and "firewall logging: all" in gcp.stdout
    assert aws.exit_code == 0 and "firewall logging" not in aws.stdout
