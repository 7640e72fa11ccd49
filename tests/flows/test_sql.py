"""`observe --sql`: the emitted SQL, run on DuckDB over the same sample, agrees with the Python path."""

from __future__ import annotations

import pytest

from infra.flows.intent import Intent
from infra.flows.records import Window
from infra.flows.sql import emit
from infra.model import Model
from tests.flows.sample import (
    EXPECTED,
    EXPECTED_GUARDED,
    T0,
    athena_rows,
    classify_sample,
    guarded_model,
    observed_model,
    sample_book,
)


def python_rows(window: Window, model: Model | None = None) -> list[tuple]:
    return [(r.src, r.dst, r.protocol, r.port, r.cls, r.records, r.bytes, r.first, r.last, r.guardrail)
            for r in classify_sample(window, model=model).flows]


@pytest.mark.parametrize("guarded", [False, True], ids=["observed.yaml", "guarded.yaml"])
@pytest.mark.parametrize("window", [Window(), Window(T0, T0 + 3600)], ids=["whole file", "one hour"])
def test_the_athena_query_on_duckdb_gives_the_python_classification(window, guarded):
    model, worked_out = (guarded_model(), EXPECTED_GUARDED) if guarded else (observed_model(), EXPECTED)
    sql = athena_rows(window, model)
    assert sorted(sql, key=repr) == sorted(python_rows(window, model), key=repr)
    summary = dict.fromkeys(worked_out, 0)
    for row in sql:
        summary[row[4]] += row[5]
    expected = dict(worked_out, intended=worked_out["intended"] - (window != Window()))
    assert summary == expected
    named = {(r[0], r[1], r[3], r[4]): r[9] for r in sql if r[9] is not None}
    assert named == ({("edge", "db", 5432, "guardrail"): "never[0]", ("db", "app", 22, "blocked-attempt"): "never[1]",
                      ("db", "internet", 443, "blocked-attempt"): "never[1]",
                      ("internet", "edge", 3389, "blocked-attempt"): "never[2]"} if guarded else {})


def test_the_query_inlines_the_address_map_intent_and_interfaces():
    book = sample_book()
    query = emit("athena", "observed", "aws", book, Intent.of(observed_model(), "aws", book.aliases), Window())
    assert "'edge'" in query and "'eni-nat'" in query and "'tcp', 8080, 8080" in query
    assert "FROM vpc_flow_logs f" in query and "VALUES" not in query
    assert "rails AS (\n  SELECT 'edge' AS src, 'ops' AS dst" in query  # observed.yaml's one guardrail, inlined


def test_the_query_inlines_each_guardrail_range_and_a_row_no_record_matches_when_there_is_none():
    book = sample_book()
    guarded = emit("athena", "observed", "aws", book, Intent.of(guarded_model(), "aws", book.aliases), Window())
    assert "UNION ALL SELECT 'db', 'internet', 'tcp', 443, 443, 1" in guarded
    assert "UNION ALL SELECT 'edge', 'db', '*', 0, 65535, 0" in guarded  # no ports: every IP protocol too
    bare = emit("athena", "observed", "aws", book, Intent({}), Window())
    assert "rails AS (\n  SELECT '' AS src, '' AS dst, '' AS protocol, -1 AS first_port, -1 AS last_port, " \
           "-1 AS rail)" in bare


def test_the_bigquery_query_reads_the_cloud_logging_sink_tables():
    book = sample_book()
    query = emit("bigquery", "observed", "gcp", book, Intent.of(observed_model(), "gcp", book.aliases),
                 Window(T0, T0 + 60))
    assert "flow_logs.compute_googleapis_com_vpc_flows" in query
    assert "flow_logs.compute_googleapis_com_firewall" in query and "disposition = 'DENIED'" in query
    assert "NET.IPV4_TO_INT64" in query and "CAST(s.proto_num AS STRING)" in query
    assert f">= {T0}" in query and f"<= {T0 + 60}" in query
