"""Microsoft.Cache/redis (api 2024-11-01 example; `sku` sits inside properties)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from desired_state.specs.tracked import TrackedSpec


class RedisCacheSpec(TrackedSpec):
    """An Azure Cache for Redis: TLS only, minimum TLS 1.2."""

    arm_type: ClassVar[str] = "Microsoft.Cache/redis"

    sku: Literal["Basic", "Standard"]
    capacity: int = 0
    public_network_access: bool = True
    minimum_tls_version: Literal["1.2"] = "1.2"

    def properties(self) -> dict[str, Any]:
        return {
            "sku": {"name": self.sku, "family": "C", "capacity": self.capacity},
            "enableNonSslPort": False,
            "minimumTlsVersion": self.minimum_tls_version,
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
            "redisConfiguration": {"maxmemory-policy": "allkeys-lru"},
        }
