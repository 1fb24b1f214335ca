"""Core layer: the environment's resource group."""

from __future__ import annotations

from dataclasses import dataclass

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.resource import ResourceGroupSpec


@dataclass
class CoreLayer(LayerSpecs):
    """The resource group every other resource lives in."""

    resource_group: ResourceGroupSpec | None = None


def build(ctx: LayerContext) -> CoreLayer:
    layer = CoreLayer("core")
    layer.resource_group = layer.add(
        ResourceGroupSpec(
            address="core.resource_group",
            name=ctx.namer.standard("rg"),
            subscription_id=ctx.subscription_id,
            location=ctx.location,
            tags=ctx.tags,
        )
    )
    return layer
