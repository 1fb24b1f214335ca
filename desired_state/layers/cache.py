"""Cache layer: Azure Cache for Redis where enabled (dev and prod)."""

from __future__ import annotations

from dataclasses import dataclass

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.redis import RedisCacheSpec


@dataclass
class CacheLayer(LayerSpecs):
    """The shared cache of the microservices."""

    redis: RedisCacheSpec | None = None


def build(ctx: LayerContext, resource_group: ResourceGroupSpec) -> CacheLayer:
    layer = CacheLayer("cache")
    if ctx.settings.features.enable_redis:
        sku = ctx.settings.tiers.redis_sku
        layer.redis = layer.add(
            RedisCacheSpec(
                address="cache.redis", name=ctx.namer.unique("redis"), resource_group=resource_group,
                location=ctx.location, tags=ctx.tags, sku=sku, capacity=1 if sku == "Standard" else 0,
            )
        )
    return layer
