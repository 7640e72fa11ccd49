"""bulkhead's Azure stack: load and check the model, then build its Azure network."""

from providers.stack import run

run("azure")
