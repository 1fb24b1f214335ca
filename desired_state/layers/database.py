"""Database layer: Azure SQL server (Entra-only, with its own identity for the
Graph look-ups of user creation) and database sized per the cost table,
firewall rules, a private endpoint where private endpoints are on (then
public network access is Disabled), diagnostics and a CPU alert; Cosmos DB
where enabled. The database users of the workload identities are created by
the SQL users job of the microservices layer, which runs inside the VNet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import SecurityLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.cosmosdb import CosmosDbAccountSpec
from desired_state.specs.monitor import DiagnosticSettingSpec, MetricAlertSpec, MetricCriterion
from desired_state.specs.network import PrivateEndpointSpec
from desired_state.specs.sql import SqlDatabaseSpec, SqlFirewallRuleSpec, SqlServerSpec


@dataclass
class DatabaseLayer(LayerSpecs):
    """The transactional store."""

    sql_server: SqlServerSpec | None = None
    sql_database: SqlDatabaseSpec | None = None


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
) -> DatabaseLayer:
    layer = DatabaseLayer("database")
    n, features = ctx.namer, ctx.settings.features
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    if features.enable_sql_database:
        server = layer.add(
            SqlServerSpec(
                address="database.sql_server", name=n.unique("sql"), public_network_access=not ctx.private,
                minimal_tls_version=ctx.settings.security.min_tls_version,
                entra_admin=security.identities["sqladmin"], identity=security.identities["sqlserver"], **common,
            )
        )
        database = layer.add(
            SqlDatabaseSpec(
                address="database.sql_database", name=f"sqldb-{ctx.settings.workload}", parent=server,
                sku=ctx.settings.tiers.sql_database_sku, location=ctx.location, tags=ctx.tags,
            )
        )
        layer.sql_server, layer.sql_database = server, database
        if ctx.private:
            network.add_private_endpoint(
                layer,
                PrivateEndpointSpec(
                    address="database.private_endpoint.sql", name=n.standard("pe", "sql"),
                    subnet=network.subnets["data"], target=server, group_id="sqlServer", **common,
                )
            )
        else:
            # 0.0.0.0-0.0.0.0 is SQL's switch for "allow Azure services" (Consumption functions have no VNet).
            layer.add(
                SqlFirewallRuleSpec(
                    address="database.firewall.azure_services", name="AllowAllWindowsAzureIps", parent=server,
                    start_ip="0.0.0.0", end_ip="0.0.0.0",
                )
            )
        if observability.workspace is not None:
            layer.add(
                DiagnosticSettingSpec(
                    address="database.diagnostics.sql_database", name="to-log-analytics", scope=database,
                    workspace=observability.workspace,
                )
            )
        if observability.action_group is not None:
            layer.add(
                MetricAlertSpec(
                    address="database.alert.cpu", name=n.standard("alert", "sql-cpu"), resource_group=resource_group,
                    tags=ctx.tags, target=database, action_group=observability.action_group,
                    description="SQL database CPU above 80%.",
                    criteria=(
                        MetricCriterion(
                            name="HighCpu", metric_name="cpu_percent", metric_namespace="Microsoft.Sql/servers/databases",
                            operator="GreaterThan", threshold=80, time_aggregation="Average",
                        ),
                    ),
                )
            )
    if features.enable_cosmos_db:
        layer.add(
            CosmosDbAccountSpec(
                address="database.cosmos_db", name=n.unique("cosmos", max_length=44), public_network_access=not ctx.private,
                **common,
            )
        )
    return layer
