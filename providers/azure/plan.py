"""Azure rule plan (pure, no pulumi import). Foundation version: quota counting only."""

from __future__ import annotations

from infra.plan import CloudPlan, QuotaUsage

RULES_PER_NSG = 1000
PRIORITIES = 4096 - 100  # 100..4095 for allows; 4096 is bulkhead's deny-all


def quota_usage(plan: CloudPlan) -> list[QuotaUsage]:
    usages: list[QuotaUsage] = []
    for placed in plan.segments:
        seg = placed.segment
        inbound = sum(len(p.ports.intervals) for p in plan.paths if p.dst == seg)
        outbound = sum(len(p.ports.intervals) for p in plan.paths if p.src == seg)
        usages += [
            QuotaUsage("azure", seg, "rules in the NSG", inbound + outbound + 2, RULES_PER_NSG),
            QuotaUsage("azure", seg, "inbound priorities (100-4095)", inbound, PRIORITIES),
            QuotaUsage("azure", seg, "outbound priorities (100-4095)", outbound, PRIORITIES),
        ]
    return usages
