"""Benchmark: classify AWS VPC Flow Logs records streamed from a generated file.

Usage:
  .venv/bin/python bench/observe_bench.py generate N FILE   write N default-format records (plain, or .gz)
  .venv/bin/python bench/observe_bench.py classify FILE [guarded]
                                                            parse -> count once -> classify -> aggregate;
                                                            `guarded`: the model also has guardrails

The records are what a busy platform logs: ~200 workload interfaces in 8 segments talking on
their intended ports (both ends logged, replies included), NODATA lines, some scans from the
internet, lateral attempts and one violating pair; addresses repeat as they do in real logs.
`classify` prints records/s, and the process's peak memory comes from `farm-bench` (or
`/usr/bin/time -v`): run it on 100,000 and on 1,000,000 records to see memory stay flat.
With `guarded`, the model has two guardrails (`never:`) that the lateral attempts and a third
of the scans cross or try, so every record intent does not explain is also checked against them.
"""

from __future__ import annotations

import gzip
import random
import sys
import time
from pathlib import Path

from infra.flows.addresses import AddressBook
from infra.flows.aggregate import aggregate, build_report
from infra.flows.classify import Classifier
from infra.flows.files import text_lines
from infra.flows.intent import Intent
from infra.flows.records import Tally, Window
from infra.gc_tuning import fewer_collections
from infra.model import Model
from providers.aws.observe.flowlog_lines import DEFAULT_FIELDS, parse_lines

SEGMENTS = ("edge", "serving", "training", "feature-store", "vector-db", "model-registry", "notebooks", "monitoring")
FLOWS = [("edge", "serving", 8080), ("serving", "feature-store", 6379), ("serving", "vector-db", 6333),
         ("training", "feature-store", 6379), ("training", "model-registry", 443), ("notebooks", "feature-store", 6379),
         ("monitoring", "serving", 9100), ("monitoring", "training", 9100)]
PER_SEGMENT = 25  # workload interfaces per segment
T0 = 1714564800


GUARDRAILS = [{"from": "notebooks", "to": "training", "ports": [22]},
              {"from": "internet", "to": "edge", "ports": [3389]}]


def model(guarded: bool = False) -> Model:
    return Model.model_validate({
        "name": "bench", "clouds": {"aws": {"region": "us-east-1", "cidr": "10.10.0.0/16"}},
        "segments": {s: ({"internet": {"ingress": [443]}} if s == "edge" else {}) for s in SEGMENTS},
        "flows": [{"from": a, "to": b, "ports": [p]} for a, b, p in FLOWS],
        "never": GUARDRAILS if guarded else []})


def address(segment: int, host: int) -> str:
    return f"10.10.{segment + 1}.{10 + host}"


def book() -> AddressBook:
    owners = [(f"10.10.{i + 1}.0/24", s) for i, s in enumerate(SEGMENTS)]
    interfaces = {f"eni-{i:02d}{h:03d}": [address(i, h)] for i in range(len(SEGMENTS)) for h in range(PER_SEGMENT)}
    return AddressBook(owners, ["10.10.0.0/16"], interfaces=interfaces)


def lines(n: int, seed: int = 7):
    rng = random.Random(seed)
    index = {s: i for i, s in enumerate(SEGMENTS)}
    for k in range(n):
        start = T0 + k // 50
        roll = rng.random()
        if roll < 0.02:
            yield f"2 123456789012 eni-00000 - - - - - - - {start} {start + 60} - NODATA"
            continue
        if roll < 0.05:
            host = rng.randrange(PER_SEGMENT)
            yield (f"2 123456789012 eni-00{host:03d} 198.51.100.{rng.randrange(256)} {address(0, host)} "
                   f"{rng.randrange(1024, 65536)} {rng.choice((22, 3389, 23))} 6 1 44 {start} {start + 5} REJECT OK")
            continue
        a, b, port = FLOWS[rng.randrange(len(FLOWS))] if roll > 0.06 else ("notebooks", "training", 22)
        i, j = index[a], index[b]
        hs, hd = rng.randrange(PER_SEGMENT), rng.randrange(PER_SEGMENT)
        client = rng.randrange(32768, 61000)
        at_dst, reply = rng.random() < 0.5, rng.random() < 0.5
        eni = f"eni-{j:02d}{hd:03d}" if at_dst != reply else f"eni-{i:02d}{hs:03d}"
        src, dst, sport, dport = (address(j, hd), address(i, hs), port, client) if reply else \
            (address(i, hs), address(j, hd), client, port)
        action = "REJECT" if roll < 0.055 else "ACCEPT"
        yield (f"2 123456789012 {eni} {src} {dst} {sport} {dport} 6 {rng.randrange(1, 90)} "
               f"{rng.randrange(40, 90000)} {start} {start + 59} {action} OK")


def generate(n: int, path: Path) -> None:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:
        out.write(" ".join(DEFAULT_FIELDS) + "\n")
        for line in lines(n):
            out.write(line + "\n")


def classify(path: Path, guarded: bool = False) -> None:
    tally, found_book, found_model = Tally(), book(), model(guarded)
    intent = Intent.of(found_model, "aws")
    began = time.perf_counter()
    with fewer_collections():
        records = parse_lines(text_lines(path, tally), str(path), found_book.capture, tally)
        found = aggregate(records, Classifier(found_book, intent), Window(), tally)
        report = build_report("bench", "aws", intent, found, Window(), tally)
    took = time.perf_counter() - began
    read = report.records + tally.duplicates + tally.nodata + tally.bad
    print(f"{path.name}: {read:,} records in {took:.2f} s ({read / took:,.0f} records/s); "
          f"{len(report.flows)} flows; summary {report.summary}; duplicates {tally.duplicates:,}, "
          f"NODATA {tally.nodata:,}, bad {tally.bad}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "generate":
        generate(int(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "classify" and sys.argv[3:] in ([], ["guarded"]):
        classify(Path(sys.argv[2]), guarded=len(sys.argv) == 4)
    else:
        sys.exit(__doc__)
