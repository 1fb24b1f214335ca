"""The desired state of one environment: every resource, in dependency order.

`build(env)` composes the layers, `assemble` validates the result (every
reference resolves, no cycles, unique addresses and ids, valid names) and
orders it, and the policy checks run before anything reaches Azure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from desired_state.errors import DesiredStateError
from desired_state.estate import DesiredState
from desired_state.layer_file import LayerFile
from desired_state.layers import (
    cache,
    core,
    dashboards,
    database,
    etl,
    frontend,
    functions,
    gateway,
    messaging,
    microservices,
    networking,
    observability,
    security,
)
from desired_state.layers.context import LayerContext
from desired_state.naming import check_name
from desired_state.policy import check
from desired_state.references import placeholders
from desired_state.resource import Resource, ResourceSpec
from desired_state.settings import (
    ZERO_SUBSCRIPTION,
    AppSecrets,
    DeploySettings,
    EnvironmentSettings,
    get_environment_settings,
    get_secrets,
)

__all__ = ["DesiredState", "assemble", "build", "build_from_settings", "build_layers", "summarize"]


def _spec_graph(specs_by_layer: Mapping[str, Sequence[ResourceSpec]]) -> dict[str, tuple[ResourceSpec, str]]:
    declared: dict[str, tuple[ResourceSpec, str]] = {}
    for layer, specs in specs_by_layer.items():
        for spec in specs:
            if spec.address in declared:
                raise DesiredStateError(
                    f"address declared twice (layers {declared[spec.address][1]} and {layer}); give each resource its own address",
                    resource=spec.address,
                    field="address",
                )
            declared[spec.address] = (spec, layer)
    return declared


def _find_cycle(edges: Mapping[str, Sequence[str]], start: str) -> list[str]:
    """A cycle reachable from `start` (first node repeated at the end)."""
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in edges.get(node, ()):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                found = visit(nxt)
                if found:
                    return found
        on_path.discard(node)
        done.add(node)
        path.pop()
        return None

    return visit(start) or [start]


def _topological(order: Sequence[str], edges: Mapping[str, Sequence[str]]) -> list[str]:
    """Kahn's algorithm, stable in declaration order; DesiredStateError on a cycle."""
    waiting = {address: len(set(edges[address])) for address in order}
    dependents: dict[str, list[str]] = {address: [] for address in order}
    for address in order:
        for dep in set(edges[address]):
            dependents[dep].append(address)
    position = {address: i for i, address in enumerate(order)}
    ready = sorted((a for a, n in waiting.items() if n == 0), key=position.__getitem__)
    result: list[str] = []
    while ready:
        address = ready.pop(0)
        result.append(address)
        released = []
        for dependent in dependents[address]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                released.append(dependent)
        ready = sorted([*ready, *released], key=position.__getitem__)
    if len(result) < len(order):
        stuck = next(a for a in order if waiting[a] > 0)
        cycle = _find_cycle(edges, stuck)
        raise DesiredStateError(
            f"dependency cycle {' -> '.join(cycle)}; remove one of these references",
            resource=cycle[0],
            field="depends_on",
        )
    return result


def _named_later(address: str, spec: ResourceSpec) -> bool:
    """Whether the name is a live value (checked by Azure once known), which
    then must be read from the spec held in `name_from`."""
    named = list(placeholders(spec.name))
    if not named:
        return False
    if spec.name_from is None or any(ref != spec.name_from.address for ref, _path in named):
        raise DesiredStateError(
            "the name is a live value of another resource; hold that spec in `name_from` so the dependency is known",
            resource=address,
            field="name_from",
        )
    return True


def _check_id_placeholders(resources: Mapping[str, Resource]) -> None:
    """A live value in an id (own or a parent's name) must come from a resource
    written before this one: one it depends on, directly or not."""
    for address, resource in resources.items():
        refs = {ref for ref, _path in placeholders(resource.id)}
        if not refs:
            continue
        seen: set[str] = set()
        stack = list(resource.depends_on)
        while stack and not refs <= seen:
            dep = stack.pop()
            if dep not in seen:
                seen.add(dep)
                stack.extend(resources[dep].depends_on if dep in resources else ())
        if not refs <= seen:
            raise DesiredStateError(
                f"the id takes a live value of {', '.join(sorted(refs - seen))}, which the resource does not depend on",
                resource=address,
                field="name_from",
            )


def assemble(settings: EnvironmentSettings, specs_by_layer: Mapping[str, Sequence[ResourceSpec]]) -> DesiredState:
    """Validate specs grouped by layer and order them into a DesiredState."""
    declared = _spec_graph(specs_by_layer)
    resources: dict[str, Resource] = {}
    ids: dict[str, str] = {}
    for address, (spec, layer) in declared.items():
        if not _named_later(address, spec):
            check_name(address, spec.arm_type, spec.name)
        for ref in spec.references():
            target = declared.get(ref.address)
            if target is None:
                raise DesiredStateError(
                    f"reference to a resource not in the state: {ref.address} ({ref.arm_type}); add it to a layer or drop the reference",
                    resource=address,
                    field="references",
                )
            if target[0].id.lower() != ref.id.lower():
                raise DesiredStateError(
                    f"reference to {ref.address} has id {ref.id} but the state's {ref.address} is {target[0].id}; refer to the spec in the state",
                    resource=address,
                    field="references",
                )
        resource = spec.to_resource(layer)
        if resource.drift_policy is None:
            resource = resource.model_copy(update={"drift_policy": settings.drift_policy})
        for ref_address, _path in placeholders(resource.body):
            if ref_address not in resource.depends_on:
                raise DesiredStateError(
                    f"body placeholder refers to {ref_address}, which is not among the resource's references; "
                    "hold that spec in a field so the dependency is known",
                    resource=address,
                    field="body",
                )
        key = resource.id.lower()
        if key in ids:
            raise DesiredStateError(
                f"id {resource.id} is also the id of {ids[key]}; change the name of one of them", resource=address, field="name"
            )
        ids[key] = address
        resources[address] = resource
    _check_id_placeholders(resources)
    order = _topological(list(resources), {a: r.depends_on for a, r in resources.items()})
    return DesiredState(
        environment=settings.environment, settings=settings, resources=tuple(resources[a] for a in order)
    )


def build_layers(ctx: LayerContext) -> dict[str, list[ResourceSpec]]:
    """Every layer's specs, gated by the feature flags, keyed by layer name."""
    c = core.build(ctx)
    assert c.resource_group is not None  # core always declares the group
    rg = c.resource_group
    net = networking.build(ctx, rg)
    sec = security.build(ctx, rg, net)
    obs = observability.build(ctx, rg, net, sec)
    db = database.build(ctx, rg, net, sec, obs)
    msg = messaging.build(ctx, rg, net, sec, obs)
    cch = cache.build(ctx, rg, net, sec, obs)
    stg = etl.build(ctx, rg, net, sec, obs)
    fn = functions.build(ctx, rg, net, sec, obs, db, msg, stg)
    ms = microservices.build(ctx, rg, net, sec, obs, db, msg, cch)
    gw = gateway.build(ctx, rg, net, sec, obs, ms)
    fe = frontend.build(ctx, rg, obs)
    dash = dashboards.build(ctx, rg, obs, msg, fn)
    return {layer.layer: layer.specs for layer in (c, net, sec, obs, db, msg, cch, stg, fn, ms, gw, fe, dash)}


def build_from_settings(
    settings: EnvironmentSettings,
    *,
    subscription_id: str | None = None,
    secrets: AppSecrets | None = None,
    layer_files: Sequence[LayerFile] = (),
) -> DesiredState:
    """The desired state for explicit settings, with the layers of `layer_files` added
    (desired_state/layer_file.py), checked against the policies."""
    secrets = secrets if secrets is not None else get_secrets()
    subscription = subscription_id or secrets.subscription_id or ZERO_SUBSCRIPTION
    ctx = LayerContext(settings=settings, secrets=secrets, subscription_id=subscription)
    layers = build_layers(ctx)
    declared = {spec.address: spec for specs in layers.values() for spec in specs}
    for layer_file in layer_files:
        if layer_file.layer in layers:
            raise DesiredStateError(
                f"layer {layer_file.layer!r} is already added by another layer file; give each file its own LAYER",
                resource=str(layer_file.path),
            )
        layers[layer_file.layer] = layer_file.specs(ctx, declared)
    state = assemble(settings, layers)
    check(state)
    return state


def build(
    env: str,
    *,
    subscription_id: str | None = None,
    secrets: AppSecrets | None = None,
    deploy: DeploySettings | None = None,
    layer_files: Sequence[LayerFile] = (),
) -> DesiredState:
    """The desired state of environment `env` (dev, qa, staging, prod), with the layers of
    `layer_files` added.

    Without a subscription id (argument or AZURE_/ARM_SUBSCRIPTION_ID) the
    zero GUID is used, which is what the local emulator expects.
    """
    return build_from_settings(
        get_environment_settings(env, deploy), subscription_id=subscription_id, secrets=secrets, layer_files=layer_files
    )


def summarize(state: DesiredState) -> dict[str, Any]:
    """Counts for `reconcile show`: total, per ARM type and per layer."""
    per_type: dict[str, int] = {}
    per_layer: dict[str, int] = {}
    for resource in state.resources:
        per_type[resource.type] = per_type.get(resource.type, 0) + 1
        per_layer[resource.layer] = per_layer.get(resource.layer, 0) + 1
    return {
        "environment": state.environment,
        "resources": len(state.resources),
        "types": dict(sorted(per_type.items())),
        "layers": {layer: per_layer[layer] for layer in state.layers()},
    }

