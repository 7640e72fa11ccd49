"""The body of every `stacks/<cloud>/__main__.py`: load and check the model, then build.

Validation happens before the first resource is registered, so a bad model fails the
`pulumi preview`/`up` with one located line per problem and nothing half-deployed.
"""

from __future__ import annotations

import pulumi

from infra.errors import BulkheadError, Problem
from infra.load import load_model
from infra.plan import make_plan, plan_problems
from infra.registry import part


def run(cloud: str) -> None:
    """Build the network of `cloud` for the model named by the stack config `bulkhead:model`."""
    try:
        loaded = load_model(pulumi.Config("bulkhead").require("model"))
        problems = plan_problems(loaded.model)
        if cloud not in loaded.model.clouds.declared():
            problems.append(Problem(("clouds",), f"{cloud} is not declared",
                                    f"declare clouds.{cloud} to deploy this stack"))
        if problems:
            raise loaded.source.fail(problems)
        # Builders check their own stack config (e.g. Azure's private-link targets) before
        # registering their first resource, so a refusal here is still clean.
        part(cloud, "build").program(make_plan(loaded.model).cloud(cloud))
    except BulkheadError as exc:
        # Every problem on its own line, no traceback.
        raise pulumi.RunError(f"bulkhead: the model cannot be deployed:\n{exc}") from None
