"""The dependency graph of a desired state, rendered for people
(`reconcile graph`): Mermaid or Graphviz dot, one subgraph per layer, edges
from a dependency to what depends on it (the order things are built in)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
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


def node_ids(addresses: Iterable[str]) -> dict[str, str]:
    """A readable node id per address: the address itself with what Mermaid ids cannot hold
    (dots among them) as `_`, made unique; DOT quotes the address instead."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for address in addresses:
        base = re.sub(r"[^A-Za-z0-9_]", "_", address)
        node, n = base, 2
        while node in used:
            node, n = f"{base}_{n}", n + 1
        used.add(node)
        ids[address] = node
    return ids


def render(state: DesiredState, fmt: Literal["mermaid", "dot"] = "mermaid", addresses: Collection[str] | None = None) -> str:
    """The graph as Mermaid `flowchart` or Graphviz `digraph` text: every resource, or only
    `addresses` and the edges between them. Nodes are named after their addresses."""
    shown = [r for r in state.resources if addresses is None or r.address in addresses]
    edges = [(dep, r.address) for r in shown for dep in r.depends_on if addresses is None or dep in addresses]
    by_layer = {layer: [r for r in shown if r.layer == layer] for layer in layer_order(state)}
    by_layer = {layer: resources for layer, resources in by_layer.items() if resources}
    lines: list[str] = []
    if fmt == "mermaid":
        node = node_ids(r.address for r in shown)
        lines.append("flowchart LR")
        for layer, resources in by_layer.items():
            lines.append(f"  subgraph {layer}")
            lines.extend(f'    {node[r.address]}["{r.address}<br/>{r.type}"]' for r in resources)
            lines.append("  end")
        lines.extend(f"  {node[dep]} --> {node[address]}" for dep, address in edges)
    elif fmt == "dot":
        lines.append(f'digraph "{state.environment}" {{')
        lines.append("  rankdir=LR;")
        for layer, resources in by_layer.items():
            lines.append(f'  subgraph "cluster_{layer}" {{')
            lines.append(f'    label="{layer}";')
            lines.extend(f'    "{r.address}" [label="{r.address}\\n{r.type}"];' for r in resources)
            lines.append("  }")
        lines.extend(f'  "{dep}" -> "{address}";' for dep, address in edges)
        lines.append("}")
    else:
        raise DesiredStateError(f"unknown graph format {fmt!r}; use mermaid or dot", resource="graph", field="fmt")
    return "\n".join(lines) + "\n"
