"""The model as a graph: segments grouped by cloud, flows as labelled edges (Mermaid or DOT)."""

from __future__ import annotations

from infra.model import Model
from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, Plan, SegmentPlacement
from infra.ports import format_ports


def _node(cloud: str, endpoint: str) -> str:
    """Node id: the internet is one node outside every cloud; segments and services are per cloud."""
    safe = endpoint.replace(":", "_").replace("-", "_")
    return safe if endpoint == INTERNET else f"{cloud}_{safe}"


def _services(cp: CloudPlan) -> list[tuple[str, str]]:
    """(node id, service name) of every service some segment of this cloud uses."""
    used = sorted({p.dst for p in cp.paths if p.dst.startswith(SERVICE_PREFIX)})
    return [(_node(cp.cloud, s), s.removeprefix(SERVICE_PREFIX)) for s in used]


def _title(cp: CloudPlan) -> str:
    return f"{cp.cloud} {cp.region} {cp.cidr}" if cp.addressed else f"{cp.cloud} cluster {cp.region}"


def _where(cp: CloudPlan, placed: SegmentPlacement) -> str:
    """A segment's address block, or on a cluster its namespace (the segment's name unless set)."""
    return str(placed.block) if cp.addressed else f"ns {placed.settings.get('namespace') or placed.segment}"


def _edges(plan: Plan) -> list[tuple[str, str, str]]:
    edges = []
    for cp in plan.clouds:
        labels: dict[tuple[str, str], list[str]] = {}
        for path in cp.paths:
            labels.setdefault((path.src, path.dst), []).append(format_ports(path.protocol, path.ports))
        for (src, dst), label in labels.items():
            edges.append((_node(cp.cloud, src), _node(cp.cloud, dst), " ".join(label)))
    return edges


def mermaid(model: Model, plan: Plan) -> str:
    lines = ["flowchart LR", f"  {INTERNET}((internet))"]
    for cp in plan.clouds:
        lines.append(f"  subgraph {cp.cloud}[\"{_title(cp)}\"]")
        for placed in cp.segments:
            lines.append(f"    {_node(cp.cloud, placed.segment)}[\"{placed.segment}<br/>{_where(cp, placed)}\"]")
        lines += [f"    {node}[/\"{name}\"/]" for node, name in _services(cp)]
        lines.append("  end")
    lines += [f"  {src} -->|\"{label}\"| {dst}" for src, dst, label in _edges(plan)]
    return "\n".join(lines) + "\n"


def dot(model: Model, plan: Plan) -> str:
    lines = [f"digraph \"{model.name}\" {{", "  rankdir=LR;", f"  {INTERNET} [shape=doublecircle];"]
    for cp in plan.clouds:
        lines.append(f"  subgraph cluster_{cp.cloud} {{ label=\"{_title(cp)}\";")
        for placed in cp.segments:
            lines.append(f"    {_node(cp.cloud, placed.segment)} [label=\"{placed.segment}\\n{_where(cp, placed)}\"];")
        lines += [f"    {node} [shape=component,label=\"{name}\"];" for node, name in _services(cp)]
        lines.append("  }")
    lines += [f"  {src} -> {dst} [label=\"{label}\"];" for src, dst, label in _edges(plan)]
    lines.append("}")
    return "\n".join(lines) + "\n"
