"""`bulkhead:kubernetes:SegmentedNetwork`: wires namespaces and NetworkPolicies from a ready plan.

Every decision (names, selectors, peers, ports) is in plan.py; this module turns plan entries
into pulumi-kubernetes resources. Logical names are `<namespace>/<name>`, from model names, so
reordering the YAML replaces nothing. The cluster is the stack's Kubernetes provider (the
kubeconfig context in `kubernetes:context`), or `opts.provider`.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.plan import CloudPlan
from providers.kubernetes.build.plan import KubernetesRulePlan, NamespacePlan, PolicyPlan, rule_plan


class SegmentedNetwork(pulumi.ComponentResource):
    """Namespaces bulkhead owns, and every segment's NetworkPolicies."""

    def __init__(self, name: str, plan: KubernetesRulePlan, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bulkhead:kubernetes:SegmentedNetwork", name, None, opts)
        self.plan = plan
        child = pulumi.ResourceOptions(parent=self)
        self.namespaces = {n.name: self._namespace(n, child) for n in plan.namespaces}
        self.policies = {f"{p.namespace}/{p.name}": self._policy(p, child) for p in plan.policies}
        if plan.guardrail is not None:
            meta = plan.guardrail["metadata"]
            k8s.apiextensions.CustomResource(
                f"baseline/{meta['name']}", api_version=plan.guardrail["apiVersion"], kind=plan.guardrail["kind"],
                metadata=meta, spec=plan.guardrail["spec"], opts=child)
        self.register_outputs({"segments": segment_outputs(plan)})

    def _namespace(self, namespace: NamespacePlan, child: pulumi.ResourceOptions) -> k8s.core.v1.Namespace:
        return k8s.core.v1.Namespace(namespace.name, metadata={"name": namespace.name,
                                                               "labels": dict(namespace.labels)}, opts=child)

    def _policy(self, policy: PolicyPlan, child: pulumi.ResourceOptions) -> k8s.networking.v1.NetworkPolicy:
        manifest = policy.manifest(self.plan.model)
        # A policy in a namespace bulkhead creates waits for it; shared namespaces exist already.
        owner = self.namespaces.get(policy.namespace)
        opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[owner] if owner else []))
        return k8s.networking.v1.NetworkPolicy(f"{policy.namespace}/{policy.name}", metadata=manifest["metadata"],
                                               spec=manifest["spec"], opts=opts)


def segment_outputs(plan: KubernetesRulePlan) -> dict[str, Any]:
    """Per segment: its namespace, its pod selector and the policies that select its pods."""
    return {seg: {"namespace": pick.namespace, "selector": dict(pick.pods) if not pick.owned else {},
                  "policies": list(plan.policies_of(seg))} for seg, pick in plan.selections.items()}


def program(cloud_plan: CloudPlan, opts: pulumi.ResourceOptions | None = None) -> SegmentedNetwork:
    """Build the model's policies on the cluster and export what workload stacks need."""
    plan = rule_plan(cloud_plan)
    net = SegmentedNetwork(plan.model, plan, opts)
    pulumi.export("cluster", plan.cluster)
    pulumi.export("segments", segment_outputs(plan))
    return net
