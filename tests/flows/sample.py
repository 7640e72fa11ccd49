"""The hand-written AWS flow-log sample (tests/data/flowlogs/aws-sample.log) and its address book.

What each line must become was worked out by hand from the rules in infra/flows/classify.py,
never by running the code: 11 intended, 3 violation, 4 blocked attempts (2 internal, 2 from the
internet), 1 broken, 3 unknown; 6 duplicates, 2 NAT-gateway records, 1 NODATA, 1 SKIPDATA,
4 bad records (lines 32-35); one record (line 37) ten days after the others.

  line  record                                             becomes
  2-5   edge->app 8080 at both ends, with its reply        2 intended, 2 duplicates
  6-7   internet->edge 443 and its reply (edge ENI)        2 intended
  8-11  app->internet 443, reply, 2 NAT-gateway records    2 intended, 2 transit
  12    app->S3 443                                        1 intended (service:object-storage)
  13    ops->db icmp, 14 ops->app udp 8125                 2 intended
  15-16 app->app 7050 between two app ENIs                 1 intended, 1 duplicate
  17-20 edge->db 5432 accepted, both ends, reply           2 violation, 2 duplicates
  21    db->app 22 rejected at db                          blocked-attempt (internal, lateral)
  22    db->internet 443 rejected at db                    blocked-attempt (internal, exfiltration)
  23-24 internet->edge 22, 3389 rejected                   blocked-attempt (internet)
  25-26 edge->app 8080 accepted out, rejected in           1 duplicate, 1 broken
  27-28 172.31.5.5 (peer) <-> db 5432                      2 unknown
  29    10.40.9.9 (VPC, no subnet) -> app 9100             1 unknown
  30-31 NODATA, SKIPDATA                                   counted apart
  32-35 wrong field count, bad port, bad address, action   4 bad records
  36    edge->app GRE (protocol 47) accepted               1 violation (the model cannot allow it)
  37    edge->app 8080, ten days later                     1 intended (outside a one-hour window)

observed.yaml's one guardrail (edge never reaches ops) is crossed by no line. Against
guarded.yaml (the same model with three guardrails) these lines change, by hand again:

  17-20 edge->db 5432 accepted: never[0] (edge never reaches db)      2 guardrail (not violation)
  21    db->app 22 rejected: never[1] (db never reaches app on 22,443) blocked-attempt, tried never[1]
  22    db->internet 443 rejected: never[1] (its second `to`)         blocked-attempt, tried never[1]
  24    internet->edge 3389 rejected: never[2] (3389 only)            blocked-attempt (internet), tried never[2]
  23    internet->edge 22 rejected                                    unchanged: never[2] forbids 3389 only
  36    edge->app GRE accepted                                        unchanged: no guardrail keeps edge from app
so 11 intended, 2 guardrail, 1 violation, 4 blocked attempts (3 of them on a guardrail), 1 broken, 3 unknown.
"""

from __future__ import annotations

from pathlib import Path

from infra.flows.addresses import AddressBook
from infra.flows.aggregate import ObserveReport, aggregate, build_report
from infra.flows.classify import Classifier
from infra.flows.files import text_lines
from infra.flows.intent import Intent
from infra.flows.records import Tally, Window
from infra.flows.sql import emit
from infra.load import load_model
from infra.model import Model
from providers.aws.observe.flowlog_lines import parse_lines

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "flowlogs" / "aws-sample.log"
MODEL = ROOT / "tests" / "flows" / "models" / "observed.yaml"
GUARDED = ROOT / "tests" / "flows" / "models" / "guarded.yaml"
T0 = 1714564800  # 2024-05-01T12:00:00Z, the first record's start

EXPECTED = {"intended": 11, "guardrail": 0, "violation": 3, "blocked-attempt": 4, "broken": 1, "unknown": 3}
EXPECTED_GUARDED = {"intended": 11, "guardrail": 2, "violation": 1, "blocked-attempt": 4, "broken": 1, "unknown": 3}


def observed_model() -> Model:
    return load_model(MODEL).model


def guarded_model() -> Model:
    return load_model(GUARDED).model


def sample_book() -> AddressBook:
    """The address book of the sample's VPC, as flow_book would read it from a snapshot."""
    return AddressBook(
        owners=[("10.40.1.0/24", "edge"), ("10.40.2.0/24", "app"), ("10.40.3.0/24", "db"), ("10.40.4.0/24", "ops"),
                ("52.216.0.0/15", "service:object-storage")],
        local=["10.40.0.0/16"],
        interfaces={"eni-e1": ["10.40.1.10"], "eni-a1": ["10.40.2.10"], "eni-a2": ["10.40.2.11"],
                    "eni-d1": ["10.40.3.10"], "eni-o1": ["10.40.4.10"], "eni-nat": ["10.40.0.5"]},
        transit=["eni-nat"])


def classify_sample(window: Window = Window(), book: AddressBook | None = None, path: Path = SAMPLE,
                    model: Model | None = None) -> ObserveReport:
    """The sample through the AWS parser, the classifier and the aggregation, as observe runs them."""
    tally, book, model = Tally(), book or sample_book(), model or observed_model()
    intent = Intent.of(model, "aws", book.aliases)
    records = parse_lines(text_lines(path, tally), str(path), book.capture, tally)
    return build_report(model.name, "aws", intent, aggregate(records, Classifier(book, intent), window, tally),
                        window, tally)


# The columns of the Athena table AWS documents for the default format (version 2).
COLUMNS = {"version": "INTEGER", "account_id": "VARCHAR", "interface_id": "VARCHAR", "srcaddr": "VARCHAR",
           "dstaddr": "VARCHAR", "srcport": "INTEGER", "dstport": "INTEGER", "protocol": "BIGINT",
           "packets": "BIGINT", "bytes": "BIGINT", "start": "BIGINT", "end": "BIGINT", "action": "VARCHAR",
           "log_status": "VARCHAR"}


def athena_rows(window: Window, model: Model | None = None, path: Path = SAMPLE) -> list[tuple]:
    """The sample loaded as Athena's table (unparsable lines dropped, as a typed table does) and queried
    on DuckDB with the query `observe --sql athena` emits."""
    import duckdb

    book = sample_book()
    query = emit("athena", "observed", "aws", book, Intent.of(model or observed_model(), "aws", book.aliases), window)
    db = duckdb.connect()
    db.execute(f"CREATE TABLE vpc_flow_logs AS SELECT * FROM read_csv('{path}', delim=' ', header=true, "
               f"columns={COLUMNS!r}, ignore_errors=true)")
    return db.execute(query).fetchall()
