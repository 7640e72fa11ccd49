"""The model as a graph: segments grouped by cloud, flows as labelled edges (Mermaid or DOT)."""

from __future__ import annotations

from infra.model import Model
from infra.plan import INTERNET, SERVICE_PREFIX, CloudPlan, Plan, SegmentPlacement
from infra.ports import format_ports

# Names, regions and namespaces are checked at load, but a cluster's name is free text: every text put
# in a label is escaped so that no value can close the quotes, add a node or start HTML.
_MERMAID = {c: f"#{ord(c)};" for c in '"#&<>`'}  # Mermaid's entity codes; its labels are HTML


def _mermaid(text: str) -> str:
    return "".join(_MERMAID.get(c, c) for c in _one_line(text))


def _dot(text: str) -> str:
    # Backslashes first: one starts an escape in DOT (`\N` is the node's name, `\n` a line break).
    return _one_line(text).replace("\\", "\\\\").replace('"', '\\"')


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)


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
        lines.append(f"  subgraph {cp.cloud}[\"{_mermaid(_title(cp))}\"]")
        for placed in cp.segments:
            label = f"{_mermaid(placed.segment)}<br/>{_mermaid(_where(cp, placed))}"
            lines.append(f"    {_node(cp.cloud, placed.segment)}[\"{label}\"]")
        lines += [f"    {node}[/\"{_mermaid(name)}\"/]" for node, name in _services(cp)]
        lines.append("  end")
    lines += [f"  {src} -->|\"{_mermaid(label)}\"| {dst}" for src, dst, label in _edges(plan)]
    return "\n".join(lines) + "\n"


def dot(model: Model, plan: Plan) -> str:
    lines = [f"digraph \"{_dot(model.name)}\" {{", "  rankdir=LR;", f"  {INTERNET} [shape=doublecircle];"]
    for cp in plan.clouds:
        lines.append(f"  subgraph cluster_{cp.cloud} {{ label=\"{_dot(_title(cp))}\";")
        for placed in cp.segments:
            label = f"{_dot(placed.segment)}\\n{_dot(_where(cp, placed))}"
            lines.append(f"    {_node(cp.cloud, placed.segment)} [label=\"{label}\"];")
        lines += [f"    {node} [shape=component,label=\"{_dot(name)}\"];" for node, name in _services(cp)]
        lines.append("  }")
    lines += [f"  {src} -> {dst} [label=\"{_dot(label)}\"];" for src, dst, label in _edges(plan)]
    lines.append("}")
    return "\n".join(lines) + "\n"
