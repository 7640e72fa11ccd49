"""`observe --sql`: the emitted SQL, run on DuckDB over the same sample, agrees with the Python path."""

from __future__ import annotations

import duckdb
import pytest

from infra.flows.intent import Intent
from infra.flows.records import Window
from infra.flows.sql import emit
from tests.flows.sample import EXPECTED, SAMPLE, T0, classify_sample, observed_model, sample_book

# The columns of the Athena table AWS documents for the default format (version 2).
COLUMNS = {"version": "INTEGER", "account_id": "VARCHAR", "interface_id": "VARCHAR", "srcaddr": "VARCHAR",
           "dstaddr": "VARCHAR", "srcport": "INTEGER", "dstport": "INTEGER", "protocol": "BIGINT",
           "packets": "BIGINT", "bytes": "BIGINT", "start": "BIGINT", "end": "BIGINT", "action": "VARCHAR",
           "log_status": "VARCHAR"}


def athena_rows(window: Window) -> list[tuple]:
    """The sample loaded as Athena's table (unparsable lines dropped, as a typed table does) and queried."""
    book = sample_book()
    query = emit("athena", "observed", "aws", book, Intent.of(observed_model(), "aws", book.aliases), window)
    db = duckdb.connect()
    db.execute(f"CREATE TABLE vpc_flow_logs AS SELECT * FROM read_csv('{SAMPLE}', delim=' ', header=true, "
               f"columns={COLUMNS!r}, ignore_errors=true)")
    return db.execute(query).fetchall()


def python_rows(window: Window) -> list[tuple]:
    return [(r.src, r.dst, r.protocol, r.port, r.cls, r.records, r.bytes, r.first, r.last)
            for r in classify_sample(window).flows]


@pytest.mark.parametrize("window", [Window(), Window(T0, T0 + 3600)], ids=["whole file", "one hour"])
def test_the_athena_query_on_duckdb_gives_the_python_classification(window):
    sql = athena_rows(window)
    assert sorted(sql, key=repr) == sorted(python_rows(window), key=repr)
    summary = dict.fromkeys(EXPECTED, 0)
    for row in sql:
        summary[row[4]] += row[5]
    expected = dict(EXPECTED, intended=EXPECTED["intended"] - (window != Window()))
    assert summary == expected


def test_the_query_inlines_the_address_map_intent_and_interfaces():
    book = sample_book()
    query = emit("athena", "observed", "aws", book, Intent.of(observed_model(), "aws", book.aliases), Window())
    assert "'edge'" in query and "'eni-nat'" in query and "'tcp', 8080, 8080" in query
    assert "FROM vpc_flow_logs f" in query and "VALUES" not in query


def test_the_bigquery_query_reads_the_cloud_logging_sink_tables():
    book = sample_book()
    query = emit("bigquery", "observed", "gcp", book, Intent.of(observed_model(), "gcp", book.aliases),
                 Window(T0, T0 + 60))
    assert "flow_logs.compute_googleapis_com_vpc_flows" in query
    assert "flow_logs.compute_googleapis_com_firewall" in query and "disposition = 'DENIED'" in query
    assert "NET.IPV4_TO_INT64" in query and "CAST(s.proto_num AS STRING)" in query
    assert f">= {T0}" in query and f"<= {T0 + 60}" in query
