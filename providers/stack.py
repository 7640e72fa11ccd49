"""The body of every stack's `__main__.py` (stacks/<cloud>/, or a project `bulkhead init` wrote).

Reads the model named by the project's `model` setting, checks it, then builds. Validation
happens before the first resource is registered, so a bad model fails `pulumi preview`/`up`
with one located line per problem and nothing half-deployed. The settings live in the
project's own config namespace (`pulumi config set model ...`), where Pulumi.yaml declares
their types (infra/stack_template.py).
"""

from __future__ import annotations

from types import ModuleType

from infra.errors import BulkheadError, Problem, UsageError
from infra.load import load_model
from infra.plan import make_plan, plan_problems
from infra.registry import needs, part


def run(cloud: str) -> None:
    """Build the network of `cloud` for the model named by the stack setting `model`."""
    try:
        pulumi = needs("pulumi", cloud)
    except BulkheadError as exc:  # no Pulumi SDK: nothing to report through, say it plainly
        raise SystemExit(f"bulkhead: {exc}") from None
    try:
        _refuse_old_namespace(pulumi, cloud)
        loaded = load_model(pulumi.Config().require("model"))
        problems = plan_problems(loaded.model)
        if cloud not in loaded.model.clouds.declared():
            problems.append(Problem(("clouds",), f"{cloud} is not declared",
                                    f"declare clouds.{cloud} to deploy this stack"))
        if problems:
            raise loaded.source.fail(problems)
        # Builders check their own stack config (provider region, Azure's private-link
        # targets, ...) before registering their first resource, so a refusal is still clean.
        part(cloud, "build").program(make_plan(loaded.model).cloud(cloud))
    except BulkheadError as exc:
        # Every problem on its own line, no traceback.
        raise pulumi.RunError(f"bulkhead: the model cannot be deployed:\n{exc}") from None


# Settings bulkhead read from the `bulkhead:` namespace before they moved into the project's.
OLD_KEYS = ("model", "flowLogs", "serviceTargets", "flowLogStorageId", "flowLogRetentionDays",
            "networkWatcherGroup", "networkWatcherName")


def _refuse_old_namespace(pulumi: ModuleType, cloud: str) -> None:
    """A stack still configured as `bulkhead:model` would silently deploy Pulumi.yaml's default model."""
    project = pulumi.get_project()
    if project == "bulkhead":  # the namespaces coincide (simulate's mocks): nothing moved
        return
    old = pulumi.Config("bulkhead")
    stale = [key for key in OLD_KEYS if old.get(key) is not None]
    if stale:
        moves = "; ".join(f"`pulumi config rm bulkhead:{k}` then `pulumi config set {k} ...`" for k in stale)
        raise UsageError(f"{cloud}: the stack sets {', '.join(f'bulkhead:{k}' for k in stale)}; this project "
                         f"reads its settings as {project}:<key> now: {moves}")
