"""Live reads through a loopback moto server: `bulkhead verify --region` and collect's calls.

For each size (default 10, 50 and 200 segments) one mocked AWS account is deployed (the
model of bench/simulate_bench.py, through the real stack program into an in-process moto)
and served on 127.0.0.1 by moto's ThreadedMotoServer, which answers from the same in-memory
account. Then, each in its own process pointed at the server with AWS_ENDPOINT_URL:

  calls     every read call of the AWS collector timed alone, one after the other: the
            slowest one, and their sum
  seq/conc  the collector reading the whole snapshot with 1 worker (calls in sequence)
            and with its default pool (calls at once); ratio = concurrent / slowest call
  verify    `bulkhead verify MODEL --cloud aws --region us-east-1` end to end (process
            start, imports, model, collect, normalize, verify, report)

The server runs in this process and the clients in others, as a real account would be.

Hook: `--command "..."` times any other command against the same server and account, once
per size, with AWS_ENDPOINT_URL, AWS_DEFAULT_REGION and fake credentials in its
environment; `{endpoint}`, `{region}` and `{model}` in the command are replaced. For
example a peer tool's EC2 and VPC checks:
    --command "prowler aws --region {region} --service ec2 vpc"

Run: .venv/bin/python bench/live_bench.py [--sizes 10,50,200] [--repeat 3] [--command CMD]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from moto.server import ThreadedMotoServer
from simulate_bench import cloud_plan, model_text  # bench/ is on the path when run as a script

from providers.aws.mock.cloud import FAKE_CREDENTIALS, MockedCloud

REGION = "us-east-1"
BULKHEAD = Path(sys.executable).parent / "bulkhead"

# Run in the client process: each collector call alone, then the whole collect both ways.
CLIENT = """
import json, sys, time
import boto3
from providers.aws.observe.collect import CALLS, collect, read_all, _client
session = boto3.Session()
repeat = int(sys.argv[1])
ec2 = _client(session, 1)
def best(work):
    times = []
    for _ in range(repeat):
        start = time.perf_counter(); work(); times.append(time.perf_counter() - start)
    return min(times)
region = ec2.meta.region_name
calls = {name: best(lambda op=op, key=key: read_all(ec2, op, key, region)) for name, (op, key) in CALLS.items()}
snapshot = collect(session, workers=1)
for pl in snapshot[ec2.meta.region_name + "/PrefixLists.json"]["PrefixLists"]:
    calls["entries " + pl["PrefixListId"]] = best(lambda pl=pl: read_all(
        ec2, "get_managed_prefix_list_entries", "Entries", ec2.meta.region_name, PrefixListId=pl["PrefixListId"]))
print(json.dumps({"calls": calls, "sequential": best(lambda: collect(session, workers=1)),
                  "concurrent": best(lambda: collect(session))}))
"""


def client_env(endpoint: str) -> dict[str, str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_DEFAULT_REGION=REGION, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing")
    env.pop("AWS_PROFILE", None)
    return env


def timed(command: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def measure(size: int, repeat: int, command: str | None) -> dict[str, object]:
    plan = cloud_plan(size)
    with tempfile.TemporaryDirectory() as folder, MockedCloud() as cloud:
        model = Path(folder) / "model.yaml"
        model.write_text(model_text(size), encoding="utf-8")
        cloud.deploy(plan)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            env = client_env(f"http://{host}:{port}")
            reads = subprocess.run([sys.executable, "-c", CLIENT, str(repeat)], env=env, capture_output=True,
                                   text=True, check=True)
            row: dict[str, object] = json.loads(reads.stdout.strip().splitlines()[-1])
            verify = [timed([str(BULKHEAD), "verify", str(model), "--cloud", "aws", "--region", REGION], env)
                      for _ in range(repeat)]
            row["verify"] = min(seconds for seconds, _ in verify)
            row["verify_exit"] = verify[-1][1].returncode
            if command:
                filled = command.format(endpoint=env["AWS_ENDPOINT_URL"], region=REGION, model=model)
                seconds, done = timed(shlex.split(filled), env)
                row["command"], row["command_exit"] = seconds, done.returncode
        finally:
            server.stop()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,200")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--command", help="another command to time against the same server (see the docstring)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    assert FAKE_CREDENTIALS  # the deploy uses the mocked AWS's fake credentials; so do the clients
    print(f"best of {args.repeat}; seconds")
    header = f"{'segments':>8} {'slowest call':>12} {'sum of calls':>12} {'seq':>7} {'conc':>7} {'conc/slowest':>12}" \
             f" {'verify':>7} {'exit':>4}"
    print(header + (f" {'command':>8} {'exit':>4}" if args.command else ""))
    for size in map(int, args.sizes.split(",")):
        row = measure(size, args.repeat, args.command)
        calls: dict[str, float] = row["calls"]  # type: ignore[assignment]
        slowest = max(calls.values())
        line = (f"{size:>8} {slowest:>12.3f} {sum(calls.values()):>12.3f} {row['sequential']:>7.3f}"
                f" {row['concurrent']:>7.3f} {row['concurrent'] / slowest:>11.2f}x"  # type: ignore[operator]
                f" {row['verify']:>7.3f} {row['verify_exit']:>4}")
        if args.command:
            line += f" {row['command']:>8.3f} {row['command_exit']:>4}"
        print(line, flush=True)
        print("   slowest calls: " + ", ".join(f"{name} {seconds:.3f}" for name, seconds in
                                              sorted(calls.items(), key=lambda kv: -kv[1])[:3]), flush=True)


if __name__ == "__main__":
    main()
