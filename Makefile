# `make demo` and `make test` each build .venv from nothing when it is missing or older than
# pyproject.toml, so a fresh clone needs only Python 3.11.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck boundary unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bulkhead validate examples/ai-platform.yaml
	$(BIN)/bulkhead plan examples/ai-platform.yaml
	$(BIN)/bulkhead graph examples/ai-platform.yaml
	rm -rf .demo
	$(BIN)/bulkhead simulate examples/ai-platform.yaml --cloud aws --snapshot-out .demo/aws --traffic-out .demo/aws-flows
	$(BIN)/bulkhead simulate examples/ai-platform.yaml --cloud gcp
	$(BIN)/bulkhead simulate examples/ai-platform.yaml --cloud azure
	@# The demo traffic holds one violation, so observe exits 1 as it would in CI; any other code fails the demo.
	$(BIN)/bulkhead observe examples/ai-platform.yaml --cloud aws --snapshot .demo/aws --logs .demo/aws-flows; \
	rc=$$?; if [ $$rc -ne 1 ]; then echo "observe exited $$rc; the demo expects 1 (one violation)"; exit 1; fi; \
	echo "observe exited 1: it found the violation the demo traffic holds (see README, 'make demo')"

lint: $(STAMP)
	$(BIN)/ruff check infra providers tests bench tools stacks

typecheck: $(STAMP)
	$(BIN)/mypy

boundary: $(STAMP)
	$(BIN)/python tools/check_boundaries.py

# pytest exits 5 when it collected nothing: a suite that ran no test is a failure here.
# The suite is CPU-bound: one worker per core (pytest-xdist) nearly halves it on 2 cores.
unit: $(STAMP)
	$(BIN)/python -m pytest -n auto; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

test: lint typecheck boundary unit

bench: $(STAMP)
	$(BIN)/python bench/plan_bench.py

clean:
	rm -rf $(VENV)
