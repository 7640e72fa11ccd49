"""Benchmark: AWS verify time (normalize + reach + diff) against the cost of reading the snapshot.

Usage: .venv/bin/python bench/verify_bench.py [N ...] [--repeat R] [--cli]
       (default 100 1000 5000 segments, R = 3)

Each segment gets one subnet, one security group and one NACL; segment i has ~5 flows out
(to i+1 .. i+5, one port each) expressed the way a zero-trust build writes them: group
references in the security groups, per-peer CIDR entries plus ephemeral reply entries in
the NACLs. The snapshot is generated directly as describe-* JSON (no moto, no Pulumi) and
written to a temporary folder the way `bulkhead collect` writes one.

Each size runs in a process of its own (so its peak memory is its own), which measures, in
CPU seconds of that process and best of R:
- `json.load` of every file of the folder: the floor, what merely reading the snapshot costs;
- normalize + verify with Python's default garbage-collector settings (what a library caller
  gets) and under `fewer_collections()` (what the CLI's verify uses), alternating, each as a
  ratio to the floor;
- the peak resident memory of that process.
With --cli, also `bulkhead verify MODEL --cloud aws --snapshot DIR --format json` end to end
(process start, imports, model, reading and checking the snapshot, verify, the JSON report):
wall and CPU seconds of the child, best of R, and its peak memory.
The machine this runs on is shared, so compare ratios taken within one run.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

FLOWS = 5
VPC = IPv4Network("10.0.0.0/8")
ROOT = Path(__file__).resolve().parents[1]


def cidr(i: int) -> str:
    return str(IPv4Network((int(VPC.network_address) + (i + 1) * 256, 24)))


def tags(segment: str) -> list[dict[str, str]]:
    return [{"Key": "bulkhead:model", "Value": "bench"}, {"Key": "bulkhead:segment", "Value": segment}]


def model_document(n: int) -> dict[str, Any]:
    flows = [{"from": f"s{i}", "to": [f"s{(i + k) % n}" for k in range(1, FLOWS + 1)], "ports": [5000 + i % 7]}
             for i in range(n)]
    return {"name": "bench", "clouds": {"aws": {"region": "us-east-1", "cidr": str(VPC)}},
            "segments": {f"s{i}": {} for i in range(n)}, "flows": flows}


def model(n: int) -> Any:
    from infra.model import Model

    return Model.model_validate(model_document(n))


def snapshot(n: int) -> dict[str, Any]:
    subnets, groups, rules, acls = [], [], [], []
    for i in range(n):
        subnets.append({"SubnetId": f"subnet-{i}", "VpcId": "vpc-1", "CidrBlock": cidr(i), "Tags": tags(f"s{i}")})
        groups.append({"GroupId": f"sg-{i}", "GroupName": f"s{i}", "VpcId": "vpc-1", "Tags": tags(f"s{i}")})
        entries = []
        for k in range(1, FLOWS + 1):
            dst, src, port = (i + k) % n, (i - k) % n, 5000 + i % 7
            src_port = 5000 + src % 7
            rules.append(_rule(f"sgr-{i}-o{k}", i, True, port, port, dst))
            rules.append(_rule(f"sgr-{i}-i{k}", i, False, src_port, src_port, src))
            entries += [_entry(100 + k, True, cidr(dst), port, port), _entry(200 + k, False, cidr(dst), 1024, 65535),
                        _entry(300 + k, False, cidr(src), src_port, src_port),
                        _entry(400 + k, True, cidr(src), 1024, 65535)]
        acls.append({"NetworkAclId": f"acl-{i}", "VpcId": "vpc-1", "IsDefault": False, "Entries": entries,
                     "Associations": [{"SubnetId": f"subnet-{i}", "NetworkAclId": f"acl-{i}"}]})
    groups.append({"GroupId": "sg-default", "GroupName": "default", "VpcId": "vpc-1"})
    return {"us-east-1/Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": str(VPC), "Tags": tags("_shared")}]},
            "us-east-1/Subnets.json": {"Subnets": subnets},
            "us-east-1/SecurityGroups.json": {"SecurityGroups": groups},
            "us-east-1/SecurityGroupRules.json": {"SecurityGroupRules": rules},
            "us-east-1/NetworkAcls.json": {"NetworkAcls": acls},
            "us-east-1/RouteTables.json": {"RouteTables": [{
                "RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}],
                "Routes": [{"DestinationCidrBlock": str(VPC), "GatewayId": "local"}]}]},
            "us-east-1/NetworkInterfaces.json": {"NetworkInterfaces": []},  # no workload launched yet
            "us-east-1/FlowLogs.json": {"FlowLogs": [{"FlowLogId": "fl-1", "ResourceId": "vpc-1"}]}}


def _rule(rule_id: str, group: int, egress: bool, lo: int, hi: int, peer: int) -> dict[str, Any]:
    return {"SecurityGroupRuleId": rule_id, "GroupId": f"sg-{group}", "IsEgress": egress, "IpProtocol": "tcp",
            "FromPort": lo, "ToPort": hi, "ReferencedGroupInfo": {"GroupId": f"sg-{peer}"}}


def _entry(number: int, egress: bool, block: str, lo: int, hi: int) -> dict[str, Any]:
    return {"RuleNumber": number, "Egress": egress, "Protocol": "6", "RuleAction": "allow", "CidrBlock": block,
            "PortRange": {"From": lo, "To": hi}}


def write_case(n: int, folder: Path) -> Path:
    """The model file and snapshot folder of n segments under `folder`; returns the snapshot folder."""
    import yaml

    from infra.snapshot import write_snapshot

    (folder / "model.yaml").write_text(yaml.safe_dump(model_document(n), sort_keys=False), encoding="utf-8")
    write_snapshot(snapshot(n), folder / "snapshot")
    return folder / "snapshot"


# --- one size, in its own process ------------------------------------------------------------

def json_floor(folder: Path) -> float:
    files = sorted(folder.rglob("*.json"))
    start = time.process_time()
    for path in files:
        with path.open(encoding="utf-8") as handle:
            json.load(handle)
    return time.process_time() - start


def verify_once(folder: Path, n: int, fewer_gc: bool) -> tuple[float, int]:
    from infra.gc_tuning import fewer_collections
    from infra.snapshot import read_snapshot
    from infra.verify import verify
    from providers.aws.observe.normalize import normalize

    m, snap = model(n), read_snapshot(folder)
    gc.collect()  # start each run from the same heap
    with fewer_collections() if fewer_gc else contextlib.nullcontext():
        start = time.process_time()
        report = verify(m, normalize(snap, m))
        spent = time.process_time() - start
    if report.findings:
        raise SystemExit(f"{n} segments: unexpected findings, e.g. {report.findings[0].message}")
    return spent, len(report.paths)


def one_size(n: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_case(n, Path(tmp))
        floors, default, fewer = [], [], []
        paths = 0
        for _ in range(repeat):  # alternating, so a busy moment hits every column alike
            floors.append(json_floor(folder))
            spent, paths = verify_once(folder, n, False)
            default.append(spent)
            floors.append(json_floor(folder))
            fewer.append(verify_once(folder, n, True)[0])
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"segments": n, "rules": 30 * n, "paths": paths, "floor": min(floors), "default": min(default),
            "fewer": min(fewer), "default_median": sorted(default)[len(default) // 2], "peak_mib": peak}


# --- the CLI, end to end ------------------------------------------------------------------------

def cli_run(n: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_case(n, Path(tmp))
        command = [str(Path(sys.executable).parent / "bulkhead"), "verify", str(Path(tmp) / "model.yaml"),
                   "--cloud", "aws", "--snapshot", str(folder), "--format", "json", "--output",
                   str(Path(tmp) / "report.json")]
        walls, cpus, peaks = [], [], []
        for _ in range(repeat):
            start = time.perf_counter()
            child = subprocess.Popen(command)
            _, status, usage = os.wait4(child.pid, 0)
            walls.append(time.perf_counter() - start)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"bulkhead verify exited {os.waitstatus_to_exitcode(status)}")
            child.returncode = 0
            cpus.append(usage.ru_utime + usage.ru_stime)
            peaks.append(usage.ru_maxrss / 1024)
    return {"wall": min(walls), "cpu": min(cpus), "peak_mib": max(peaks)}


def main(argv: list[str]) -> None:
    repeat = 3
    if "--repeat" in argv:
        at = argv.index("--repeat")
        repeat = int(argv[at + 1])
        del argv[at:at + 2]
    cli = "--cli" in argv
    argv = [a for a in argv if a != "--cli"]
    if argv and argv[0] == "--one":  # the child: one size, one JSON line
        print(json.dumps(one_size(int(argv[1]), repeat)))
        return
    sizes = [int(a) for a in argv] or [100, 1000, 5000]
    print(f"best of {repeat}, CPU seconds; ratio = normalize + verify / json.load of the same files")
    print(f"{'segments':>9} {'rules':>7} {'paths':>7} {'json.load':>10} {'gc default':>11} {'ratio':>6} "
          f"{'gc fewer':>9} {'ratio':>6} {'peak MiB':>9}")
    rows = {}
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--repeat", str(repeat)], check=True,
                             capture_output=True, text=True, cwd=ROOT).stdout
        row = rows[n] = json.loads(out.strip().splitlines()[-1])
        print(f"{n:>9} {row['rules']:>7} {row['paths']:>7} {row['floor']:>10.3f} {row['default']:>11.3f} "
              f"{row['default'] / row['floor']:>6.1f} {row['fewer']:>9.3f} {row['fewer'] / row['floor']:>6.1f} "
              f"{row['peak_mib']:>9.0f}")
    for small, large in zip(sizes, sizes[1:], strict=False):
        print(f"{large} / {small} segments: gc default {rows[large]['default'] / rows[small]['default']:.2f}x, "
              f"gc fewer {rows[large]['fewer'] / rows[small]['fewer']:.2f}x")
    if cli:
        print("\nbulkhead verify --snapshot --format json, end to end (best of "
              f"{repeat}; wall depends on the machine's load, CPU does not)")
        print(f"{'segments':>9} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9}")
        for n in sizes:
            row = cli_run(n, repeat)
            print(f"{n:>9} {row['wall']:>7.2f} {row['cpu']:>7.2f} {row['peak_mib']:>9.0f}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
