"""bulkhead's AWS stack: load and check the model, then build its AWS network."""

from providers.stack import run

run("aws")
