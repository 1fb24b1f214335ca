"""Azure SQL (azure-mgmt-sql 4, TypeSpec models)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

_M = "azure.mgmt.sql.models:"

TYPES = (
    ArmType(
        arm_type="Microsoft.Sql/servers",
        service="sql", operations="servers",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model=_M + "Server",
        rules=CompareRules(
            case_insensitive=frozenset({
                "properties.publicNetworkAccess", "properties.minimalTlsVersion",
                "properties.administrators.sid", "properties.administrators.tenantId",
                "properties.administrators.principalType", "properties.administrators.administratorType",
            }),
            write_only=frozenset({"properties.administratorLoginPassword"}),
            immutable=frozenset({"location", "properties.administratorLogin"}),
        ),
        data_holding=True,
    ),
    ArmType(
        arm_type="Microsoft.Sql/servers/databases",
        graph_row=True,  # a row of Resource Graph's `resources` (Microsoft Learn, "Azure Resource Graph table and resource type reference")
        service="sql", operations="databases",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "servers", "name"), model=_M + "Database",
        rules=CompareRules(
            case_insensitive=frozenset({
                "sku.name", "sku.tier", "properties.collation", "properties.requestedBackupStorageRedundancy",
                "properties.zoneRedundant",
            }),
            immutable=frozenset({"location", "properties.collation"}),
        ),
        data_holding=True,
    ),
    ArmType(
        arm_type="Microsoft.Sql/servers/firewallRules",
        service="sql", operations="firewall_rules",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "servers", "name"), model=_M + "FirewallRule",
        rules=CompareRules(immutable=frozenset()),
    ),
)
