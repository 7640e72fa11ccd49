"""AWS rule plan (pure, no pulumi import): neutral CloudPlan -> what the AWS component wires.

Foundation version: quota counting only. The AWS build issue replaces the counts with ones
derived from the full rule plan.
"""

from __future__ import annotations

from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, QuotaUsage

SG_RULES_PER_DIRECTION = 60
NACL_ENTRIES_PER_DIRECTION = 20  # includes the default deny
SGS_PER_INTERFACE = 5


def quota_usage(plan: CloudPlan) -> list[QuotaUsage]:
    usages: list[QuotaUsage] = []
    for placed in plan.segments:
        seg = placed.segment
        inbound = [p for p in plan.paths if p.dst == seg]
        outbound = [p for p in plan.paths if p.src == seg]
        sg_in = sum(len(p.ports.intervals) for p in inbound)
        services = [p for p in outbound if p.dst.startswith(SERVICE_PREFIX)]
        sg_out = sum(len(p.ports.intervals) for p in outbound if p not in services)
        sg_out += min(1, len(services)) + (1 if any("object-storage" in p.dst for p in services) else 0)
        # NACL: one entry per peer per interval in each direction, plus the reply entry per
        # peer and protocol in the opposite direction, plus the default deny.
        nacl_in = sum(len(p.ports.intervals) for p in inbound) + len(
            {(p.dst, p.protocol) for p in outbound if p.protocol != "icmp"}) + 1
        nacl_out = sum(len(p.ports.intervals) for p in outbound) + len(
            {(p.src, p.protocol) for p in inbound if p.protocol != "icmp"}) + 1
        if any(p.src == INTERNET for p in inbound):
            nacl_out += 0  # internet replies share the ephemeral entry counted above
        usages += [
            QuotaUsage("aws", seg, "security group ingress rules", sg_in, SG_RULES_PER_DIRECTION),
            QuotaUsage("aws", seg, "security group egress rules", sg_out, SG_RULES_PER_DIRECTION),
            QuotaUsage("aws", seg, "network ACL inbound entries", nacl_in, NACL_ENTRIES_PER_DIRECTION),
            QuotaUsage("aws", seg, "network ACL outbound entries", nacl_out,
                       NACL_ENTRIES_PER_DIRECTION),
            QuotaUsage("aws", seg, "security groups per interface", 1, SGS_PER_INTERFACE),
        ]
    return usages
