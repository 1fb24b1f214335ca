"""The dependency graph of a desired state, rendered for people
(`reconcile graph`): Mermaid or Graphviz dot, one subgraph per layer, edges
from a dependency to what depends on it (the order things are built in)."""

from __future__ import annotations

from typing import Literal

from desired_state.errors import DesiredStateError
from desired_state.layers.context import LAYER_ORDER
from desired_state.state import DesiredState


def layer_order(state: DesiredState) -> list[str]:
    """Layers in an order where no layer depends on a later one
    (ties broken by the plan's deployment order)."""
    layers = state.layers()
    of = {r.address: r.layer for r in state.resources}
    needs: dict[str, set[str]] = {layer: set() for layer in layers}
    for r in state.resources:
        needs[r.layer].update(of[dep] for dep in r.depends_on if of[dep] != r.layer)
    rank = {layer: i for i, layer in enumerate(LAYER_ORDER)}
    ordered: list[str] = []
    pending = sorted(layers, key=lambda layer: rank.get(layer, len(rank)))
    while pending:
        ready = next((layer for layer in pending if needs[layer] <= set(ordered)), None)
        if ready is None:
            raise DesiredStateError(f"layers depend on each other in a cycle: {', '.join(pending)}", resource="layers")
        ordered.append(ready)
        pending.remove(ready)
    return ordered


def render(state: DesiredState, fmt: Literal["mermaid", "dot"] = "mermaid") -> str:
    """The graph as Mermaid `flowchart` or Graphviz `digraph` text."""
    node = {r.address: f"n{i}" for i, r in enumerate(state.resources)}
    by_layer = {layer: [r for r in state.resources if r.layer == layer] for layer in layer_order(state)}
    lines: list[str] = []
    if fmt == "mermaid":
        lines.append("flowchart LR")
        for layer, resources in by_layer.items():
            lines.append(f"  subgraph {layer}")
            lines.extend(f'    {node[r.address]}["{r.address}<br/>{r.type}"]' for r in resources)
            lines.append("  end")
        lines.extend(f"  {node[dep]} --> {node[r.address]}" for r in state.resources for dep in r.depends_on)
    elif fmt == "dot":
        lines.append(f'digraph "{state.environment}" {{')
        lines.append("  rankdir=LR;")
        for layer, resources in by_layer.items():
            lines.append(f'  subgraph "cluster_{layer}" {{')
            lines.append(f'    label="{layer}";')
            lines.extend(f'    {node[r.address]} [label="{r.address}\\n{r.type}"];' for r in resources)
            lines.append("  }")
        lines.extend(f"  {node[dep]} -> {node[r.address]};" for r in state.resources for dep in r.depends_on)
        lines.append("}")
    else:
        raise DesiredStateError(f"unknown graph format {fmt!r}; use mermaid or dot", resource="graph", field="fmt")
    return "\n".join(lines) + "\n"
