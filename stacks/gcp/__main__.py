"""bulkhead's GCP stack: load and check the model, then build its GCP network."""

from providers.stack import run

run("gcp")
