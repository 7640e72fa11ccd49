"""The three rules of infra/flows/classify.py, each with its negation."""

from __future__ import annotations

import pytest

from infra.flows.classify import Classifier, decide, is_duplicate, origin
from infra.flows.intent import Intent
from infra.flows.records import FlowRecord, Tally
from infra.reach import INTERNET
from tests.flows.sample import observed_model, sample_book

EDGE, APP, DB, OPS, PEER, WEB = "10.40.1.10", "10.40.2.10", "10.40.3.10", "10.40.4.10", "172.31.5.5", "203.0.113.9"


def record(src, dst, sport, dport, protocol="tcp", accepted=True, at="", interface="eni-x") -> FlowRecord:
    return FlowRecord(src, dst, sport, dport, protocol, accepted, 1, 100, 0, 59, interface, at, "test", 1)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    book = sample_book()
    return Classifier(book, Intent.of(observed_model(), "aws", book.aliases))


@pytest.mark.parametrize(("accepted", "intended", "expected"), [
    (True, True, "intended"), (True, False, "violation"), (False, False, "blocked-attempt"), (False, True, "broken")])
def test_the_class_follows_the_verdict_and_the_intent(accepted, intended, expected):
    assert decide(accepted, intended) == expected


@pytest.mark.parametrize(("accepted", "expected"), [(True, "intended"), (False, "broken")])
def test_an_intended_port_is_intended_when_accepted_and_broken_when_rejected(classifier, accepted, expected):
    found = classifier.classify(record(EDGE, APP, 40001, 8080, accepted=accepted))
    assert (found.src, found.dst, found.port, found.cls) == ("edge", "app", 8080, expected)


@pytest.mark.parametrize(("accepted", "expected"), [(True, "violation"), (False, "blocked-attempt")])
def test_a_port_the_flow_does_not_list_is_a_violation_or_an_attempt(classifier, accepted, expected):
    found = classifier.classify(record(EDGE, APP, 40001, 8081, accepted=accepted))
    assert (found.src, found.dst, found.port, found.cls) == ("edge", "app", 8081, expected)


def test_the_reply_of_an_intended_request_is_read_as_that_request(classifier):
    found = classifier.classify(record(APP, EDGE, 8080, 40001))
    assert (found.src, found.dst, found.port, found.cls) == ("edge", "app", 8080, "intended")


def test_without_intent_either_way_the_lower_port_is_the_service(classifier):
    request = classifier.classify(record(EDGE, DB, 40006, 5432))
    reply = classifier.classify(record(DB, EDGE, 5432, 40006))
    assert request == reply
    assert (request.src, request.dst, request.port, request.cls) == ("edge", "db", 5432, "violation")


def test_when_both_directions_are_intended_the_lower_port_is_the_service(classifier):
    # app -> app allows tcp/7000-7100: 7001 -> 7050 is intended both ways; 7001 is the service.
    assert classifier.classify(record(APP, "10.40.2.11", 7050, 7001)).port == 7001
    assert classifier.classify(record("10.40.2.11", APP, 7001, 7050)).port == 7001


def test_icmp_is_intended_only_where_the_model_lists_it(classifier):
    assert classifier.classify(record(OPS, DB, 0, 0, "icmp")).cls == "intended"
    assert classifier.classify(record(DB, OPS, 0, 0, "icmp")).cls == "violation"
    assert classifier.classify(record(EDGE, APP, 0, 0, "icmp", accepted=False)).cls == "blocked-attempt"


def test_a_protocol_the_model_cannot_name_is_never_intended(classifier):
    found = classifier.classify(record(EDGE, APP, 0, 0, "ip-47"))
    assert (found.port, found.cls) == (None, "violation")


@pytest.mark.parametrize("accepted", [True, False])
def test_an_address_no_endpoint_owns_is_unknown_whatever_the_verdict(classifier, accepted):
    assert classifier.classify(record(PEER, DB, 41000, 5432, accepted=accepted)).cls == "unknown"
    assert classifier.classify(record(APP, "10.40.9.9", 40000, 22, accepted=accepted)).cls == "unknown"


def test_the_internet_and_services_are_endpoints_like_segments(classifier):
    assert classifier.classify(record(APP, WEB, 40002, 443)).cls == "intended"
    assert classifier.classify(record(DB, WEB, 40002, 443)).cls == "violation"
    assert classifier.classify(record(APP, "52.216.8.1", 40003, 443)).dst == "service:object-storage"


@pytest.mark.parametrize(("src", "expected"), [(INTERNET, "internet"), ("db", "internal")])
def test_blocked_attempts_from_the_internet_are_told_apart(src, expected):
    assert origin("blocked-attempt", src) == expected
    assert origin("violation", src) == "internal"


def test_an_accepted_record_at_the_source_end_toward_the_network_is_a_duplicate():
    book = sample_book()
    assert is_duplicate(record(EDGE, APP, 40001, 8080, at="src"), book)
    assert not is_duplicate(record(EDGE, APP, 40001, 8080, at="dst"), book)  # the arriving copy counts
    assert not is_duplicate(record(EDGE, APP, 40001, 8080, at="src", accepted=False), book)  # never arrived
    assert not is_duplicate(record(APP, WEB, 40002, 443, at="src"), book)  # nobody logs the far end
    assert not is_duplicate(record(EDGE, APP, 40001, 8080, at=""), book)  # cannot tell: count it


def test_keep_drops_duplicates_and_transit_records_and_counts_them(classifier):
    tally = Tally()
    kept = [classifier.keep(r, tally) for r in (
        record(EDGE, APP, 1, 8080, at="src"), record(EDGE, APP, 1, 8080, at="dst"),
        record(APP, WEB, 1, 443, at="transit"), record(APP, WEB, 1, 443, at="src"))]
    assert kept == [False, True, False, True]
    assert (tally.duplicates, tally.transit) == (1, 1)


def test_an_endpoint_standing_for_several_services_is_intended_where_one_of_them_is():
    from infra.flows.aggregate import FlowRow, unused_paths
    from infra.flows.intent import Intent as Intents

    apis = "service:google-apis"
    members = frozenset({"service:object-storage", "service:logging"})
    intent = Intents.of(observed_model(), "gcp", {apis: members})
    assert intent.allows("app", apis, "tcp", 443)
    assert not intent.allows("app", apis, "tcp", 80) and not intent.allows("db", apis, "tcp", 443)
    used = FlowRow("app", apis, "tcp", 443, "intended", 1, 10, 0, 1, ())
    assert not any(u.dst == "service:object-storage" for u in unused_paths(intent, [used]))
    assert any(u.dst == "service:object-storage" for u in unused_paths(intent, []))
