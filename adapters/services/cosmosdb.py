"""Cosmos DB accounts (azure-mgmt-cosmosdb 10, TypeSpec models)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules, ListRule

TYPES = (
    ArmType(
        arm_type="Microsoft.DocumentDB/databaseAccounts",
        service="cosmosdb", operations="database_accounts",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"),
        model="azure.mgmt.cosmosdb.models:DatabaseAccountCreateUpdateParameters",
        rules=CompareRules(
            case_insensitive=frozenset({
                "kind", "properties.databaseAccountOfferType", "properties.consistencyPolicy.defaultConsistencyLevel",
                "properties.publicNetworkAccess", "properties.backupPolicy.type",
            }),
            locations=frozenset({"location", "properties.locations[].locationName"}),
            lists={
                "properties.locations": ListRule("keyed", "locationName"),
                "properties.capabilities": ListRule("keyed", "name"),
                "properties.ipRules": ListRule("set"),
                "properties.virtualNetworkRules": ListRule("set"),
            },
            # A create-time switch, not echoed.
            write_only=frozenset({"properties.virtualNetworkRules[].ignoreMissingVNetServiceEndpoint"}),
            immutable=frozenset({"location", "kind"}),
        ),
        etag=False,
        data_holding=True,
    ),
)
