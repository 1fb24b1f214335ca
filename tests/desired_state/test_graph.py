"""The dependency graph follows the plan's deployment order."""

from __future__ import annotations

import pytest

from desired_state.graph import layer_order, render
from desired_state.layers import LAYER_ORDER, LAYER_RANK
from desired_state.settings import ENVIRONMENTS
from desired_state.state import DesiredState


def _closure(state: DesiredState, address: str) -> set[str]:
    seen: set[str] = set()
    todo = [address]
    while todo:
        for dep in state.by_address(todo.pop()).depends_on:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_resource_depends_on_a_later_or_parallel_layer(states: dict[str, DesiredState], env: str) -> None:
    state = states[env]
    for resource in state.resources:
        for dep in resource.depends_on:
            dep_layer = state.by_address(dep).layer
            assert dep_layer == resource.layer or LAYER_RANK[dep_layer] < LAYER_RANK[resource.layer], (
                f"{resource.address} ({resource.layer}) depends on {dep} ({dep_layer})"
            )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_layer_order_matches_the_plan(states: dict[str, DesiredState], env: str) -> None:
    order = layer_order(states[env])
    assert order == [layer for layer in LAYER_ORDER if layer in order]
    plan = ["core", "networking", "security", "observability", "database", "messaging", "functions", "microservices", "frontend"]
    assert [layer for layer in order if layer in plan] == plan


def test_layers_depend_on_earlier_layers_where_the_plan_says_so(states: dict[str, DesiredState]) -> None:
    state = states["prod"]
    # The network watcher and its group are the subscription's, shared by every environment.
    shared = {"observability.network_watcher_group", "observability.network_watcher"}
    everything = {r.address for r in state.resources} - shared
    for address in everything - {"core.resource_group"}:
        assert "core.resource_group" in _closure(state, address) | {address}, address
    assert "networking.subnet.functions" in _closure(state, "functions.app.queue_worker")
    assert {"messaging.namespace", "observability.app_insights", "security.key_vault"} <= _closure(
        state, "functions.app.etl_processor"
    )
    assert {"networking.subnet.app", "security.identity.microservices"} <= _closure(state, "microservices.app.orders")
    assert "microservices.app.users" in _closure(state, "gateway.api.users")
    assert {"networking.subnet.integration", "security.key_vault"} <= _closure(state, "security.private_endpoint.key_vault")
    assert {"frontend.static_site.wus2", "frontend.static_site.weu"} <= _closure(state, "frontend.cdn.route")


def test_render_mermaid_and_dot_with_layer_subgraphs(states: dict[str, DesiredState]) -> None:
    state = states["dev"]
    mermaid = render(state, "mermaid")
    assert mermaid.startswith("flowchart LR\n")
    assert "  subgraph networking\n" in mermaid and "messaging.queue.orders<br/>Microsoft.ServiceBus/namespaces/queues" in mermaid
    assert mermaid.count(" --> ") == sum(len(r.depends_on) for r in state.resources)
    dot = render(state, "dot")
    assert dot.startswith('digraph "dev" {') and 'subgraph "cluster_gateway"' in dot
    assert dot.count(" -> ") == sum(len(r.depends_on) for r in state.resources)
