"""What turns an observe report into exit 1: `observe --fail-on guardrail,violation,...` (pure).

observe's gates are its traffic classes, as verify's are its finding kinds (infra/gate.py):
- `guardrail`: accepted traffic that crossed a `never:` guardrail;
- `violation`: other accepted traffic the model does not allow;
- `blocked-attempt`: rejected traffic the model does not allow, from inside the network
  (lateral movement, exfiltration) or, from anywhere, toward a guardrail. Scans of the edge
  from the internet that try no guardrail never fail a run: they never stop, and the report
  counts them apart;
- `broken`: rejected traffic the model allows (a misconfiguration breaks an intended path);
- `unknown`: traffic to or from an address no endpoint owns.
The default is `guardrail,violation`: traffic crossed where the model forbids it. That is the
exit 1 the observe issue asks for; the rest is reported and only warns unless selected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from infra.errors import UsageError
from infra.flows.aggregate import FlowRow, ObserveReport

ObserveGate = Literal["guardrail", "violation", "blocked-attempt", "broken", "unknown"]
OBSERVE_GATES: tuple[ObserveGate, ...] = get_args(ObserveGate)
DEFAULT_OBSERVE_FAIL_ON: frozenset[ObserveGate] = frozenset({"guardrail", "violation"})


def parse_observe_fail_on(values: Iterable[str] | None) -> frozenset[ObserveGate]:
    """`--fail-on` values (repeated or comma-separated) -> the gates; none given -> the default."""
    words = [w.strip() for value in values or () for w in value.split(",") if w.strip()]
    if not words:
        return DEFAULT_OBSERVE_FAIL_ON
    unknown = [w for w in words if w not in OBSERVE_GATES]
    if unknown:
        verify_words = " (path and posture are verify's)" if set(unknown) & {"path", "posture"} else ""
        raise UsageError(f"--fail-on {','.join(unknown)}: not an observe class{verify_words}; use one or more of "
                         f"{', '.join(OBSERVE_GATES)} (e.g. --fail-on guardrail,violation,blocked-attempt)")
    return frozenset(w for w in OBSERVE_GATES if w in words)


def gate_of(row: FlowRow) -> ObserveGate | None:
    """The gate a flow falls under; None for intended traffic and for internet scans of no guardrail."""
    if row.cls == "intended":
        return None
    if row.cls == "blocked-attempt" and row.origin == "internet" and row.guardrail is None:
        return None
    return row.cls


def failing(report: ObserveReport, fail_on: frozenset[ObserveGate]) -> tuple[FlowRow, ...]:
    """The flows that fail the run under `fail_on`."""
    return tuple(row for row in report.flows if gate_of(row) in fail_on)


def warned(report: ObserveReport, fail_on: frozenset[ObserveGate]) -> tuple[FlowRow, ...]:
    """Guardrail crossings and violations that `fail_on` leaves out: they only warn."""
    return tuple(row for row in report.flows if row.cls in ("guardrail", "violation") and row.cls not in fail_on)
