"""`observe --learn`: the traffic that really flows, written back as the model that would allow it.

The visibility stage before enforcement: the accepted traffic between segments becomes the
model's `flows:` (ports merged into ranges, sorted), the accepted traffic with the internet
and with services becomes each segment's `internet:` and `services:`. The result is the
user's model file with those keys replaced (comments elsewhere kept), ready to review and
`bulkhead validate`. The header lists what would become DENIED if it were enforced: the
ranges the current model allows that carried no accepted traffic, and traffic no model can
allow (an address no endpoint owns).

It never proposes traffic that crosses a guardrail (`never:`, kept as it is): accepted
traffic of class `guardrail` is left out, and the header lists it apart, with the guardrail
it crossed. Learning must not turn a breach into intent; the model would not validate either.

Accepted traffic no model can express is not learned either, and the header lists it apart:
a protocol other than tcp, udp and icmp (GRE, ESP, ...), and tcp or udp on port 0 (VPC Flow
Logs write port 0 for fragments; a model's ports are 1-65535). Writing it would give a model
that does not validate; dropping it silently would hide traffic that enforcing would deny.

What is learned from one cloud is written for every cloud the segments are placed in:
review it there too. Flows between segments that are not both placed in this cloud say
nothing about it and are kept as they are.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from infra.errors import BulkheadError, ModelError
from infra.flows.aggregate import FlowRow, ObserveReport
from infra.load import Loaded, parse_model
from infra.model import SERVICES
from infra.ports import MAX_PORT, PROTOCOLS, PortSet, Protocol, format_ports, merge_per_protocol
from infra.reach import INTERNET, SERVICE_PREFIX
from infra.verify import intended_paths

ACCEPTED = ("intended", "violation")  # never "guardrail": see the module docstring


@dataclass(frozen=True)
class Learned:
    text: str  # the model file with flows, internet and services learned
    would_deny: tuple[str, ...]  # one line per path that enforcing it would close
    left_out: tuple[str, ...] = ()  # one line per accepted flow that crossed a guardrail
    inexpressible: tuple[str, ...] = ()  # one line per accepted flow no model can allow


class LearnFailed(BulkheadError):
    """The learned model does not validate: bulkhead wrote it, so the user's model is not to blame."""


def learn(report: ObserveReport, loaded: Loaded) -> Learned:
    model = loaded.model
    placed = [s for s in model.segments if report.cloud in model.placement(s)]
    accepted = [r for r in report.flows if r.cls in ACCEPTED and expressible(r)]
    pairs = _ports_by_pair(accepted)
    document = YAML(typ="rt").load(loaded.text)
    document["flows"] = _flows(document.get("flows") or [], model, placed, pairs, report.cloud)
    for segment in placed:
        _segment(document["segments"], segment, pairs, model.segments[segment].services)
    text = _dump(document)
    learned = _validated(text, loaded)
    before, after = intended_paths(model, report.cloud), intended_paths(learned, report.cloud)
    closed = [f"{src} -> {dst} {format_ports(protocol, ports - after.get((src, dst, protocol), PortSet()))}"
              for (src, dst, protocol), ports in sorted(before.items())
              if ports - after.get((src, dst, protocol), PortSet())]
    unknown = [f"{r.src} -> {r.dst} {_traffic(r)}: an address no endpoint owns ({r.records} record(s))"
               for r in report.flows if r.cls == "unknown"]
    crossed = [f"{r.src} -> {r.dst} {_traffic(r)}: crossed guardrail {r.guardrail} ({r.records} record(s))"
               for r in report.flows if r.cls == "guardrail"]
    unnamed = [f"{r.src} -> {r.dst} {_traffic(r)}: {_why_inexpressible(r)} ({r.records} record(s))"
               for r in report.flows if r.cls in ACCEPTED and not expressible(r)]
    return Learned(_header(report, closed + unknown, crossed, unnamed) + text, tuple(closed + unknown),
                   tuple(crossed), tuple(unnamed))


def expressible(row: FlowRow) -> bool:
    """Whether a model's port spec can allow the row's traffic (see the module docstring)."""
    if row.protocol == "icmp":
        return True
    return row.protocol in PROTOCOLS and row.port is not None and 1 <= row.port <= MAX_PORT


def _why_inexpressible(row: FlowRow) -> str:
    if row.protocol not in PROTOCOLS:
        return "a model names tcp, udp and icmp only"
    return f"a model's ports are 1-{MAX_PORT}"


def _validated(text: str, loaded: Loaded) -> Any:
    """The learned model, parsed; its problems are bulkhead's (it wrote the text), said as such."""
    try:
        return parse_model(text, f"{loaded.source.file} (learned)").model
    except ModelError as exc:
        raise LearnFailed(f"the model --learn wrote from the flow logs does not validate; {loaded.source.file} "
                          f"itself is fine (this is a bug in bulkhead: please report it):\n{exc}") from None


def _traffic(row: FlowRow) -> str:
    return f"{row.protocol}/{row.port}" if row.port is not None else row.protocol


def _ports_by_pair(rows: Iterable[FlowRow]) -> dict[tuple[str, str], dict[Protocol, PortSet]]:
    found: dict[tuple[str, str], list[tuple[Protocol, PortSet]]] = {}
    for row in rows:
        if row.protocol not in PROTOCOLS:
            continue  # the model cannot name other IP protocols
        protocol = cast(Protocol, row.protocol)
        ports = PortSet.full("icmp") if protocol == "icmp" else PortSet.single(row.port or 0)
        found.setdefault((row.src, row.dst), []).append((protocol, ports))
    # Merged once per pair: thousands of observed ports folded with `|` one by one are quadratic.
    return {pair: merge_per_protocol(seen) for pair, seen in found.items()}


def port_specs(ports: dict[Protocol, PortSet]) -> list[int | str]:
    """Merged, sorted model port specs: 443, "8000-8100", "udp/53", "icmp"."""
    specs: list[int | str] = []
    for protocol in PROTOCOLS:
        found = ports.get(protocol)
        if not found:
            continue
        if protocol == "icmp":
            specs.append("icmp")
            continue
        for lo, hi in found:
            text = str(lo) if lo == hi else f"{lo}-{hi}"
            specs.append(lo if protocol == "tcp" and lo == hi else text if protocol == "tcp" else f"udp/{text}")
    return specs


def _flows(current: list[Any], model: Any, placed: list[str], pairs: dict, cloud: str) -> CommentedSeq:
    here = set(placed)
    kept = CommentedSeq()
    for raw, flow in zip(current, model.flows, strict=True):
        if not (flow.from_ in here and all(t in here for t in flow.targets())):
            kept.append(raw)  # says nothing about this cloud
    for (src, dst), ports in sorted(pairs.items()):
        if src in here and dst in here:
            entry = CommentedMap([("from", src), ("to", dst), ("ports", _flow_list(port_specs(ports)))])
            entry.fa.set_flow_style()
            kept.append(entry)
    return kept


def _flow_list(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _segment(segments: CommentedMap, name: str, pairs: dict, declared: tuple[str, ...]) -> None:
    if segments.get(name) is None:
        segments[name] = CommentedMap()
    body = segments[name]
    internet = CommentedMap()
    for key, pair in (("ingress", (INTERNET, name)), ("egress", (name, INTERNET))):
        if pair in pairs:
            internet[key] = _flow_list(port_specs(pairs[pair]))
    if internet:
        internet.fa.set_flow_style()
        body["internet"] = internet
    else:
        body.pop("internet", None)
    services = sorted({dst.removeprefix(SERVICE_PREFIX) for (src, dst) in pairs
                       if src == name and dst.startswith(SERVICE_PREFIX)})
    known = [s for s in services if s in SERVICES]
    if len(known) < len(services):  # an endpoint that stands for several APIs: keep what was declared
        known = sorted(set(known) | set(declared))
    if known:
        body["services"] = _flow_list(known)
    else:
        body.pop("services", None)


def _dump(document: Any) -> str:
    stream = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.width = 120
    yaml.dump(document, stream)
    return stream.getvalue()


def _header(report: ObserveReport, denied: list[str], crossed: list[str], unnamed: list[str]) -> str:
    lines = [f"# Learned by `bulkhead observe --learn` from {report.records} flow-log records on {report.cloud}.",
             "# Review before enforcing: it allows what was accepted, including any violation.",
             "# If enforced, this would become denied:" if denied else "# If enforced, nothing would become denied."]
    lines += [f"#   {line}" for line in denied]
    if crossed:
        lines.append("# Left out: accepted traffic that crossed a guardrail (never:); it stays forbidden, and "
                     "enforcing this model denies it:")
        lines += [f"#   {line}" for line in crossed]
    if unnamed:
        lines.append("# Not learned: accepted traffic no model can express; enforcing this model denies it:")
        lines += [f"#   {line}" for line in unnamed]
    return "\n".join(lines) + "\n"
