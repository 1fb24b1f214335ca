"""Azure Cache for Redis (azure-mgmt-redis 14.5, msrest models) and Azure
Managed Redis (azure-mgmt-redisenterprise 3.1, api-version 2025-07-01)."""

from __future__ import annotations

from adapters.arm_type import ArmType, GenericType
from adapters.compare import CompareRules

TYPES = (
    ArmType(
        arm_type="Microsoft.Cache/redis",
        service="redis", operations="redis",
        get="get", create="begin_create", delete="begin_delete",
        args=("resource_group", "name"), model="azure.mgmt.redis.models:RedisCreateParameters",
        rules=CompareRules(
            case_insensitive=frozenset({
                "properties.sku.name", "properties.sku.family", "properties.minimumTlsVersion",
                "properties.publicNetworkAccess",
            }),
            # VNet injection, static IP and zones are fixed at creation.
            immutable=frozenset({"location", "zones", "properties.subnetId", "properties.staticIP"}),
        ),
        etag=False,
        data_holding=True,
    ),
    ArmType(
        arm_type="Microsoft.Cache/redisEnterprise",
        service="redisenterprise", operations="redis_enterprise",
        get="get", create="begin_create", delete="begin_delete",
        args=("resource_group", "name"), model="azure.mgmt.redisenterprise.models:Cluster",
        rules=CompareRules(
            case_insensitive=frozenset({
                "sku.name", "properties.minimumTlsVersion", "properties.highAvailability", "properties.publicNetworkAccess",
            }),
            immutable=frozenset({"location", "zones"}),
        ),
        data_holding=True,
    ),
    ArmType(
        arm_type="Microsoft.Cache/redisEnterprise/databases",
        service="redisenterprise", operations="databases",
        get="get", create="begin_create", delete="begin_delete",
        args=("resource_group", "redisEnterprise", "name"), model="azure.mgmt.redisenterprise.models:Database",
        rules=CompareRules(
            case_insensitive=frozenset({
                "properties.clientProtocol", "properties.clusteringPolicy", "properties.evictionPolicy",
                "properties.accessKeysAuthentication",
            }),
            # Clustering policy and port are fixed when the database is created.
            immutable=frozenset({"properties.clusteringPolicy", "properties.port"}),
        ),
        data_holding=True,
    ),
)

#: Types managed generically (by id): nothing the defaults get wrong.
GENERIC = (
    GenericType(arm_type="Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments"),
)
