"""SARIF 2.1.0 for code scanning: each finding anchored at the model line it belongs to.

What code scanning needs to anchor and de-duplicate alerts, and how this module gives it:
- `artifactLocation.uri` relative to the repository root, with `uriBaseId` (%SRCROOT%): the path
  as typed (absolute, `../..`) would change with the checkout and reopen every alert;
- `partialFingerprints` from the finding's identity (model, cloud, kind or check, endpoints,
  protocol, resource), never from line numbers or wording: editing an unrelated part of the
  model, or a change of ports on the same path, keeps the alert;
- `tool.driver.version`, and one rule per finding kind and per posture check, with
  `shortDescription`, `fullDescription`, `help` and `properties.security-severity`;
- a run that failed (bad input, a cloud that could not be read) is still a valid log with
  `executionSuccessful: false` and the error as a `toolExecutionNotifications` entry, so a CI
  step that uploads the file never uploads nothing.
Waived findings are left out: code scanning raises alerts for suppressed results too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.checks import Check
from infra.errors import Diagnostic
from infra.load import SourceMap
from infra.verify import Finding, Kind, Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "bulkheadFinding/v1"
INFORMATION_URI = "https://github.com/bulkhead/bulkhead"
# GitHub reads security-severity as CVSS-like bands: >= 9 critical, 7-8.9 high, 4-6.9 medium, < 4 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


@dataclass(frozen=True)
class KindRule:
    severity: str
    title: str
    why: str
    fix: str


KIND_RULES: dict[Kind, KindRule] = {
    "guardrail": KindRule(
        "critical", "A path crosses a guardrail of the model",
        "the cloud lets traffic through that a guardrail (`never:`) forbids: an invariant the security team owns "
        "is broken, not only the intent", "close the path in the cloud (and find what opened it); the evidence names "
        "the rules"),
    "unintended-path": KindRule(
        "high", "A network path exists that the model does not allow",
        "traffic the model denies can cross between segments, the internet or services: lateral movement or "
        "exfiltration is possible", "remove the rule named in the evidence, or add the flow to the model if it is "
        "needed"),
    "missing-path": KindRule(
        "low", "A path the model allows is blocked in the cloud",
        "a workload cannot reach what the model says it may: the deployment is out of date or drifted",
        "deploy the model again (pulumi up); the evidence names the rule or layer that blocks it"),
    "posture": KindRule(
        "medium", "A configuration weakens the segmentation",
        "defaults, addresses or logging that open no path yet but make one easy to open or hard to see",
        "see the finding's message"),
}


@dataclass(frozen=True)
class Artifact:
    """The model file as code scanning sees it: a path relative to the repository root."""

    uri: str
    root: Path | None  # None: the file lies outside the root and `uri` is absolute

    def location(self) -> dict[str, Any]:
        return {"uri": self.uri, "uriBaseId": SRCROOT} if self.root is not None else {"uri": self.uri}


def artifact(file: str | Path, root: Path) -> Artifact:
    """`file` (as typed) relative to `root` (the repository root, else the current directory)."""
    path = Path(file).resolve()
    try:
        return Artifact(path.relative_to(root.resolve()).as_posix(), root.resolve())
    except ValueError:
        return Artifact(path.as_uri(), None)


@dataclass(frozen=True)
class Run:
    """What a log says about the run itself: the tool's version, the command and the model file."""

    version: str
    command: str  # verify, simulate, observe: one code-scanning category per command and cloud
    cloud: str
    artifact: Artifact

    def automation(self) -> dict[str, str]:
        return {"id": f"bulkhead/{self.command}/{self.cloud}/"}

    def base_ids(self) -> dict[str, Any]:
        if self.artifact.root is None:
            return {}
        return {"originalUriBaseIds": {SRCROOT: {"uri": self.artifact.root.as_uri() + "/"}}}


def sarif_log(report: Report, source: SourceMap, run: Run, checks: Mapping[str, Check]) -> dict[str, Any]:
    """The log of a run that completed: one result per (unwaived) finding of `report`."""
    rules = _rules(report.findings, checks)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for finding, fingerprint in zip(report.findings, _fingerprints(report), strict=True):
        rule_id = _rule_id(finding, checks)
        line, column = source.locate(finding.loc, key=True) if finding.loc else (1, 1)
        properties: dict[str, Any] = {"cloud": report.cloud, "evidence": list(finding.evidence)}
        if finding.severity:
            properties["severity"] = finding.severity
        results.append({
            "ruleId": rule_id, "ruleIndex": index[rule_id],
            "level": rules[index[rule_id]]["defaultConfiguration"]["level"],
            "message": {"text": finding.message},
            "locations": [location(run.artifact, line, column)],
            "partialFingerprints": {FINGERPRINT: fingerprint},
            "properties": properties,
        })
    return _log(run, rules, results, [{"executionSuccessful": True}])


def failed_log(run: Run, message: str, diagnostics: Sequence[Diagnostic] = (), exit_code: int = 2,
               root: Path | None = None) -> dict[str, Any]:
    """The log of a run that could not finish: no results, the error as notifications."""
    if diagnostics:
        notes = [{"level": "error", "message": {"text": f"{d.path + ': ' if d.path else ''}{d.message}"
                                                        f"{'; ' + d.fix if d.fix else ''}"},
                  "locations": [location(artifact(d.file, root) if root else run.artifact, d.line, d.column)]}
                 for d in diagnostics]
    else:
        notes = [{"level": "error", "message": {"text": message}}]
    invocation = {"executionSuccessful": False, "exitCode": exit_code, "toolExecutionNotifications": notes}
    return _log(run, [], [], [invocation])


def completed_log(run: Run, rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    """The log of a run that completed, from its rules and results (`observe` builds its own:
    infra/flows/sarif.py); `sarif_log` is this for verify's findings."""
    return _log(run, rules, results, [{"executionSuccessful": True}])


def _log(run: Run, rules: list[dict[str, Any]], results: list[dict[str, Any]],
         invocations: list[dict[str, Any]]) -> dict[str, Any]:
    driver = {"name": "bulkhead", "version": run.version, "semanticVersion": run.version,
              "informationUri": INFORMATION_URI, "rules": rules}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": driver},
        "automationDetails": run.automation(),
        **run.base_ids(),
        "invocations": invocations,
        "results": results,
    }]}


def location(where: Artifact, line: int, column: int) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": where.location(),
                                 "region": {"startLine": line, "startColumn": column}}}


def _rule_id(finding: Finding, checks: Mapping[str, Check]) -> str:
    if finding.kind == "posture" and finding.check is not None and finding.check in checks:
        return finding.check
    return finding.kind


def _rules(findings: Iterable[Finding], checks: Mapping[str, Check]) -> list[dict[str, Any]]:
    """The kind rules, then one per declared check of the cloud; the generic posture rule if needed."""
    kinds: list[Kind] = ["guardrail", "unintended-path", "missing-path"]
    if any(f.kind == "posture" and f.check not in checks for f in findings):
        kinds.append("posture")
    rules = [rule(kind, KIND_RULES[kind]) for kind in kinds]
    rules += [rule(check.id, KindRule(check.severity, check.title, check.why, check.fix), check.id)
              for check in checks.values()]
    return rules


def rule(rule_id: str, kind: KindRule, check: str | None = None) -> dict[str, Any]:
    """A reporting descriptor: descriptions, help (text and markdown), level and security-severity."""
    title = kind.title[:1].upper() + kind.title[1:]
    markdown = f"**{title}**\n\nWhy it matters: {kind.why}.\n\nHow to fix: {kind.fix}."
    if check:
        markdown += (f"\n\nTo accept it for a while, waive `{check}` in `bulkhead.waivers.yaml` next to the "
                     "model (with a reason and an expiry date).")
    return {
        "id": rule_id, "name": "".join(w.capitalize() for w in re.split(r"[-/]", rule_id.replace("BH-", ""))),
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"{title}: {kind.why}."},
        "help": {"text": f"{title}. Why it matters: {kind.why}. How to fix: {kind.fix}.", "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[kind.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[kind.severity], "precision": "very-high",
                       "tags": ["security", "network"] + ([check] if check else [])},
    }


def identity(report: Report, finding: Finding) -> tuple[str, ...]:
    """What makes a finding the same finding in the next run (no line, no message, no ports)."""
    base = (report.model, report.cloud)
    if finding.kind == "posture":
        return base + ("posture", finding.check or "", *sorted(finding.evidence))
    return base + (finding.kind, finding.src or "", finding.dst or "", finding.protocol or "")


def _fingerprints(report: Report) -> list[str]:
    """One fingerprint per finding; identical identities (rare) are told apart by their order."""
    return fingerprints([identity(report, finding) for finding in report.findings])


def fingerprints(identities: Sequence[tuple[str, ...]]) -> list[str]:
    """One `partialFingerprints` value per result identity (what makes it the same result in the
    next run: never a line, a count or a message); identical identities are told apart by order."""
    seen: dict[tuple[str, ...], int] = {}
    out = []
    for key in identities:
        seen[key] = seen.get(key, 0) + 1
        text = "\x1f".join(key) + (f"\x1f#{seen[key]}" if seen[key] > 1 else "")
        out.append(hashlib.sha256(text.encode()).hexdigest()[:32])
    return out
