"""AWS build pipeline: a model's CloudPlan enters; the pure rule plan (plan.py) and the Pulumi
resources wired from it (component.py, the SegmentedNetwork ComponentResource) leave."""

from infra.registry import lazy_exports

# Lazy, so the quota check behind `bulkhead validate` loads plan.py without importing Pulumi.
__getattr__ = lazy_exports(__name__, {
    "rule_plan": "plan", "quota_usage": "plan", "program": "component", "SegmentedNetwork": "component",
    # What validate warns about on AWS (risks.py), pure like the plan.
    "model_warnings": "risks",
    # The stack's declared settings and provider values: pure, for `bulkhead init` and the template.
    "STACK_SETTINGS": "settings", "provider_values": "settings",
}, extra="aws")
