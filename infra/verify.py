"""Intent vs observed: the model's paths compared with what the engine finds in a cloud.

The intended paths are derived here from the model alone, on purpose independently of
infra/plan.py (the build side): if both sides shared the derivation, a bug in it would be
invisible, and the proof would be a tautology. Every ordered pair of endpoints x tcp, udp,
icmp that is intended or observed is compared; the difference becomes findings:
`unintended-path` (only the excess ports), `missing-path` (only the absent ports) and
`posture` (configuration the normalizer flagged), each with rule ids as evidence. Excess
traffic that crosses one of the model's guardrails (`never:`) is a `guardrail` finding
instead, listed before every other finding: it breaks an invariant, not only the intent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra.guardrails import GuardrailIndex
from infra.model import Model
from infra.passing import Ranges, ids_within, ports_of
from infra.placewise import PlaceGap, place_gaps, sending_places
from infra.ports import ALL_PROTOCOLS, PortSet, Protocol, format_ports, parse_port_specs
from infra.reach import INTERNET, SERVICE_PREFIX, Engine, Network, Posture

Kind = Literal["guardrail", "unintended-path", "missing-path", "posture"]
Key = tuple[str, str, Protocol]
Loc = tuple[str | int, ...]
SERVICE_PORTS = ("tcp/443",)  # a private service endpoint speaks HTTPS only


@dataclass(frozen=True)
class Finding:
    kind: Kind
    message: str
    evidence: tuple[str, ...] = ()
    src: str | None = None
    dst: str | None = None
    protocol: Protocol | None = None
    ports: PortSet | None = None
    loc: Loc = ()  # where in the model file the finding belongs (a flow, else a segment)
    check: str | None = None  # posture findings: the stable check id (e.g. BH-AWS-FLOWLOGS-OFF)
    severity: str | None = None
    guardrail: str | None = None  # guardrail findings: the guardrail crossed (e.g. never[0])


@dataclass(frozen=True)
class PathRow:
    """One pair x protocol x port set on which intent and observation agree (or not)."""

    src: str
    dst: str
    protocol: Protocol
    ports: PortSet
    intended: bool
    observed: bool
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    model: str
    cloud: str
    matches_intent: bool
    paths: tuple[PathRow, ...]
    findings: tuple[Finding, ...]


def intended_paths(model: Model, cloud: str) -> dict[Key, PortSet]:
    """The model's allowed paths among the segments placed in `cloud`, merged per protocol."""
    placed = {name for name in model.segments if cloud in model.placement(name)}
    merged: dict[Key, PortSet] = {}

    def add(src: str, dst: str, specs: tuple[object, ...] | dict[Protocol, PortSet]) -> None:
        parsed = specs if isinstance(specs, dict) else parse_port_specs(specs)
        for protocol, ports in parsed.items():
            merged[(src, dst, protocol)] = merged.get((src, dst, protocol), PortSet()) | ports

    for flow in model.flows:
        parsed = parse_port_specs(flow.ports)
        for dst in flow.targets():
            if flow.from_ in placed and dst in placed:  # src == dst only when named both sides
                add(flow.from_, dst, parsed)
    implied = model.implied_egress(cloud)  # a cluster's DNS: verified like any path
    for name in placed:
        segment = model.segments[name]
        if segment.internet.ingress:
            add(INTERNET, name, segment.internet.ingress)
        if segment.internet.egress:
            add(name, INTERNET, segment.internet.egress)
        for service in segment.services:
            add(name, SERVICE_PREFIX + service, SERVICE_PORTS)
        for endpoint, specs in implied:
            add(name, endpoint, specs)
    return {key: ports for key, ports in merged.items() if ports}


def verify(model: Model, network: Network) -> Report:
    """Compare every pair x protocol intended or observed; findings for each difference."""
    engine = Engine(network)
    observed = engine.open_paths()  # what passes, with the ids of its rules (infra/passing.py)
    intended = intended_paths(model, network.cloud)
    guardrails = GuardrailIndex.of(model)
    rows: list[PathRow] = []
    findings: list[Finding] = []
    segments = {name for name in model.segments if network.cloud in model.placement(name)}
    for key in sorted(set(observed) | set(intended), key=_order):
        seen = observed.get(key, ())
        want = intended.get(key, PortSet())
        rows += _rows(key, want, seen)
        findings += _differences(model, engine, key, want, seen, segments, guardrails)
    findings += [_posture(model, network.cloud, p) for p in network.posture]
    findings.sort(key=lambda f: f.kind != "guardrail")  # stable: guardrails first, the rest in order
    return Report(model.name, network.cloud, not findings, tuple(rows), tuple(findings))


def _order(key: Key) -> tuple[str, str, int]:
    return (key[0], key[1], ALL_PROTOCOLS.index(key[2]))


def _rows(key: Key, want: PortSet, seen: Ranges) -> list[PathRow]:
    got = ports_of(seen) if seen else PortSet()
    src, dst, protocol = key
    rows = []
    for ports, intended, observed in ((want & got, True, True), (want - got, True, False), (got - want, False, True)):
        if ports:
            evidence = ids_within(seen, ports) if seen and observed else ()
            rows.append(PathRow(src, dst, protocol, ports, intended, observed, evidence))
    return rows


def _differences(model: Model, engine: Engine, key: Key, want: PortSet, seen: Ranges,
                 segments: set[str], guardrails: GuardrailIndex) -> list[Finding]:
    src, dst, protocol = key
    got = ports_of(seen) if seen else PortSet()
    out = []
    excess, missing = got - want, want - got
    if excess and seen:
        for crossing in guardrails.crossings(src, dst, protocol, excess):
            evidence = ids_within(seen, crossing.ports)
            out.append(Finding(
                "guardrail", f"{_name(src, True)} reaches {_name(dst)}: {crossing.describe()} "
                f"via {', '.join(evidence) or 'no recorded rule'}", evidence, src, dst, protocol, crossing.ports,
                crossing.rail.loc, guardrail=crossing.rail.name))
            excess = excess - crossing.ports
    if excess and seen:
        places = sending_places(engine, src, dst, protocol, excess, segments)
        evidence = tuple(dict.fromkeys((*ids_within(seen, excess), *places)))
        where = f" (from {', '.join(places)} only)" if places else ""
        out.append(Finding(
            "unintended-path", f"{_name(src, True)}{where} reaches {_name(dst)} on {format_ports(protocol, excess)} "
            f"via {', '.join(ids_within(seen, excess)) or 'no recorded rule'}", evidence, src, dst, protocol, excess,
            _pair_loc(model, src, dst)))
    if missing:
        evidence = engine.blocked_by(src, dst, protocol, missing)
        why = f"blocked at {', '.join(evidence)}" if evidence else "no route or interface connects them"
        out.append(Finding(
            "missing-path", f"{_name(src, True)} cannot reach {_name(dst)} on {format_ports(protocol, missing)} "
            f"as the model intends; {why}", evidence, src, dst, protocol, missing, _pair_loc(model, src, dst)))
    if want:
        out += [_place_gap(model, gap) for gap in place_gaps(engine, src, dst, protocol, want, missing, segments)]
    return out


def _place_gap(model: Model, gap: PlaceGap) -> Finding:
    """A path the segment keeps through its other subnets but one subnet (zone) lost."""
    ends = [p for p in (gap.src_place, gap.dst_place) if p]
    src = f"{_name(gap.src, True)}" + (f" in {gap.src_place}" if gap.src_place else "")
    dst = f"{_name(gap.dst)}" + (f" in {gap.dst_place}" if gap.dst_place else "")
    why = f"blocked at {', '.join(gap.blocked_at)}" if gap.blocked_at else "no route or interface connects them"
    return Finding("missing-path", f"{src} cannot reach {dst} on {format_ports(gap.protocol, gap.ports)} as the "
                   f"model intends, although the segment's other subnets can; {why}",
                   tuple(dict.fromkeys((*ends, *gap.blocked_at))), gap.src, gap.dst, gap.protocol, gap.ports,
                   _pair_loc(model, gap.src, gap.dst))


def _posture(model: Model, cloud: str, posture: Posture) -> Finding:
    segment = posture.segment
    loc: Loc = ("segments", segment) if segment in model.segments else ("clouds", cloud)
    evidence = tuple(dict.fromkeys((posture.resource, *posture.evidence)))
    return Finding("posture", posture.message, evidence, src=segment, loc=loc, check=posture.check or None,
                   severity=posture.severity)


def _name(endpoint: str, subject: bool = False) -> str:
    if endpoint == INTERNET:
        return "the internet" if not subject else "The internet"
    if endpoint.startswith(SERVICE_PREFIX):
        return f"the {endpoint[len(SERVICE_PREFIX):]} service"
    return endpoint


def _pair_loc(model: Model, src: str, dst: str) -> Loc:
    """The flow that joins src and dst, else the segment line the path belongs to."""
    for i, flow in enumerate(model.flows):
        if flow.from_ == src and dst in flow.targets():
            return ("flows", i)
    if src == INTERNET and dst in model.segments:
        return ("segments", dst, "internet", "ingress")
    if dst == INTERNET and src in model.segments:
        return ("segments", src, "internet", "egress")
    if dst.startswith(SERVICE_PREFIX) and src in model.segments:
        return ("segments", src, "services")
    for end in (src, dst):
        if end in model.segments:
            return ("segments", end)
    return ()
