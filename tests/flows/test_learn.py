"""`observe --learn`: the accepted traffic as the model that would allow it, and what it would deny."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.flows.learn import learn, port_specs
from infra.load import load_model, parse_model
from infra.ports import PortSet
from tests.flows.sample import GUARDED, MODEL, SAMPLE, classify_sample, guarded_model

# One more record: db -> app 22 accepted once, as well as rejected once (line 21).
ACCEPTED_ONCE = ("2 123456789012 eni-a1 10.40.3.10 10.40.2.10 40100 22 6 3 300 1714568000 1714568059 ACCEPT OK\n")


def test_ports_are_merged_into_ranges_and_sorted_tcp_udp_icmp():
    ports = {"icmp": PortSet.full("icmp"), "udp": PortSet.of([(53, 53), (8125, 8125)]),
             "tcp": PortSet.of([(443, 443), (8000, 8002), (8003, 8003)])}
    assert port_specs(ports) == [443, "8000-8003", "udp/53", "udp/8125", "icmp"]


def test_the_learned_model_allows_exactly_the_accepted_traffic():
    learned = learn(classify_sample(), load_model(MODEL))
    model = parse_model(learned.text).model
    flows = {(f.from_, f.targets()): list(f.ports) for f in model.flows}
    assert flows == {("app", ("app",)): [7050], ("edge", ("app",)): [8080], ("edge", ("db",)): [5432],
                     ("ops", ("app",)): ["udp/8125"], ("ops", ("db",)): ["icmp"]}
    assert model.segments["edge"].internet.ingress == (443,) and model.segments["edge"].internet.egress == ()
    assert model.segments["app"].internet.egress == (443,) and model.segments["app"].services == ("object-storage",)
    assert model.segments["db"].services == () and model.segments["ops"].internet.ingress == ()
    assert learned.text.startswith("# Learned by `bulkhead observe --learn` from 22 flow-log records on aws.")


def test_what_enforcing_it_would_deny_is_listed_in_its_header():
    learned = learn(classify_sample(), load_model(MODEL))
    assert "app -> db tcp/5432" in learned.would_deny
    assert "app -> app tcp/7000-7049,7051-7100" in learned.would_deny
    assert "ops -> app icmp" in learned.would_deny and "ops -> db udp/8125" in learned.would_deny
    assert any(line.startswith("unknown -> db tcp/5432: an address no endpoint owns") for line in learned.would_deny)
    assert "edge -> app tcp/8080" not in learned.would_deny
    for line in learned.would_deny:
        assert f"#   {line}" in learned.text


def test_bulkhead_validate_accepts_the_learned_model(tmp_path):
    target = tmp_path / "learned.yaml"
    target.write_text(learn(classify_sample(), load_model(MODEL)).text)
    result = CliRunner().invoke(app, ["validate", str(target)])
    assert result.exit_code == 0, result.output


def test_enforcing_the_learned_model_leaves_an_attempt_blocked_only_if_it_was_never_accepted(tmp_path):
    sample = tmp_path / "sample.log"
    sample.write_text(SAMPLE.read_text() + ACCEPTED_ONCE)
    before = classify_sample(path=sample)
    accepted = {(r.src, r.dst, r.protocol, r.port) for r in before.flows if r.cls in ("intended", "violation")}
    attempts = [(r.src, r.dst, r.protocol, r.port) for r in before.flows if r.cls == "blocked-attempt"]
    learned = parse_model(learn(before, load_model(MODEL)).text).model
    after = {(r.src, r.dst, r.protocol, r.port): r.cls for r in classify_sample(path=sample, model=learned).flows
             if r.cls in ("blocked-attempt", "broken")}
    expected = {key: "broken" if key in accepted else "blocked-attempt" for key in attempts}
    assert {key: after[key] for key in attempts} == expected
    assert set(expected.values()) == {"broken", "blocked-attempt"}  # both cases occur in the sample


def test_flows_of_segments_not_both_in_this_cloud_are_kept(tmp_path):
    text = MODEL.read_text().replace("  db: {}", "  db: {}\n  lake: {clouds: [gcp]}").replace(
        "flows:\n", "flows:\n  - {from: app, to: lake, ports: [9000]}\n")
    path = tmp_path / "two.yaml"
    path.write_text(text)
    model = parse_model(learn(classify_sample(), load_model(path)).text).model
    assert any(f.from_ == "app" and f.targets() == ("lake",) for f in model.flows)


def test_learn_never_proposes_traffic_that_crossed_a_guardrail_and_says_what_it_left_out(tmp_path):
    learned = learn(classify_sample(model=guarded_model()), load_model(GUARDED))
    model = parse_model(learned.text).model  # the loader refuses a flow that crosses a guardrail
    flows = {(f.from_, f.targets()): list(f.ports) for f in model.flows}
    assert flows == {("app", ("app",)): [7050], ("edge", ("app",)): [8080], ("ops", ("app",)): ["udp/8125"],
                     ("ops", ("db",)): ["icmp"]}  # edge -> db 5432 was accepted, across never[0]
    assert len(model.never) == 3  # the guardrails are kept as they are
    assert learned.left_out == ("edge -> db tcp/5432: crossed guardrail never[0] (2 record(s))",)
    assert "# Left out: accepted traffic that crossed a guardrail" in learned.text
    assert "#   edge -> db tcp/5432: crossed guardrail never[0] (2 record(s))" in learned.text
    target = tmp_path / "learned.yaml"
    target.write_text(learned.text)
    assert CliRunner().invoke(app, ["validate", str(target)]).exit_code == 0


def test_without_a_guardrail_the_same_traffic_is_learned_and_nothing_is_left_out():
    learned = learn(classify_sample(), load_model(MODEL))
    assert learned.left_out == () and "# Left out" not in learned.text
    assert any(f.from_ == "edge" and f.targets() == ("db",) for f in parse_model(learned.text).model.flows)


# Accepted at db: a fragment app -> db written with port 0 (VPC Flow Logs do), and udp port 0 too.
PORT_ZERO = ("2 123456789012 eni-d1 10.40.2.10 10.40.3.10 0 0 6 1 1500 1714568000 1714568059 ACCEPT OK\n"
             "2 123456789012 eni-d1 10.40.2.10 10.40.3.10 0 0 17 1 1500 1714568000 1714568059 ACCEPT OK\n")


def test_accepted_traffic_no_model_can_express_is_listed_apart_never_written(tmp_path):
    sample = tmp_path / "sample.log"
    sample.write_text(SAMPLE.read_text() + PORT_ZERO)
    learned = learn(classify_sample(path=sample), load_model(MODEL))
    model = parse_model(learned.text).model  # no `ports: [0]`, which the loader refuses
    assert all(0 not in list(f.ports) and "udp/0" not in list(f.ports) for f in model.flows)
    assert learned.inexpressible == (  # in the report's order: most severe, then most records
        "app -> db tcp/0: a model's ports are 1-65535 (1 record(s))",
        "app -> db udp/0: a model's ports are 1-65535 (1 record(s))",
        "edge -> app ip-47: a model names tcp, udp and icmp only (1 record(s))",  # line 36 of the sample, GRE
    )
    assert "# Not learned: accepted traffic no model can express; enforcing this model denies it:" in learned.text
    for line in learned.inexpressible:
        assert f"#   {line}" in learned.text
    target = tmp_path / "learned.yaml"
    target.write_text(learned.text)
    assert CliRunner().invoke(app, ["validate", str(target)]).exit_code == 0


def test_the_sample_s_gre_flow_is_the_only_traffic_it_cannot_express():
    learned = learn(classify_sample(), load_model(MODEL))
    assert learned.inexpressible == ("edge -> app ip-47: a model names tcp, udp and icmp only (1 record(s))",)


def test_a_learned_model_that_does_not_validate_is_blamed_on_bulkhead_not_the_model_file(monkeypatch):
    from infra.flows import learn as learning

    monkeypatch.setattr(learning, "port_specs", lambda ports: [0])  # as if a refused spec slipped through
    with pytest.raises(learning.LearnFailed, match=r"does not validate; .*observed\.yaml itself is fine"):
        learn(classify_sample(), load_model(MODEL))


def test_observe_learn_writes_a_model_that_validates_from_logs_with_port_zero(tmp_path, monkeypatch):
    """The command, with the sample's address book standing in for a snapshot's."""
    from infra.flows.files import text_lines
    from providers.aws.observe.flowlog_lines import parse_lines
    from tests.flows.sample import sample_book

    def records(logs, snapshot, model, book, tally):
        return parse_lines(text_lines(logs[0], tally), str(logs[0]), book.capture, tally)

    monkeypatch.setattr("infra.cli.observe_commands._Context.snapshot", lambda self, folder: {})
    monkeypatch.setattr("providers.aws.observe.flow_book", lambda snapshot, model: sample_book())
    monkeypatch.setattr("providers.aws.observe.flow_file_records", records)
    sample = tmp_path / "sample.log"
    sample.write_text(SAMPLE.read_text() + PORT_ZERO)
    result = CliRunner().invoke(app, ["observe", str(MODEL), "--cloud", "aws", "--snapshot", str(tmp_path),
                                      "--logs", str(sample), "--learn"])
    assert result.exit_code == 0, result.output
    assert "#   app -> db tcp/0: a model's ports are 1-65535 (1 record(s))" in result.stdout
    parse_model(result.stdout)
