"""bulkhead's GCP stack: load and check the model, then build its GCP network (docs/deploy-gcp.md)."""

from providers.stack import run

run("gcp")
