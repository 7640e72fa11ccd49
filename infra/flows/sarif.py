"""`observe --format sarif`: the traffic classes as code-scanning alerts, each at its model line.

Built on infra/sarif.py, so observe's logs follow verify's conventions: the model file relative
to the repository root (`%SRCROOT%`), `tool.driver.version`, one rule per class with help and
`security-severity`, `partialFingerprints` from what makes a result the same next run (model,
cloud, rule, endpoints, protocol, port; never a count, a time or a line), `automationDetails`
per command and cloud, and a valid log with `executionSuccessful: false` when the run fails.

One result per flow that needs attention and per unused intended path. Intended traffic raises
nothing, and neither do blocked attempts from the internet that try no guardrail: scans of the
edge never stop, and an alert per scanned port would bury the alerts that matter (the table and
the JSON still count them). Each result sits where the traffic belongs in the model: a guardrail
crossing (or attempt) at the guardrail's `to` entry; other traffic at the flow joining its two
segments, else the segment's `internet:` (traffic with the internet) or `services:` line, else
the segment.
"""

from __future__ import annotations

from typing import Any, cast

from infra import sarif
from infra.flows.aggregate import FlowRow, ObserveReport, UnusedPath
from infra.flows.records import iso
from infra.guardrails import GuardrailIndex, Rail, rails
from infra.load import Loaded
from infra.ports import Protocol, format_ports
from infra.reach import INTERNET, SERVICE_PREFIX

Loc = tuple[str | int, ...]

OBSERVE_RULES: dict[str, sarif.KindRule] = {
    "observe/guardrail": sarif.KindRule(
        "critical", "Traffic crossed a guardrail of the model",
        "the flow logs show accepted traffic that a guardrail (`never:`) forbids: an invariant the security team "
        "owns was broken in fact, not only in the configuration",
        "close the path in the cloud (`bulkhead verify` names the rules that let it through) and find out what the "
        "traffic was: the example records name the interfaces"),
    "observe/violation": sarif.KindRule(
        "high", "Traffic the model does not allow was accepted",
        "the segmentation leaks: traffic crossed between segments, to the internet or to a service where no flow "
        "allows it", "remove the rule that let it through (`bulkhead verify` names it), or add the flow to the model "
        "if the traffic is needed"),
    "observe/guardrail-attempt": sarif.KindRule(
        "medium", "Traffic tried to cross a guardrail and was rejected",
        "the guardrail held, but something tried to reach what a `never:` guardrail forbids: a compromised or "
        "misconfigured workload, or a probe from the internet", "find the workload behind the example records' "
        "interface and what made it try"),
    "observe/blocked-attempt": sarif.KindRule(
        "medium", "Traffic the model does not allow was tried from inside the network and rejected",
        "lateral movement or exfiltration was attempted; the segmentation held",
        "find the workload behind the example records' interface and what made it try"),
    "observe/broken": sarif.KindRule(
        "low", "Traffic the model allows was rejected",
        "a misconfiguration breaks an intended path: the platform does not work as the model says",
        "deploy the model again (pulumi up); `bulkhead verify` names the rule or layer that blocks it"),
    "observe/unknown": sarif.KindRule(
        "low", "Traffic to or from an address no endpoint of the model owns",
        "the model cannot speak about this traffic: a peered network, a VPN, or an address in the network that no "
        "segment owns", "place the workload in a segment, or account for the peer"),
    "observe/unused": sarif.KindRule(
        "low", "An intended path carried no traffic in the window",
        "least privilege: an opening nobody uses is one an attacker may use",
        "remove the flow or port from the model if it is not needed (`observe --learn` proposes the model the "
        "traffic needs)"),
}


VERDICT = {"guardrail": "accepted", "violation": "accepted", "blocked-attempt": "rejected", "broken": "rejected"}


def rule_of(row: FlowRow) -> str | None:
    """The rule a flow raises; None for intended traffic and internet scans of no guardrail."""
    if row.cls == "intended":
        return None
    if row.cls == "blocked-attempt":
        if row.guardrail is not None:
            return "observe/guardrail-attempt"
        return None if row.origin == "internet" else "observe/blocked-attempt"
    return f"observe/{row.cls}"


def observe_log(report: ObserveReport, loaded: Loaded, run: sarif.Run) -> dict[str, Any]:
    """The SARIF log of an observe run that completed."""
    rules = [sarif.rule(rule_id, kind) for rule_id, kind in OBSERVE_RULES.items()]
    index = {rule_id: i for i, rule_id in enumerate(OBSERVE_RULES)}
    found: list[tuple[str, str, Loc, tuple[str, ...], dict[str, Any]]] = []
    for row in report.flows:
        rule_id = rule_of(row)
        if rule_id is not None:
            found.append(_flow_result(rule_id, row, loaded, report))
    for path in report.unused:
        found.append(_unused_result(path, loaded, report))
    results = []
    for (rule_id, message, loc, _, properties), fingerprint in zip(
            found, sarif.fingerprints([f[3] for f in found]), strict=True):
        line, column = loaded.source.locate(loc, key=True)
        results.append({
            "ruleId": rule_id, "ruleIndex": index[rule_id], "level": rules[index[rule_id]]["defaultConfiguration"]
            ["level"], "message": {"text": message}, "locations": [sarif.location(run.artifact, line, column)],
            "partialFingerprints": {sarif.FINGERPRINT: fingerprint}, "properties": properties})
    return sarif.completed_log(run, rules, results)


def _flow_result(rule_id: str, row: FlowRow, loaded: Loaded, report: ObserveReport) -> tuple[
        str, str, Loc, tuple[str, ...], dict[str, Any]]:
    what = f"{row.src} -> {row.dst} on {_traffic(row)}: {row.records} record(s)"
    verdict = VERDICT.get(row.cls, "seen")  # an unknown address's flow may hold both verdicts
    message = f"{row.cls}: {what} {verdict}, first {iso(row.first)}, last {iso(row.last)}"
    properties: dict[str, Any] = {"cloud": report.cloud, "class": row.cls, "records": row.records,
                                  "first": iso(row.first), "last": iso(row.last)}
    if row.guardrail is not None:
        rail = _rail(loaded, row.guardrail)
        crossed = "crossed" if row.cls == "guardrail" else "tried to cross"
        message += f"; it {crossed} guardrail {row.guardrail}" + (f" ({rail.says()})" if rail else "")
        properties["guardrail"] = row.guardrail
        loc = guardrail_location(loaded, row.guardrail, row.src, row.dst)
    else:
        loc = model_location(loaded, row.src, row.dst)
    identity = (report.model, report.cloud, rule_id, row.src, row.dst, row.protocol, str(row.port))
    return rule_id, message, loc, identity, properties


def _unused_result(path: UnusedPath, loaded: Loaded, report: ObserveReport) -> tuple[
        str, str, Loc, tuple[str, ...], dict[str, Any]]:
    rule_id = "observe/unused"
    message = (f"unused: {path.src} -> {path.dst} on {format_ports(cast(Protocol, path.protocol), path.ports)}: "
               f"no traffic from {iso(report.window.start)} to {iso(report.window.end)}")
    identity = (report.model, report.cloud, rule_id, path.src, path.dst, path.protocol)
    return rule_id, message, model_location(loaded, path.src, path.dst), identity, {"cloud": report.cloud}


def _traffic(row: FlowRow) -> str:
    return f"{row.protocol}/{row.port}" if row.port is not None else row.protocol


def _rail(loaded: Loaded, name: str) -> Rail | None:
    return next((r for r in rails(loaded.model) if r.name == name), None)


def guardrail_location(loaded: Loaded, name: str, src: str, dst: str) -> Loc:
    """The guardrail's `to` entry for this destination, else the guardrail itself."""
    for rail in GuardrailIndex.of(loaded.model).by_pair.get((src, dst), ()):
        if rail.name == name:
            return rail.target_loc
    return ("never", int(name.removeprefix("never[").removesuffix("]")))


def model_location(loaded: Loaded, src: str, dst: str) -> Loc:
    """The flow joining src and dst, else the segment's internet or services line (when written),
    else the segment's name."""
    model = loaded.model
    for i, flow in enumerate(model.flows):
        if flow.from_ == src and dst in flow.targets():
            return ("flows", i)
    if src == INTERNET and dst in model.segments:
        return ("segments", dst) + (("internet", "ingress") if model.segments[dst].internet.ingress else ())
    if dst == INTERNET and src in model.segments:
        return ("segments", src) + (("internet", "egress") if model.segments[src].internet.egress else ())
    if dst.startswith(SERVICE_PREFIX) and src in model.segments:
        return ("segments", src) + (("services",) if model.segments[src].services else ())
    for end in (src, dst):
        if end in model.segments:
            return ("segments", end)
    return ("flows",)
