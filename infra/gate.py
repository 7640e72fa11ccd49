"""What turns a report into exit 1: `--fail-on posture|path|guardrail`.

By default path findings (unintended or missing) and guardrail findings fail the run, and
posture findings only warn: a posture finding is a weakness to own (fix it or waive it), a
path finding means the cloud is not the model. `--fail-on` replaces the default set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from infra.errors import UsageError
from infra.verify import Finding, Kind

Gate = Literal["guardrail", "path", "posture"]
GATES: tuple[Gate, ...] = get_args(Gate)
DEFAULT_FAIL_ON: frozenset[Gate] = frozenset({"guardrail", "path"})
GATE_OF: dict[Kind, Gate] = {
    "guardrail": "guardrail", "unintended-path": "path", "missing-path": "path", "posture": "posture",
}


def parse_fail_on(values: Iterable[str] | None) -> frozenset[Gate]:
    """`--fail-on` values (repeated or comma-separated) -> the gates; none given -> the default."""
    words = [w.strip() for value in values or () for w in value.split(",") if w.strip()]
    if not words:
        return DEFAULT_FAIL_ON
    unknown = [w for w in words if w not in GATES]
    if unknown:
        raise UsageError(f"--fail-on {','.join(unknown)}: unknown; use one or more of {', '.join(GATES)} "
                         "(e.g. --fail-on path,guardrail,posture)")
    return frozenset(w for w in GATES if w in words)


def failing(findings: Iterable[Finding], fail_on: frozenset[Gate]) -> tuple[Finding, ...]:
    """The findings that fail the run under `fail_on`."""
    return tuple(f for f in findings if GATE_OF[f.kind] in fail_on)
