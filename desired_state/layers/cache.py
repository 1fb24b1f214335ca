"""Cache layer: Azure Managed Redis where enabled (dev and prod), with a
private endpoint where private endpoints are on.

Azure Cache for Redis (`Microsoft.Cache/redis`) is retiring: Microsoft
announced in October 2025 the retirement of every SKU (Basic, Standard and
Premium on 2028-09-30), names Azure Managed Redis as the successor, and new
tenants can no longer create caches
(learn.microsoft.com/azure/azure-cache-for-redis/retirement-faq). The estate
therefore declares `Microsoft.Cache/redisEnterprise` + `databases/default`."""

from __future__ import annotations

from dataclasses import dataclass

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.networking import NetworkingLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.network import PrivateEndpointSpec
from desired_state.specs.redis import ManagedRedisDatabaseSpec, ManagedRedisSpec


@dataclass
class CacheLayer(LayerSpecs):
    """The shared cache of the microservices."""

    redis: ManagedRedisSpec | None = None


def build(ctx: LayerContext, resource_group: ResourceGroupSpec, network: NetworkingLayer) -> CacheLayer:
    layer = CacheLayer("cache")
    if not ctx.settings.features.enable_redis:
        return layer
    sku = ctx.settings.tiers.redis_sku
    cluster = layer.redis = layer.add(
        ManagedRedisSpec(
            address="cache.redis", name=ctx.namer.unique("amr"), resource_group=resource_group, location=ctx.location,
            tags=ctx.tags, sku=sku, high_availability=ctx.env == "prod", public_network_access=not ctx.private,
        )
    )
    layer.add(ManagedRedisDatabaseSpec(address="cache.redis.database", parent=cluster))
    if ctx.private:
        network.add_private_endpoint(
            layer,
            PrivateEndpointSpec(
                address="cache.private_endpoint.redis", name=ctx.namer.standard("pe", "redis"),
                subnet=network.subnets["data"], target=cluster, group_id="redisEnterprise", resource_group=resource_group,
                location=ctx.location, tags=ctx.tags,
            ),
        )
    return layer
