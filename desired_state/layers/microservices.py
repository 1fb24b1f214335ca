"""Microservices layer: the Container Apps environment on the app subnet, the
four services (users, orders, products, payments), each running as the
microservices identity, told where their data stores are and scaled by KEDA on
its Service Bus entity, and the SQL users job.

The environment is internal in every environment: its apps are reached from
the VNet only, which in dev, staging and prod means through API Management
(the plan's "API Management -> Microservices: private (VNet)"), and in qa,
which has no gateway, from the VNet (the management subnet's jump boxes).

The SQL users job makes passwordless SQL deliverable end to end: ARM has no
API for database users, so a scheduled Container Apps job, running inside the
VNet as the server's Entra admin (`sqladmin`), creates one contained user per
workload identity from Entra (`CREATE USER ... FROM EXTERNAL PROVIDER`) with
its roles, idempotently. Running as a service principal, that statement needs
the server's own identity to read Microsoft Graph (`SqlServerSpec`), the one
grant no ARM call can make (docs/deploy.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.cache import CacheLayer
from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.database import DatabaseLayer
from desired_state.layers.messaging import MessagingLayer
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import SecurityLayer
from desired_state.references import live_ref
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.appcontainers import (
    ContainerAppJobSpec,
    ContainerAppSpec,
    ManagedEnvironmentSpec,
    ServiceBusScaleRule,
)
from desired_state.specs.monitor import DiagnosticSettingSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.privatedns import PrivateARecordSpec, PrivateDnsZoneSpec, VirtualNetworkLinkSpec
from desired_state.specs.sql import SqlDatabaseSpec

#: KEDA rule per service: orders drain orders-queue, payments react to domain events.
SCALE_RULES: dict[str, tuple[ServiceBusScaleRule, ...]] = {
    "users": (),
    "orders": (ServiceBusScaleRule(name="orders-queue", queue_name="orders-queue"),),
    "products": (),
    "payments": (
        ServiceBusScaleRule(name="events-topic", topic_name="events-topic", subscription_name="payments-api"),
    ),
}


#: Database roles per workload identity that reads and writes the database.
SQL_USERS: dict[str, tuple[str, ...]] = {
    "functions": ("db_datareader", "db_datawriter"),
    "microservices": ("db_datareader", "db_datawriter"),
}
#: When the SQL users job runs (UTC): a new or recreated identity gets its user within the hour.
SQL_USERS_SCHEDULE = "17 * * * *"


@dataclass
class MicroservicesLayer(LayerSpecs):
    """The business services."""

    apps: dict[str, ContainerAppSpec] = field(default_factory=dict)


def sql_users_script(users: dict[str, tuple[str, ...]]) -> str:
    """Idempotent T-SQL: a contained user from Entra per identity name, then its
    roles ("Create contained users mapped to Microsoft Entra identities",
    Microsoft Learn; adding an existing member to a role is a no-op)."""
    statements: list[str] = []
    for name, roles in users.items():
        quoted = name.replace("]", "]]")
        literal = name.replace("'", "''")
        statements.append(
            f"IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'{literal}') "
            f"CREATE USER [{quoted}] FROM EXTERNAL PROVIDER;"
        )
        statements.extend(f"ALTER ROLE {role} ADD MEMBER [{quoted}];" for role in roles)
    return " ".join(statements)


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
    database: DatabaseLayer,
    messaging: MessagingLayer,
    cache: CacheLayer,
) -> MicroservicesLayer:
    layer = MicroservicesLayer("microservices")
    identity = security.identities.get("microservices")
    if not ctx.settings.features.enable_container_apps or identity is None:
        return layer
    n = ctx.namer
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    # The environment is internal everywhere: its load balancer has a private IP in the
    # app subnet only. An app's "external" ingress then means "reachable from the VNet"
    # (API Management's subnet), while non-external ingress would limit it to the
    # environment itself (learn.microsoft.com/azure/container-apps/ingress-overview, .../networking).
    environment = layer.add(
        ManagedEnvironmentSpec(
            address="microservices.environment", name=n.standard("cae"), subnet=network.subnets["app"],
            internal=True, **common,
        )
    )
    if network.vnet is not None:
        _resolve_default_domain_in_vnet(layer, environment, network, ctx.tags)
    if observability.workspace is not None:
        layer.add(
            DiagnosticSettingSpec(
                address="microservices.diagnostics.environment", name="to-log-analytics", scope=environment,
                workspace=observability.workspace,
            )
        )
    for service, rules in SCALE_RULES.items():
        usable = rules if messaging.namespace is not None else ()
        image = ctx.settings.services[service]
        layer.apps[service] = layer.add(
            ContainerAppSpec(
                address=f"microservices.app.{service}", name=f"ca-{service}-api-{ctx.env}", environment=environment,
                identity=identity, image=image.image, target_port=image.port, service_bus=messaging.namespace, scale_rules=usable,
                min_replicas=1 if ctx.env == "prod" else 0, app_insights=observability.app_insights,
                sql_database=database.sql_database, redis=cache.redis,
                env={"SERVICE_NAME": f"{service}-api"}, **common,
            )
        )
    admin = security.identities.get("sqladmin")
    if database.sql_database is not None and admin is not None:
        _sql_users_job(ctx, layer, environment, admin, database.sql_database, security, common)
    return layer


def _sql_users_job(
    ctx: LayerContext, layer: MicroservicesLayer, environment: ManagedEnvironmentSpec, admin: UserAssignedIdentitySpec,
    database: SqlDatabaseSpec, security: SecurityLayer, common: dict[str, Any],
) -> None:
    """The job that creates the workload identities' database users, as the Entra
    admin, with go-sqlcmd (`--authentication-method ActiveDirectoryManagedIdentity`
    with the identity's client id as user: "Authenticate with Microsoft Entra ID
    in sqlcmd", Microsoft Learn). It runs in the app subnet, which the data
    subnet's NSG admits on 1433, so it reaches a private server too."""
    users = {security.identities[w].name: roles for w, roles in SQL_USERS.items() if w in security.identities}
    client_id = live_ref(admin, "properties.clientId")
    server = database.parent.fully_qualified_domain_name
    layer.add(
        ContainerAppJobSpec(
            address="microservices.job.sql_users", name=f"job-sql-users-{ctx.env}", environment=environment,
            identity=admin, image=ctx.settings.sql_tools_image, command=("sqlcmd",),
            args=(
                "-S", f"tcp:{server},1433", "-d", database.name, "--authentication-method", "ActiveDirectoryManagedIdentity",
                "-U", client_id, "-b", "-Q", sql_users_script(users),
            ),
            env={"SQL_SERVER": server, "SQL_DATABASE": database.name, "AZURE_CLIENT_ID": client_id},
            cron=SQL_USERS_SCHEDULE, refers_to=(database,), **common,
        )
    )


def _resolve_default_domain_in_vnet(
    layer: MicroservicesLayer, environment: ManagedEnvironmentSpec, network: NetworkingLayer, tags: dict[str, str]
) -> None:
    """An internal environment's apps are reached at `<app>.<defaultDomain>`, which
    no public DNS answers: a private DNS zone named after the generated default
    domain, a wildcard A record to the environment's static (private) IP, and a
    link to the VNet make it resolve there (learn.microsoft.com/azure/container-apps/
    networking, "DNS"; .../waf-app-gateway, "Configure private DNS"). Both values
    are generated by Azure, so the zone's name is known after apply."""
    assert network.vnet is not None
    zone = layer.add(
        PrivateDnsZoneSpec(
            address="microservices.dns.zone", name=live_ref(environment, "properties.defaultDomain"),
            name_from=environment, resource_group=environment.resource_group, tags=tags,
        )
    )
    layer.add(
        PrivateARecordSpec(
            address="microservices.dns.record.wildcard", name="*", parent=zone,
            target=environment, target_path="properties.staticIp",
        )
    )
    layer.add(
        VirtualNetworkLinkSpec(
            address="microservices.dns.link", name=f"link-{network.vnet.name}", parent=zone,
            virtual_network=network.vnet, tags=tags,
        )
    )
