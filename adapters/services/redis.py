"""Azure Cache for Redis (azure-mgmt-redis 14.5, msrest models)."""

from __future__ import annotations

from adapters.arm_type import ArmType
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
    ),
)
