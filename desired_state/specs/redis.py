"""Microsoft.Cache/redis (api 2024-11-01 example; `sku` sits inside
properties) and Azure Managed Redis, `Microsoft.Cache/redisEnterprise` with
its `databases` (api 2025-07-01, azure-mgmt-redisenterprise 3.1)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from desired_state.name_rule import NameRule
from desired_state.references import live_ref
from desired_state.resource import ChildSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.tracked import TrackedSpec


class RedisCacheSpec(TrackedSpec):
    """An Azure Cache for Redis: TLS only, minimum TLS 1.2."""

    arm_type: ClassVar[str] = "Microsoft.Cache/redis"
    name_rule = NameRule(1, 63, r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]", "letters, digits and single hyphens", True)

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


class ManagedRedisSpec(TrackedSpec):
    """An Azure Managed Redis cluster (the successor of Azure Cache for Redis,
    whose every SKU is retiring: learn.microsoft.com/azure/azure-cache-for-redis/retirement-faq).
    Balanced B0/B1 are the sizes Microsoft maps Basic/Standard C0-C1 to
    (learn.microsoft.com/azure/redis/migrate/migrate-basic-standard-premium-understand)."""

    arm_type: ClassVar[str] = "Microsoft.Cache/redisEnterprise"
    name_rule = NameRule(1, 60, r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]", "letters, digits and single hyphens", True)

    sku: Literal["Balanced_B0", "Balanced_B1"]
    high_availability: bool = False
    public_network_access: bool = True
    minimum_tls_version: Literal["1.2"] = "1.2"

    def envelope(self) -> dict[str, Any]:
        return {"sku": {"name": self.sku}}

    def host_name(self) -> str:
        """The cluster's host name (`<name>.<region>.redis.azure.net`), generated
        by Azure: a live value, known once the cluster exists."""
        return live_ref(self, "properties.hostName")

    def properties(self) -> dict[str, Any]:
        return {
            "minimumTlsVersion": self.minimum_tls_version,
            "highAvailability": "Enabled" if self.high_availability else "Disabled",
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
        }


class ManagedRedisDatabaseSpec(ChildSpec):
    """The cluster's one database (Azure Managed Redis names it `default`):
    TLS only on port 10000, Microsoft Entra authentication only (access keys off)."""

    arm_type: ClassVar[str] = "Microsoft.Cache/redisEnterprise/databases"
    # Azure Managed Redis has exactly one database, named `default`.
    name_rule = NameRule(7, 7, r"default", "exactly `default`")

    parent: ManagedRedisSpec
    name: str = "default"

    def properties(self) -> dict[str, Any]:
        return {
            "clientProtocol": "Encrypted",
            "port": 10000,
            "clusteringPolicy": "OSSCluster",
            "evictionPolicy": "AllKeysLRU",
            "accessKeysAuthentication": "Disabled",
        }


class ManagedRedisAccessPolicyAssignmentSpec(ChildSpec):
    """`databases/accessPolicyAssignments` (REST example
    RedisEnterpriseAccessPolicyAssignmentCreateUpdate.json, 2025-07-01): gives one
    Microsoft Entra identity a data access policy on the database. With access
    keys off, a workload that uses the cache authenticates with its token, and
    the cache admits only the object ids assigned a policy ("Use Microsoft Entra
    ID for cache authentication", Azure Managed Redis, Microsoft Learn); `default`
    is the built-in policy giving full data access (commands, keys, channels)."""

    arm_type: ClassVar[str] = "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments"
    name_rule = NameRule(1, 60, r"[A-Za-z0-9]+", "letters and digits only")

    parent: ManagedRedisDatabaseSpec
    identity: UserAssignedIdentitySpec
    access_policy: Literal["default"] = "default"

    def properties(self) -> dict[str, Any]:
        return {
            "accessPolicyName": self.access_policy,
            "user": {"objectId": live_ref(self.identity, "properties.principalId")},
        }
