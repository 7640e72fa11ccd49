"""GCP rule plan (pure, no pulumi import). Foundation version: quota counting only."""

from __future__ import annotations

from infra.plan import CloudPlan, QuotaUsage

MAX_NAME = 63


def flow_rule_name(model: str, src: str, dst: str, direction: str) -> str:
    return f"{model}-{src}-to-{dst}-{direction}"


def quota_usage(plan: CloudPlan) -> list[QuotaUsage]:
    usages: list[QuotaUsage] = []
    for placed in plan.segments:
        seg = placed.segment
        longest = max(
            [len(flow_rule_name(plan.model, p.src, p.dst, "in")) for p in plan.paths
             if seg in (p.src, p.dst)] or [len(f"{plan.model}-{seg}-deny-egress")])
        usages.append(QuotaUsage("gcp", seg, "characters in a firewall rule name", longest,
                                 MAX_NAME))
    return usages
