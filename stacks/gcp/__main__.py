"""bulkhead's GCP stack: load and check the model, then build its GCP network (docs/deploy-gcp.md)."""

import pulumi

from infra.errors import BulkheadError, Problem
from infra.load import load_model
from infra.plan import make_plan, plan_problems
from providers.gcp.build import program

try:
    loaded = load_model(pulumi.Config("bulkhead").require("model"))
    problems = plan_problems(loaded.model)
    if "gcp" not in loaded.model.clouds.declared():
        problems.append(Problem(("clouds",), "gcp is not declared", "declare clouds.gcp to deploy this stack"))
    if problems:
        raise loaded.source.fail(problems)
except BulkheadError as exc:
    # Every problem on its own line, no traceback; nothing has been registered yet.
    raise pulumi.RunError(f"bulkhead: the model cannot be deployed:\n{exc}") from None
program(make_plan(loaded.model).cloud("gcp"))
