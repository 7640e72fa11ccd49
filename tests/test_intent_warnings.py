"""`validate` warns on risky but legal intent: one located line each, exit 0; and only then."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.load import parse_model
from infra.risks import intent_warnings

ROOT = Path(__file__).parent.parent
HEAD = "name: m\nclouds:\n  aws: {region: us-east-1, cidr: 10.0.0.0/16}\n"


def _warnings(body: str) -> list[tuple[str, str]]:
    model = parse_model(HEAD + body).model
    return [(".".join(map(str, w.loc)), w.message) for w in intent_warnings(model)]


@pytest.mark.parametrize("ports, expected", [
    ('["tcp/1-65535"]', "accepts tcp on every port"),
    ('["1-65535"]', "accepts tcp on every port"),
    ('[443, "1-1000", "1001-65535"]', "accepts tcp on every port"),
    ('["udp/53"]', "accepts udp/53 from the whole internet"),
    ('["udp/1-65535"]', "accepts every udp port"),
    ('["icmp"]', "accepts icmp from the whole internet"),
])
def test_internet_ingress_on_every_tcp_port_or_on_udp_or_icmp_is_a_warning(ports, expected):
    found = _warnings(f"segments:\n  web:\n    internet: {{ingress: {ports}}}\n")
    assert len(found) == 1 and expected in found[0][1]
    assert found[0][0].startswith("segments.web.internet.ingress.")


@pytest.mark.parametrize("internet", [
    "{ingress: [443, 80, 8000-9000]}",   # some tcp ports, not all
    "{ingress: [\"tcp/2-65535\"]}",      # all but one is still a choice someone made
    "{egress: [\"udp/53\", icmp, \"tcp/1-65535\"]}",  # egress is not ingress
])
def test_tcp_ingress_on_some_ports_and_any_egress_are_not_warnings(internet):
    assert _warnings(f"segments:\n  web:\n    internet: {internet}\n") == []


def test_the_warning_points_at_the_first_spec_of_the_protocol():
    found = _warnings("segments:\n  web:\n    internet: {ingress: [443, \"udp/53\", \"udp/123\"]}\n")
    assert found == [("segments.web.internet.ingress.1", found[0][1])]
    assert "udp/53,123" in found[0][1]


SEGMENTS = "segments:\n  a: {}\n  b: {}\n  c: {}\n"


def test_a_repeated_flow_is_reported_once_on_the_repeat():
    found = _warnings(SEGMENTS + "flows:\n  - {from: a, to: b, ports: [443]}\n"
                      "  - {from: a, to: [b], ports: [\"443\"]}\n")
    assert found == [("flows.1", "warning: this flow repeats flows[0]")]


def test_a_flow_covered_by_another_is_reported_and_the_wider_one_is_not():
    found = _warnings(SEGMENTS + "flows:\n  - {from: a, to: b, ports: [443]}\n"
                      "  - {from: a, to: [b, c], ports: [\"1-1000\"]}\n")
    assert found == [("flows.0", "warning: this flow adds nothing: flows[1] already allow all of it")]


def test_a_flow_covered_only_by_several_others_together_is_reported_with_all_of_them():
    found = _warnings(SEGMENTS + "flows:\n  - {from: a, to: b, ports: [80]}\n  - {from: a, to: b, ports: [443]}\n"
                      "  - {from: a, to: b, ports: [80, 443]}\n  - {from: a, to: b, ports: [\"udp/53\"]}\n")
    # flows[2] is the widest, so it is what stays: it is the narrow ones that add nothing...
    assert [loc for loc, _ in found] == ["flows.0", "flows.1"]
    # ...and a flow made of two others is covered by both together.
    together = _warnings(SEGMENTS + "flows:\n  - {from: a, to: b, ports: [\"1-100\"]}\n"
                         "  - {from: a, to: b, ports: [\"50-150\"]}\n  - {from: a, to: b, ports: [\"101-200\"]}\n"
                         "  - {from: a, to: b, ports: [\"20-30\", \"120-130\"]}\n")
    assert together == [("flows.1", "warning: this flow adds nothing: flows[0], flows[2] already allow all of it"),
                        ("flows.3", "warning: this flow adds nothing: flows[0], flows[2] already allow all of it")]


def test_following_every_warning_keeps_the_allowed_traffic():
    # A mesh where every flow is covered by the union of the others: not all of them can go.
    body = SEGMENTS + "flows:\n" + "".join(f"  - {{from: a, to: [b, c], ports: [{p}]}}\n" for p in ("80", "443")) + \
        "  - {from: a, to: b, ports: [80, 443]}\n  - {from: a, to: c, ports: [80, 443]}\n"
    found = _warnings(body)
    assert 0 < len(found) < 4
    dropped = {int(loc.split(".")[1]) for loc, _ in found}
    model = parse_model(HEAD + body).model
    kept = [f for i, f in enumerate(model.flows) if i not in dropped]
    allowed = {(f.from_, t, str(p)) for f in model.flows for t in f.targets() for p in f.ports}
    assert {(f.from_, t, str(p)) for f in kept for t in f.targets() for p in f.ports} == allowed


@pytest.mark.parametrize("flows", [
    "  - {from: a, to: b, ports: [443]}\n  - {from: a, to: b, ports: [80]}\n",      # other ports
    "  - {from: a, to: b, ports: [443]}\n  - {from: b, to: a, ports: [443]}\n",     # other direction
    "  - {from: a, to: [b, c], ports: [443]}\n  - {from: a, to: b, ports: [443]}\n",  # narrower second
    "  - {from: a, to: b, ports: [443]}\n  - {from: a, to: b, ports: [\"udp/443\"]}\n",  # other protocol
    "  - {from: a, to: b, ports: [\"1-100\"]}\n  - {from: a, to: b, ports: [\"50-150\"]}\n",  # overlap only
])
def test_flows_that_each_allow_something_new_are_not_warnings(flows):
    found = _warnings(SEGMENTS + "flows:\n" + flows)
    # Only the narrower-second case has a redundant flow, and it is the second.
    if "[b, c], ports: [443]}\n  - {from: a, to: b" in flows:
        assert [loc for loc, _ in found] == ["flows.1"]
    else:
        assert found == []


def test_the_reference_models_have_no_warnings():
    for path in [ROOT / "examples" / "ai-platform.yaml", ROOT / "examples" / "minimal.yaml"]:
        assert intent_warnings(parse_model(path.read_text(), str(path)).model) == []


def test_validate_prints_each_warning_as_one_located_line_and_exits_0(tmp_path):
    model = tmp_path / "risky.yaml"
    model.write_text(HEAD + SEGMENTS.replace("a: {}", "a: {internet: {ingress: [icmp]}}") +
                     "flows:\n  - {from: a, to: b, ports: [443]}\n  - {from: a, to: b, ports: [443]}\n")
    result = CliRunner().invoke(app, ["validate", str(model)])
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert all(re.match(rf"^{re.escape(str(model))}:\d+:\d+: \S+: warning: .+; .+", line) for line in lines)
    assert lines[0].startswith(f"{model}:5:")  # the ingress spec's line
    assert "2 warning(s)" in result.stdout
    quiet = CliRunner().invoke(app, ["validate", "-q", str(model)])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
