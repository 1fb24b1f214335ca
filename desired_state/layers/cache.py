"""Cache layer: Azure Managed Redis where enabled (dev and prod), with a
private endpoint where private endpoints are on, an access policy assignment
for every workload identity that uses the cache, and its diagnostics.

Azure Cache for Redis (`Microsoft.Cache/redis`) is retiring: Microsoft
announced in October 2025 the retirement of every SKU (Basic, Standard and
Premium on 2028-09-30), names Azure Managed Redis as the successor, and new
tenants can no longer create caches
(learn.microsoft.com/azure/azure-cache-for-redis/retirement-faq). The estate
therefore declares `Microsoft.Cache/redisEnterprise` + `databases/default`.

Access keys are off (Entra only), so a workload reaches the cache only with an
access policy assignment of its identity (`databases/accessPolicyAssignments`,
"Use Microsoft Entra ID for cache authentication", Microsoft Learn);
`desired_state.policy` refuses a workload that uses the cache without one."""

from __future__ import annotations

from dataclasses import dataclass

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import SecurityLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.monitor import DiagnosticSettingSpec
from desired_state.specs.network import PrivateEndpointSpec
from desired_state.specs.redis import (
    ManagedRedisAccessPolicyAssignmentSpec,
    ManagedRedisDatabaseSpec,
    ManagedRedisSpec,
)

#: The workloads that use the cache: the microservices (the plan's caching tier).
CACHE_USERS: tuple[str, ...] = ("microservices",)


@dataclass
class CacheLayer(LayerSpecs):
    """The shared cache of the microservices."""

    redis: ManagedRedisSpec | None = None


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
) -> CacheLayer:
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
    database = layer.add(ManagedRedisDatabaseSpec(address="cache.redis.database", parent=cluster))
    for workload in CACHE_USERS:
        identity = security.identities.get(workload)
        if identity is not None:
            layer.add(
                ManagedRedisAccessPolicyAssignmentSpec(
                    address=f"cache.redis.access.{workload}", name=workload, parent=database, identity=identity,
                )
            )
    if ctx.private:
        network.add_private_endpoint(
            layer,
            PrivateEndpointSpec(
                address="cache.private_endpoint.redis", name=ctx.namer.standard("pe", "redis"),
                subnet=network.subnets["data"], target=cluster, group_id="redisEnterprise", resource_group=resource_group,
                location=ctx.location, tags=ctx.tags,
            ),
        )
    if observability.workspace is not None:
        # The cluster's metrics; the connection events (REDConnectionEvents) are a log of the
        # database ("Supported logs for Microsoft.Cache/redisEnterprise/databases", Microsoft Learn).
        layer.add(
            DiagnosticSettingSpec(
                address="cache.diagnostics.redis", name="to-log-analytics", scope=cluster,
                workspace=observability.workspace, include_logs=False,
            )
        )
        layer.add(
            DiagnosticSettingSpec(
                address="cache.diagnostics.redis_database", name="to-log-analytics", scope=database,
                workspace=observability.workspace, include_metrics=False,
            )
        )
    return layer
