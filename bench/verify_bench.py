"""Benchmark: AWS verify time (normalize + reach + diff) on synthetic describe-* snapshots.

Usage: .venv/bin/python bench/verify_bench.py [N ...]   (default 100 1000 5000 segments)

Each segment gets one subnet, one security group and one NACL; segment i has ~5 flows out
(to i+1 .. i+5, one port each) expressed the way a zero-trust build writes them: group
references in the security groups, per-peer CIDR entries plus ephemeral reply entries in
the NACLs. The snapshot is generated directly as describe-* JSON (no moto, no Pulumi).
"""

from __future__ import annotations

import contextlib
import sys
import time
from ipaddress import IPv4Network
from typing import Any

from infra.model import Model
from infra.reach import fewer_collections
from infra.verify import verify
from providers.aws.observe.normalize import normalize

FLOWS = 5
VPC = IPv4Network("10.0.0.0/8")


def cidr(i: int) -> str:
    return str(IPv4Network((int(VPC.network_address) + (i + 1) * 256, 24)))


def tags(segment: str) -> list[dict[str, str]]:
    return [{"Key": "bulkhead:model", "Value": "bench"}, {"Key": "bulkhead:segment", "Value": segment}]


def model(n: int) -> Model:
    flows = [{"from": f"s{i}", "to": [f"s{(i + k) % n}" for k in range(1, FLOWS + 1)], "ports": [5000 + i % 7]}
             for i in range(n)]
    return Model.model_validate({"name": "bench", "clouds": {"aws": {"region": "us-east-1", "cidr": str(VPC)}},
                                 "segments": {f"s{i}": {} for i in range(n)}, "flows": flows})


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
            "us-east-1/FlowLogs.json": {"FlowLogs": [{"FlowLogId": "fl-1", "ResourceId": "vpc-1"}]}}


def _rule(rule_id: str, group: int, egress: bool, lo: int, hi: int, peer: int) -> dict[str, Any]:
    return {"SecurityGroupRuleId": rule_id, "GroupId": f"sg-{group}", "IsEgress": egress, "IpProtocol": "tcp",
            "FromPort": lo, "ToPort": hi, "ReferencedGroupInfo": {"GroupId": f"sg-{peer}"}}


def _entry(number: int, egress: bool, block: str, lo: int, hi: int) -> dict[str, Any]:
    return {"RuleNumber": number, "Egress": egress, "Protocol": "6", "RuleAction": "allow", "CidrBlock": block,
            "PortRange": {"From": lo, "To": hi}}


def run(n: int, fewer_gc: bool = False) -> tuple[float, float, int, int]:
    m, snap = model(n), snapshot(n)
    with fewer_collections() if fewer_gc else contextlib.nullcontext():
        start = time.perf_counter()
        network = normalize(snap, m)
        normalized = time.perf_counter()
        report = verify(m, network)
        done = time.perf_counter()
    if report.findings:
        raise SystemExit(f"{n} segments: unexpected findings, e.g. {report.findings[0].message}")
    return normalized - start, done - normalized, len(report.paths), sum(len(r) for r in (snap[
        "us-east-1/SecurityGroupRules.json"]["SecurityGroupRules"],))


def main(sizes: list[int]) -> None:
    # Both settings in one run, alternating, so the noisy machine affects them alike. The CLI
    # verifies under `fewer_collections()`; the default-GC column is the library called bare.
    print(f"{'segments':>9} {'sg rules':>9} {'paths':>7} {'gc':>8} {'normalize s':>12} {'reach+diff s':>13} "
          f"{'total s':>8}")
    for n in sizes:
        for fewer_gc in (False, True):
            norm, rest, paths, rules = run(n, fewer_gc)
            label = "fewer" if fewer_gc else "default"
            print(f"{n:>9} {rules:>9} {paths:>7} {label:>8} {norm:>12.2f} {rest:>13.2f} {norm + rest:>8.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])
