"""bulkhead's cloud-neutral core: the model, the planner, the path engine and the verifier."""
