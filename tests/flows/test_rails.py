"""Guardrails (`never:`) in observe: the `guardrail` class, attempts that name a guardrail, and
the reading of a record that crosses one; each rule with its negation, in Python and in SQL."""

from __future__ import annotations

import pytest

from infra.flows.classify import Classifier, decide
from infra.flows.intent import Intent
from infra.flows.rails import FlowRails
from infra.flows.records import FlowRecord, Window
from infra.load import parse_model
from tests.flows.sample import (
    EXPECTED_GUARDED,
    GUARDED,
    SAMPLE,
    athena_rows,
    classify_sample,
    guarded_model,
    observed_model,
    sample_book,
)

EDGE, APP, DB, WEB = "10.40.1.10", "10.40.2.10", "10.40.3.10", "203.0.113.9"


def record(src, dst, sport, dport, protocol="tcp", accepted=True) -> FlowRecord:
    return FlowRecord(src, dst, sport, dport, protocol, accepted, 1, 100, 0, 59, "eni-x", "", "test", 1)


def classifier(model=None) -> Classifier:
    book = sample_book()
    return Classifier(book, Intent.of(model or guarded_model(), "aws", book.aliases))


@pytest.mark.parametrize(("accepted", "intended", "crosses", "expected"), [
    (True, False, True, "guardrail"), (True, False, False, "violation"),
    (False, False, True, "blocked-attempt"), (False, False, False, "blocked-attempt"),
    (True, True, True, "intended"), (False, True, True, "broken")])
def test_accepted_traffic_the_model_does_not_intend_is_a_guardrail_crossing_only_across_a_guardrail(
        accepted, intended, crosses, expected):
    assert decide(accepted, intended, crosses) == expected


def test_the_sample_against_guardrails_is_classified_as_worked_out_by_hand():
    report = classify_sample(model=guarded_model())
    assert report.summary == EXPECTED_GUARDED
    assert report.attempts == {"internal": 2, "internet": 2, "guardrail": 3}
    named = {(r.src, r.dst, r.protocol, r.port, r.cls): r.guardrail for r in report.flows if r.guardrail}
    assert named == {("edge", "db", "tcp", 5432, "guardrail"): "never[0]",
                     ("db", "app", "tcp", 22, "blocked-attempt"): "never[1]",
                     ("db", "internet", "tcp", 443, "blocked-attempt"): "never[1]",
                     ("internet", "edge", "tcp", 3389, "blocked-attempt"): "never[2]"}
    crossing = next(r for r in report.flows if r.cls == "guardrail")
    assert crossing.records == 2  # lines 18 and 20: the request and its reply, each counted at its receiver


def test_guardrails_lead_the_report_and_attempts_on_a_guardrail_lead_their_origin():
    order = [(r.cls, r.origin, r.guardrail, r.port) for r in classify_sample(model=guarded_model()).flows]
    assert order[0] == ("guardrail", "internal", "never[0]", 5432) and order[1][0] == "violation"
    internet = [o for o in order if o[:2] == ("blocked-attempt", "internet")]
    assert [o[3] for o in internet] == [3389, 22]  # the one that tried never[2] first, then the plain scan
    internal = [o for o in order if o[:2] == ("blocked-attempt", "internal")]
    assert all(o[2] is not None for o in internal) and order.index(internal[-1]) < order.index(internet[0])


@pytest.mark.parametrize(("port", "expected"), [(22, "never[1]"), (443, "never[1]"), (23, None), (5432, None)])
def test_a_guardrail_with_ports_forbids_those_ports_only(port, expected):
    found = classifier().classify(record(DB, APP, 40000, port))
    assert (found.src, found.dst, found.guardrail) == ("db", "app", None if expected is None else 1)
    assert found.cls == ("guardrail" if expected else "violation")


@pytest.mark.parametrize(("protocol", "accepted", "expected"), [
    ("ip-47", True, "guardrail"), ("icmp", True, "guardrail"), ("udp", True, "guardrail"),
    ("icmp", False, "blocked-attempt")])
def test_a_guardrail_without_ports_forbids_every_protocol_even_those_the_model_cannot_name(
        protocol, accepted, expected):
    found = classifier().classify(record(EDGE, DB, 40000, 9999, protocol, accepted))
    assert (found.src, found.dst, found.cls, found.guardrail) == ("edge", "db", expected, 0)


def test_a_guardrail_with_ports_never_covers_other_ip_protocols():
    found = classifier().classify(record(DB, APP, 0, 0, "ip-47"))
    assert (found.cls, found.guardrail) == ("violation", None)


def test_a_record_is_read_as_the_guardrail_crossing_it_may_be_whatever_its_ports():
    # db:100 -> internet:443: by the lower-port rule the internet would serve on 100; read as db's
    # request to 443 it crosses never[1], so that is how it is read.
    exfiltration = record(DB, WEB, 100, 443)
    assert classifier().classify(exfiltration)[:6] == ("db", "internet", "tcp", 443, "guardrail", 1)
    assert classifier(observed_model()).classify(exfiltration)[:6] == ("internet", "db", "tcp", 100, "violation", None)


def test_when_both_readings_cross_a_guardrail_the_lower_port_is_the_service():
    both = parse_model(GUARDED.read_text() + "  - {from: db, to: edge}\n").model
    assert classifier(both).classify(record(EDGE, DB, 40000, 5432))[:6] == ("edge", "db", "tcp", 5432, "guardrail", 0)
    assert classifier(both).classify(record(DB, EDGE, 5432, 40000))[:6] == ("edge", "db", "tcp", 5432, "guardrail", 0)
    assert classifier(both).classify(record(DB, EDGE, 40000, 5432))[:6] == ("db", "edge", "tcp", 5432, "guardrail", 3)


def test_intended_traffic_is_never_read_as_a_crossing():
    # the reply of app's intended request to db:5432 would, read backwards, be db -> app on 5432
    found = classifier().classify(record(DB, APP, 5432, 22))
    assert found[:6] == ("app", "db", "tcp", 5432, "intended", None)


def test_an_address_no_endpoint_owns_crosses_no_guardrail():
    found = classifier().classify(record("172.31.5.5", DB, 40000, 22))
    assert (found.cls, found.guardrail) == ("unknown", None)


def test_an_endpoint_standing_for_several_services_crosses_where_one_of_them_is_forbidden():
    model = parse_model(GUARDED.read_text() + "  - {from: ops, to: service:object-storage}\n"
                        "  - {from: app, to: service:logging}\n").model
    apis = "service:google-apis"
    rails = FlowRails.of(model, {apis: frozenset({"service:object-storage", "service:logging"})})
    assert rails.crossed("ops", apis, "tcp", 443) == 3 and rails.crossed("ops", apis, "udp", 53) == 3
    assert rails.crossed("edge", apis, "tcp", 443) is None
    intent = Intent.of(model, "gcp", {apis: frozenset({"service:object-storage", "service:logging"})})
    assert intent.allows("app", apis, "tcp", 443)  # app may use object storage there: intended, asked first
    assert rails.crossed("app", apis, "tcp", 443) == 4


EXTRA = [  # (line, what it becomes against guarded.yaml, against observed.yaml)
    ("2 123456789012 eni-d1 10.40.3.10 203.0.113.60 100 443 6 3 300 1714568000 1714568059 ACCEPT OK",
     ("db", "internet", "tcp", 443, "guardrail", "never[1]"), ("internet", "db", "tcp", 100, "violation", None)),
    ("2 123456789012 eni-d1 10.40.1.10 10.40.3.10 0 0 47 2 200 1714568100 1714568159 ACCEPT OK",
     ("edge", "db", "ip-47", None, "guardrail", "never[0]"), ("edge", "db", "ip-47", None, "violation", None)),
    ("2 123456789012 eni-e1 10.40.1.10 10.40.3.10 0 0 1 2 200 1714568200 1714568259 REJECT OK",
     ("edge", "db", "icmp", None, "blocked-attempt", "never[0]"),
     ("edge", "db", "icmp", None, "blocked-attempt", None)),
]


@pytest.mark.parametrize("guarded", [True, False], ids=["guarded.yaml", "observed.yaml"])
def test_the_sql_reads_and_names_crossings_as_the_python_path_does(tmp_path, guarded):
    sample = tmp_path / "sample.log"
    sample.write_text(SAMPLE.read_text() + "".join(line + "\n" for line, _, _ in EXTRA))
    model = guarded_model() if guarded else observed_model()
    python = {(r.src, r.dst, r.protocol, r.port, r.cls, r.guardrail): r.records
              for r in classify_sample(path=sample, model=model).flows}
    sql = {(r[0], r[1], r[2], r[3], r[4], r[9]): r[5] for r in athena_rows(Window(), model, sample)}
    assert sql == python
    for _, against_guarded, against_observed in EXTRA:
        assert (against_guarded if guarded else against_observed) in python
