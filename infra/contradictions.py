"""The model against its own guardrails: what `validate` refuses under `never:`.

A guardrail is owned by a security team; flows, internet ports and services are written by
platform teams. When they disagree the model is refused, naming both places: the flow (or
port, or service) that opens the traffic, and the guardrail it crosses. Guardrails that name
unknown endpoints are refused too (a typo would silently guard nothing).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from infra.errors import Problem
from infra.guardrails import Rail, rails
from infra.model import RESERVED_ENDPOINTS, SERVICES, Model
from infra.ports import PortSet, Protocol, format_ports, parse_port_specs
from infra.reach import INTERNET, SERVICE_PREFIX
from infra.verify import SERVICE_PORTS

Loc = tuple[str | int, ...]


def guardrail_problems(model: Model, flow_index: Sequence[int] | None = None,
                       guardrail_index: Sequence[int] | None = None) -> list[Problem]:
    """Unknown endpoints in guardrails, and every part of the model that crosses one. Never raises.

    `flow_index` and `guardrail_index` give each flow's and guardrail's position in the file
    when `model` holds only the parts that validated (the loader checks those too, to report
    every problem at once).
    """
    problems: list[Problem] = []
    flows = range(len(model.flows)) if flow_index is None else flow_index
    for rail in rails(model):
        if guardrail_index is not None:
            rail = replace(rail, index=guardrail_index[rail.index])
        endpoint_problems = list(_endpoint_problems(model, rail))
        problems += endpoint_problems
        if endpoint_problems:
            continue
        for loc, what, opened in _openings(model, rail, flows):
            crossing = _crossing_problem(rail, loc, what, opened)
            if crossing is not None:
                problems.append(crossing)
    return problems


def _endpoint_problems(model: Model, rail: Rail) -> Iterator[Problem]:
    segments = list(model.segments)
    if rail.src not in model.segments and rail.src != INTERNET:
        if rail.src.startswith(SERVICE_PREFIX):
            yield Problem(rail.loc + ("from",), f"'{rail.src}': a service only answers, it never starts traffic",
                          "name the segment (or internet) the guardrail is about under from")
        else:
            yield Problem(rail.loc + ("from",), f"unknown segment '{rail.src}'",
                          _did_you_mean(rail.src, segments + [INTERNET]) or "name a segment or internet")
    if rail.dst.startswith(SERVICE_PREFIX):
        service = rail.dst[len(SERVICE_PREFIX):]
        if service not in SERVICES:
            yield Problem(rail.target_loc, f"unknown service '{service}'",
                          _did_you_mean(service, list(SERVICES), SERVICE_PREFIX) or
                          f"use one of: {', '.join(SERVICE_PREFIX + s for s in SERVICES)}")
    elif rail.dst not in model.segments and rail.dst not in RESERVED_ENDPOINTS:
        yield Problem(rail.target_loc, f"unknown segment '{rail.dst}'",
                      _did_you_mean(rail.dst, segments + [INTERNET]) or
                      "name a segment, internet or service:<name>")
    elif rail.src == INTERNET and rail.dst == INTERNET:
        yield Problem(rail.target_loc, "a guardrail from the internet to the internet guards nothing",
                      "name a segment on one side")


def _openings(model: Model, rail: Rail, flows: Sequence[int]) -> Iterator[tuple[Loc, str, dict[Protocol, PortSet]]]:
    """Each place in the model that allows traffic from rail.src to rail.dst, with what it allows."""
    src, dst = rail.src, rail.dst
    for i, flow in zip(flows, model.flows, strict=True):
        if flow.from_ == src and dst in flow.targets():
            # At the flow, or at the target in its `to` list (one flow may cross several guardrails).
            at: Loc = ("flows", i) if isinstance(flow.to, str) else ("flows", i, "to", flow.targets().index(dst))
            yield at, f"flow {src} -> {dst}", parse_port_specs(flow.ports)
    if src == INTERNET and dst in model.segments:
        yield (("segments", dst, "internet", "ingress"), f"internet ingress of {dst}",
               parse_port_specs(model.segments[dst].internet.ingress))
    if dst == INTERNET and src in model.segments:
        yield (("segments", src, "internet", "egress"), f"internet egress of {src}",
               parse_port_specs(model.segments[src].internet.egress))
    if dst.startswith(SERVICE_PREFIX) and src in model.segments:
        for k, service in enumerate(model.segments[src].services):
            if SERVICE_PREFIX + service == dst:
                yield ("segments", src, "services", k), f"service {service} of {src}", parse_port_specs(SERVICE_PORTS)


def _crossing_problem(rail: Rail, loc: Loc, what: str, opened: dict[Protocol, PortSet]) -> Problem | None:
    crossed = {protocol: rail.forbids(protocol, ports) for protocol, ports in opened.items()}
    shown = ", ".join(format_ports(p, ports) for p, ports in crossed.items() if ports)
    if not shown:
        return None
    return Problem(loc, f"{what} allows {shown}, but '{rail.says()}' says guardrail {rail.name}",
                   f"remove that traffic here, or ask the owners of {rail.name} to change it", see=rail.loc)


def _did_you_mean(name: str, choices: list[str], prefix: str = "") -> str:
    import difflib

    close = difflib.get_close_matches(name, choices, n=1)
    return f"did you mean '{prefix}{close[0]}'?" if close else ""
