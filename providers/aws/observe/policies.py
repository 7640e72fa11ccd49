"""VPC endpoint policies: does one let any principal, or reach any resource, unconditionally?

A gateway or interface endpoint without a policy gets AWS's default one, which allows every
action by every principal on every resource (docs/cloud-semantics.md 1.3). Such
an endpoint is a private path for ANY account's credentials: a workload, or stolen keys, can
copy data to another account's bucket, registry or key where no firewall sees it.

An `Allow` statement is open when it names every principal (`"*"`, `{"AWS": "*"}`, or a
`NotPrincipal`) or every resource (`"*"` or a `NotResource`) AND carries no `Condition`: a
condition (`aws:PrincipalAccount`, `aws:ResourceAccount`, `aws:PrincipalOrgID`, ...) is how a
policy draws the perimeter, and bulkhead does not second-guess its keys. Gateway Load
Balancer endpoints have no policy.
"""

from __future__ import annotations

import json
from typing import Any

from providers.aws.observe.resources import Json

DEFAULT_POLICY = "no policy (AWS's default allows every principal, action and resource)"


def open_reasons(endpoint: Json) -> list[str]:
    """Why the endpoint's policy is open (empty when it is not)."""
    if endpoint.get("VpcEndpointType") == "GatewayLoadBalancer":
        return []
    document = endpoint.get("PolicyDocument")
    if document in (None, ""):
        return [DEFAULT_POLICY]
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):  # the snapshot check refuses it; a direct caller still gets an answer
            return ["a policy document that is not JSON (AWS would refuse it; re-collect the snapshot)"]
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    return [reason for i, st in enumerate(statements or []) if isinstance(st, dict)
            for reason in _statement_reasons(i, st)]


def _statement_reasons(index: int, statement: Json) -> list[str]:
    if str(statement.get("Effect", "")).lower() != "allow" or statement.get("Condition"):
        return []
    label = f"statement {statement.get('Sid') or index}"
    found = []
    if "NotPrincipal" in statement or _any(statement.get("Principal"), "AWS"):
        found.append(f"{label} allows any principal without a condition")
    if "NotResource" in statement or _any(statement.get("Resource"), None):
        found.append(f"{label} allows any resource without a condition")
    return found


def _any(value: Any, key: str | None) -> bool:
    if value == "*":
        return True
    if isinstance(value, dict) and key is not None:
        value = value.get(key)
        return value == "*" or (isinstance(value, list) and "*" in value)
    return isinstance(value, list) and "*" in value
