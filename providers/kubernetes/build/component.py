"""`bulkhead:kubernetes:SegmentedNetwork`: wires namespaces and NetworkPolicies from a ready plan.

Every decision (names, selectors, peers, ports) is in plan.py; this module turns plan entries
into pulumi-kubernetes resources. Logical names are `<namespace>/<name>`, from model names, so
reordering the YAML replaces nothing. Every object has a fixed name, so a replacement deletes
the old object first (pulumi-kubernetes does the same for named objects; said here so that it
holds whatever provider version runs). No provider is created here: the cluster is the stack's
default Kubernetes provider, with every `kubernetes:` setting of the stack
(build/settings.py), or `opts.provider`.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.plan import CloudPlan
from infra.stack_outputs import SegmentOutputs, stack_outputs
from providers.kubernetes.build.plan import KubernetesRulePlan, NamespacePlan, PolicyPlan, rule_plan


class SegmentedNetwork(pulumi.ComponentResource):
    """Namespaces bulkhead owns, and every segment's NetworkPolicies."""

    def __init__(self, name: str, plan: KubernetesRulePlan, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bulkhead:kubernetes:SegmentedNetwork", name, None, opts)
        self.plan = plan
        child = pulumi.ResourceOptions(parent=self, delete_before_replace=True)
        self.namespaces = {n.name: self._namespace(n, child) for n in plan.namespaces}
        self.policies = {f"{p.namespace}/{p.name}": self._policy(p, child) for p in plan.policies}
        if plan.guardrail is not None:
            meta = plan.guardrail["metadata"]
            k8s.apiextensions.CustomResource(
                f"baseline/{meta['name']}", api_version=plan.guardrail["apiVersion"], kind=plan.guardrail["kind"],
                metadata=meta, spec=plan.guardrail["spec"], opts=child)
        self.outputs = stack_outputs("kubernetes", plan.model, None, plan.cluster, segment_outputs(plan))
        self.register_outputs(self.outputs)

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


def segment_outputs(plan: KubernetesRulePlan) -> dict[str, SegmentOutputs]:
    """Per segment: the pods that make it up (its namespace and the labels its policies select), no subnets."""
    return {seg: SegmentOutputs(subnet_ids=[], cidrs=[], identity_kind="podSelector", identity=pod_selector(
        pick.namespace, {} if pick.owned else pick.pods)) for seg, pick in plan.selections.items()}


def pod_selector(namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """A segment's identity on a cluster: `{namespace, matchLabels}` ({} = every pod of the namespace)."""
    return {"namespace": namespace, "matchLabels": dict(sorted(labels.items()))}


def program(cloud_plan: CloudPlan, opts: pulumi.ResourceOptions | None = None) -> SegmentedNetwork:
    """Build the model's policies through the stack's own Kubernetes provider; export the one output shape.

    Nothing in the provider's settings can contradict the model (build/settings.py), so there is
    nothing to refuse before the first resource is registered.
    """
    net = SegmentedNetwork(cloud_plan.model, rule_plan(cloud_plan), opts)
    for key, value in net.outputs.items():
        pulumi.export(key, value)
    return net
