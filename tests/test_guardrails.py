"""Guardrails (`never:`): what validate refuses, which traffic crosses one, and verify's findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import ModelError
from infra.guardrails import GuardrailIndex, crossings
from infra.load import parse_model
from infra.ports import PortSet
from infra.registry import part
from infra.snapshot import read_snapshot
from infra.verify import verify

SNAPSHOTS = Path(__file__).parent / "data" / "snapshots" / "aws"
BASE = """name: shop
clouds:
  aws: {region: us-east-1, cidr: 10.0.0.0/16}
  gcp: {region: us-central1, cidr: 10.1.0.0/16, project: shop-project}
segments:
  recommendations:
    internet: {egress: [443]}
  payments:
    clouds: [aws]
    services: [key-management]
  edge:
    internet: {ingress: [443]}
flows:
  - {from: recommendations, to: [payments, edge], ports: [8443, "udp/53"]}
"""


def problems(text: str) -> list[str]:
    try:
        parse_model(text, "m.yaml")
    except ModelError as exc:
        return [str(d) for d in exc.diagnostics]
    return []


@pytest.mark.parametrize("guardrail", [
    "{from: recommendations, to: payments}",  # every port
    "{from: recommendations, to: payments, ports: [8443]}",  # exactly the flow's port
    "{from: recommendations, to: [payments], ports: ['udp/1-100']}",  # another protocol of the flow
    "{from: recommendations, to: payments, ports: ['8000-9000', 22]}",  # a range around it
])
def test_a_flow_that_crosses_a_guardrail_is_refused_at_the_flow_naming_the_guardrail_line(guardrail: str) -> None:
    found = problems(BASE + f"never:\n  - {guardrail}\n")
    assert len(found) == 1
    assert found[0].startswith("m.yaml:14:34: flows[0].to[0]: flow recommendations -> payments allows ")
    assert "says guardrail never[0] (at m.yaml:16:5)" in found[0]


def test_one_flow_crossing_two_guardrails_is_refused_once_per_guardrail_at_each_target() -> None:
    found = problems(BASE + "never:\n  - {from: recommendations, to: edge, ports: ['udp/1-100']}\n"
                            "  - {from: recommendations, to: payments, ports: [8443]}\n")
    assert [line.split(": ")[:2] for line in found] == [["m.yaml:14:34", "flows[0].to[0]"],
                                                       ["m.yaml:14:44", "flows[0].to[1]"]]
    assert "allows tcp/8443" in found[0] and "(at m.yaml:17:5)" in found[0]
    assert "allows udp/53" in found[1] and "(at m.yaml:16:5)" in found[1]


@pytest.mark.parametrize("guardrail", [
    "{from: recommendations, to: payments, ports: [8444, 'udp/54', icmp]}",  # other ports of the same pair
    "{from: payments, to: recommendations}",  # the other direction
    "{from: edge, to: payments}",  # another pair
    "{from: recommendations, to: service:key-management}",  # a service it does not use
])
def test_a_guardrail_the_model_keeps_is_accepted(guardrail: str) -> None:
    assert problems(BASE + f"never:\n  - {guardrail}\n") == []


def test_internet_ports_and_services_that_cross_a_guardrail_are_refused_where_they_are_written() -> None:
    found = problems(BASE + "never:\n"
                            "  - {from: recommendations, to: internet, ports: [443]}\n"
                            "  - {from: internet, to: edge}\n"
                            "  - {from: payments, to: [service:key-management]}\n")
    assert [line.split(": ")[0:2] for line in found] == [
        ["m.yaml:7:24", "segments.recommendations.internet.egress"],
        ["m.yaml:10:16", "segments.payments.services[0]"],
        ["m.yaml:12:25", "segments.edge.internet.ingress"]]
    assert "(at m.yaml:16:5)" in found[0] and "(at m.yaml:18:5)" in found[1] and "(at m.yaml:17:5)" in found[2]


def test_validate_names_both_lines_and_exits_2() -> None:
    bad = Path(__file__).parent / "data" / "bad" / "guardrail-crossed-by-flow.yaml"
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{bad}:9:5: flows[0]: ") and f"(at {bad}:11:5)" in first


def test_a_guardrail_of_a_model_that_fails_elsewhere_is_still_checked_in_the_same_run() -> None:
    text = BASE.replace("  edge:\n", "  edge:\n    descripton: typo\n") + \
        "never:\n  - {from: recommendations, to: payments}\n"
    found = problems(text)
    assert any("unknown key 'descripton'" in line for line in found)
    assert any("says guardrail never[0]" in line for line in found)


RAILS = """name: shop
clouds:
  aws: {region: us-east-1, cidr: 10.0.0.0/16}
segments:
  a: {}
  b: {}
never:
  - {from: a, to: [b, internet], ports: [22, "8000-8100", "udp/53"]}
  - {from: a, to: b, description: no access at all}
  - {from: internet, to: b, ports: [icmp]}
"""


@settings(max_examples=40, derandomize=True, deadline=None)
@given(lo=st.integers(0, 65535), width=st.integers(0, 2000))
def test_the_crossed_ports_are_exactly_the_traffic_within_what_the_guardrail_forbids(lo: int, width: int) -> None:
    model = parse_model(RAILS).model
    traffic = PortSet.single(lo, min(lo + width, 65535))
    forbidden = PortSet.of([(22, 22), (8000, 8100)])
    to_internet = crossings(model, "a", "internet", "tcp", traffic)
    assert PortSet.of(r for c in to_internet for r in c.ports) == traffic & forbidden
    assert all(c.rail.name == "never[0]" for c in to_internet)
    to_b = crossings(model, "a", "b", "tcp", traffic)  # the second guardrail forbids every port
    assert {c.rail.name for c in to_b} == ({"never[0]", "never[1]"} if traffic & forbidden else {"never[1]"})
    assert crossings(model, "b", "a", "tcp", traffic) == ()  # guardrails have a direction
    udp = crossings(model, "a", "internet", "udp", traffic)
    assert [c.ports for c in udp] == ([PortSet.single(53)] if 53 in traffic else [])


def test_the_index_answers_by_pair_protocol_and_port_and_every_port_when_none_are_given() -> None:
    index = GuardrailIndex.of(parse_model(RAILS).model)
    assert bool(index)
    assert [c.ports for c in index.crossings("internet", "b", "icmp")] == [PortSet.full("icmp")]
    assert index.crossings("internet", "b", "tcp", PortSet.single(443)) == ()
    assert [c.ports for c in index.crossings("a", "internet", "udp")] == [PortSet.single(53)]
    assert index.crossings("a", "service:logging", "tcp") == ()
    assert not GuardrailIndex.of(parse_model(BASE).model)


GOTCHA = (SNAPSHOTS / "01-egress-default-kept" / "model.yaml").read_text()  # web and db, web -> db 5432


def verify_snapshot(text: str, case: str):
    model = parse_model(text).model
    return verify(model, part("aws", "observe").normalize(read_snapshot(SNAPSHOTS / case), model))


def test_observed_traffic_across_a_guardrail_is_a_guardrail_finding_listed_first_and_not_also_unintended() -> None:
    guarded = GOTCHA + "never:\n  - {from: db, to: internet, ports: [443, 'udp/53']}\n"
    report = verify_snapshot(guarded, "01-egress-default-kept")
    kinds = [f.kind for f in report.findings]
    assert kinds[:2] == ["guardrail", "guardrail"] and "guardrail" not in kinds[2:]
    crossed = {(f.protocol, f.ports) for f in report.findings if f.kind == "guardrail"}
    assert crossed == {("tcp", PortSet.single(443)), ("udp", PortSet.single(53))}
    rest = {f.protocol: f.ports for f in report.findings
            if f.kind == "unintended-path" and (f.src, f.dst) == ("db", "internet")}
    assert rest["tcp"] == PortSet.full("tcp") - PortSet.single(443)  # each port is reported once
    assert rest["udp"] == PortSet.full("udp") - PortSet.single(53)
    first = report.findings[0]
    assert first.guardrail == "never[0]" and first.loc == ("never", 0) and first.evidence
    assert "crosses guardrail never[0] (db never reaches internet on tcp/443, udp/53)" in first.message


def test_without_the_guardrail_the_same_cloud_gives_no_guardrail_finding() -> None:
    report = verify_snapshot(GOTCHA, "01-egress-default-kept")
    assert "guardrail" not in {f.kind for f in report.findings}
    assert any(f.kind == "unintended-path" and f.dst == "internet" for f in report.findings)


def test_a_guardrail_the_cloud_keeps_gives_no_finding() -> None:
    kept = GOTCHA + "never:\n  - {from: web, to: internet}\n  - {from: db, to: service:logging}\n"
    assert "guardrail" not in {f.kind for f in verify_snapshot(kept, "01-egress-default-kept").findings}


def test_the_json_report_names_the_guardrail_and_the_table_marks_the_path(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(GOTCHA + "never:\n  - {from: internet, to: db}\n")
    case = SNAPSHOTS / "10-implicit-route-table-and-public-address"
    runner = CliRunner()
    result = runner.invoke(app, ["verify", str(model), "--cloud", "aws", "--snapshot", str(case), "--format", "json"])
    assert result.exit_code == 1
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "guardrail"]
    assert (finding["src"], finding["dst"], finding["ports"], finding["guardrail"]) == (
        "internet", "db", [[5432, 5432]], "never[0]")
    table = runner.invoke(app, ["verify", str(model), "--cloud", "aws", "--snapshot", str(case)])
    assert "! guardrail" in table.stdout
