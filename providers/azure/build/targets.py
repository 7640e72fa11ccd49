"""Azure private-link targets from the stack config, checked for shape before anything registers.

A target is an existing account (storage, registry, vault, ...) named by its ARM resource id:
`/subscriptions/<subscription GUID>/resourceGroups/<group>/providers/<Namespace>/<type>/<name>`.
A typo there would otherwise surface only when Azure refuses the private endpoint, half-way
through a deployment; a resource of the wrong kind would connect to the wrong sub-resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from infra.errors import UsageError
from providers.azure.services import AZURE_SERVICES

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
RESOURCE_ID = re.compile(
    rf"^/subscriptions/(?P<subscription>{_GUID})/resourceGroups/(?P<group>[-\w.()]{{1,90}})"
    r"/providers/(?P<kind>[A-Za-z][\w.]*/[A-Za-z]\w*)/(?P<name>[^/\s]+)$")
EXAMPLE = "/subscriptions/<subscription-guid>/resourceGroups/<group>/providers/{kind}/<name>"


def target_problems(targets: Mapping[str, object], needed: Iterable[str]) -> list[str]:
    """Every problem with `bulkhead` serviceTargets: unknown services, missing, malformed, wrong kind."""
    problems = []
    for service in sorted(set(targets) - set(AZURE_SERVICES)):
        problems.append(f"serviceTargets.{service}: no such service; the services are {', '.join(AZURE_SERVICES)}")
    for service in sorted(set(needed)):
        kind = AZURE_SERVICES[service].target_kind  # type: ignore[index]
        fix = f"`pulumi config set --path serviceTargets.{service} {EXAMPLE.format(kind=kind)}`"
        value = targets.get(service)
        if value is None:
            problems.append(f"serviceTargets.{service}: no private-link target for {service}; set {fix}")
            continue
        if not isinstance(value, str):
            continue  # an Output of another resource in the same program: known only at deploy time
        match = RESOURCE_ID.fullmatch(value)
        if match is None:
            problems.append(f"serviceTargets.{service}: {value!r} is not an Azure resource id; set {fix}")
        elif match["kind"].lower() != kind.lower():
            problems.append(f"serviceTargets.{service}: {value!r} is a {match['kind']}; {service} connects to "
                            f"a {kind}; set {fix}")
    return problems


def checked_targets(targets: Mapping[str, object], needed: Iterable[str]) -> None:
    """Raise a UsageError listing every problem (one per line), if there is any."""
    problems = target_problems(targets, needed)
    if problems:
        raise UsageError("azure: the private-link targets cannot be used:\n" + "\n".join(problems))
