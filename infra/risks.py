"""Risky but legal intent: what `bulkhead validate` warns about (exit 0, one located line each).

A model can be valid and still say something its author probably did not mean: the whole
internet on every port, connectionless protocols open to the internet, a flow written twice,
a flow that adds nothing because other flows already allow all of it. These are not errors
(the model deploys as written), so they are returned as Problems for the CLI to print as
warnings, never raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from infra.errors import Problem
from infra.model import Flow, Model
from infra.ports import (
    PROTOCOLS,
    PortSet,
    Protocol,
    format_ports,
    merge_per_protocol,
    parse_port_spec,
    parse_port_specs,
)

Allowed = dict[Protocol, PortSet]


def intent_warnings(model: Model) -> list[Problem]:
    """Every risky-but-legal statement of a valid model, in file order (segments, then flows)."""
    warnings: list[Problem] = []
    for name, segment in model.segments.items():
        warnings += _internet_ingress(name, segment.internet.ingress)
    warnings += _redundant_flows(model.flows)
    return warnings


def provider_warnings(model: Model, clouds: Iterable[str]) -> list[Problem]:
    """What each cloud's build warns about for this model (`model_warnings` of its build part,
    if it has one): intent that cloud's filters cannot keep exactly, such as AWS's S3 case."""
    from infra.registry import part

    warnings: list[Problem] = []
    for cloud in clouds:
        found = getattr(part(cloud, "build"), "model_warnings", None)
        if found is not None:
            warnings += found(model)
    return warnings


def _internet_ingress(segment: str, specs: tuple[int | str, ...]) -> Iterator[Problem]:
    parsed = [parse_port_spec(spec) for spec in specs]
    first: dict[Protocol, int] = {}
    for i, (protocol, _) in enumerate(parsed):
        first.setdefault(protocol, i)
    allowed = merge_per_protocol(parsed)
    for protocol in PROTOCOLS:
        if protocol not in allowed:
            continue
        loc = ("segments", segment, "internet", "ingress", first[protocol])
        every = allowed[protocol] == _every_port(protocol)
        if protocol == "tcp" and every:
            yield Problem(loc, f"warning: {segment} accepts tcp on every port from the whole internet",
                          "list only the ports its services listen on")
        elif protocol == "udp":
            what = "every udp port" if every else format_ports("udp", allowed["udp"])
            yield Problem(loc, f"warning: {segment} accepts {what} from the whole internet (connectionless: "
                               "anyone can send, spoofed sources included)",
                          "keep it only if the segment serves udp to the internet (DNS, QUIC, ...)")
        elif protocol == "icmp":
            yield Problem(loc, f"warning: {segment} accepts icmp from the whole internet (every type)",
                          "remove it unless the segment must answer pings from anywhere")


def _every_port(protocol: Protocol) -> PortSet:
    # Port 0 is not a port a model can name: "every port" is 1-65535.
    return PortSet.single(1, 65535) if protocol != "icmp" else PortSet.full("icmp")


def _redundant_flows(flows: tuple[Flow, ...]) -> Iterator[Problem]:
    """Flows the others already allow, chosen so that dropping all of them changes nothing.

    Narrowest first (of two equal flows, the later one): a flow is redundant when the flows
    still kept allow all of it. Each is then reported with the kept flows that cover it, so
    following every warning leaves the same allowed traffic.
    """
    parsed: dict[tuple[int | str, ...], Allowed] = {}  # most flows share a handful of port lists
    allowed = [parsed.get(flow.ports) or parsed.setdefault(flow.ports, _flow_ports(flow)) for flow in flows]
    # Only flows from the same segment can cover one another: compare within those groups, so a
    # 5,000-flow model costs its groups' sizes squared, not 5,000 squared.
    same_source: dict[str, list[int]] = {}
    for j, flow in enumerate(flows):
        same_source.setdefault(flow.from_, []).append(j)

    def kept(i: int, dropped: set[int]) -> list[tuple[int, Flow, Allowed]]:
        return [(j, flows[j], allowed[j]) for j in same_source[flows[i].from_] if j != i and j not in dropped]

    dropped: set[int] = set()
    for i in sorted(range(len(flows)), key=lambda i: (_size(flows[i], allowed[i]), -i)):
        if _covering(flows[i], allowed[i], kept(i, dropped)):
            dropped.add(i)
    for i in sorted(dropped):
        covering = _covering(flows[i], allowed[i], kept(i, dropped))
        twin = next((j for j in covering if _same(flows[j], flows[i], allowed[j], allowed[i])), None)
        if twin is not None:
            yield Problem(("flows", i), f"warning: this flow repeats flows[{twin}]", "remove one of the two")
        else:
            names = ", ".join(f"flows[{j}]" for j in covering)
            yield Problem(("flows", i), f"warning: this flow adds nothing: {names} already allow all of it",
                          "remove it, or narrow the flows that cover it")


def _size(flow: Flow, ports: Allowed) -> int:
    return len(set(flow.targets())) * sum(p.count() for p in ports.values())


def _flow_ports(flow: Flow) -> Allowed:
    return parse_port_specs(flow.ports)


def _same(a: Flow, b: Flow, a_ports: Allowed, b_ports: Allowed) -> bool:
    return a.from_ == b.from_ and set(a.targets()) == set(b.targets()) and a_ports == b_ports


def _covering(flow: Flow, ports: Allowed, others: list[tuple[int, Flow, Allowed]]) -> list[int]:
    """The other flows that together allow everything `flow` allows, or [] if some of it is new."""
    used: set[int] = set()
    for target in flow.targets():
        for protocol, wanted in ports.items():
            union = PortSet()
            for j, other, other_ports in others:
                if other.from_ == flow.from_ and target in other.targets() and protocol in other_ports:
                    overlap = other_ports[protocol] & wanted
                    if overlap:
                        union = union | overlap
                        used.add(j)
            if not wanted.issubset(union):
                return []
    return sorted(used)
