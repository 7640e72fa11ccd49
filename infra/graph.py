"""The model as a graph: segments grouped by cloud, flows as labelled edges (Mermaid or DOT)."""

from __future__ import annotations

from infra.model import Model
from infra.plan import INTERNET, SERVICE_PREFIX, Plan
from infra.ports import format_ports


def _node(cloud: str, endpoint: str) -> str:
    safe = endpoint.replace(":", "_").replace("-", "_")
    return safe if endpoint == INTERNET or endpoint.startswith(SERVICE_PREFIX) else f"{cloud}_{safe}"


def _edges(plan: Plan) -> list[tuple[str, str, str]]:
    edges = []
    for cp in plan.clouds:
        labels: dict[tuple[str, str], list[str]] = {}
        for path in cp.paths:
            labels.setdefault((path.src, path.dst), []).append(format_ports(path.protocol, path.ports))
        for (src, dst), label in labels.items():
            dst_node = _node(cp.cloud, dst) if not dst.startswith(SERVICE_PREFIX) else \
                f"{cp.cloud}_{_node(cp.cloud, dst)}"
            edges.append((_node(cp.cloud, src), dst_node, " ".join(label)))
    return edges


def mermaid(model: Model, plan: Plan) -> str:
    lines = ["flowchart LR", f"  {INTERNET}((internet))"]
    for cp in plan.clouds:
        lines.append(f"  subgraph {cp.cloud}[\"{cp.cloud} {cp.region} {cp.cidr}\"]")
        for placed in cp.segments:
            lines.append(f"    {_node(cp.cloud, placed.segment)}[\"{placed.segment}<br/>{placed.block}\"]")
        for service in sorted({p.dst for p in cp.paths if p.dst.startswith(SERVICE_PREFIX)}):
            node = f"{cp.cloud}_{_node(cp.cloud, service)}"
            lines.append(f"    {node}[/\"{service.removeprefix(SERVICE_PREFIX)}\"/]")
        lines.append("  end")
    lines += [f"  {src} -->|\"{label}\"| {dst}" for src, dst, label in _edges(plan)]
    return "\n".join(lines) + "\n"


def dot(model: Model, plan: Plan) -> str:
    lines = [f"digraph \"{model.name}\" {{", "  rankdir=LR;", f"  {INTERNET} [shape=doublecircle];"]
    for cp in plan.clouds:
        lines.append(f"  subgraph cluster_{cp.cloud} {{ label=\"{cp.cloud} {cp.region} {cp.cidr}\";")
        for placed in cp.segments:
            lines.append(f"    {_node(cp.cloud, placed.segment)} [label=\"{placed.segment}\\n{placed.block}\"];")
        for service in sorted({p.dst for p in cp.paths if p.dst.startswith(SERVICE_PREFIX)}):
            node = f"{cp.cloud}_{_node(cp.cloud, service)}"
            lines.append(f"    {node} [shape=component,label=\"{service.removeprefix(SERVICE_PREFIX)}\"];")
        lines.append("  }")
    lines += [f"  {src} -> {dst} [label=\"{label}\"];" for src, dst, label in _edges(plan)]
    lines.append("}")
    return "\n".join(lines) + "\n"
