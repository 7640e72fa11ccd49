"""bulkhead's Kubernetes stack: load and check the model, then build its Kubernetes network."""

from providers.stack import run

run("kubernetes")
