"""bulkhead's Kubernetes stack: load and check the model, then apply its NetworkPolicies (docs/deploy-kubernetes.md)."""

from providers.stack import run

run("kubernetes")
