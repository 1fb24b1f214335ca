"""Microsoft.Sql: logical servers, databases and firewall rules
(examples 2021-11-01 and 2023-08-01)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from desired_state.name_rule import NameRule
from desired_state.references import live_ref
from desired_state.resource import ChildSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.tracked import TrackedChildSpec, TrackedSpec, user_assigned

SQL_SKUS: dict[str, dict[str, Any]] = {
    "Basic": {"name": "Basic", "tier": "Basic", "capacity": 5},
    "S2": {"name": "S2", "tier": "Standard", "capacity": 50},
}


class SqlServerSpec(TrackedSpec):
    """An Azure SQL logical server with Microsoft Entra-only authentication:
    no SQL login or password exists anywhere.

    The Entra admin is a user-assigned identity (principal type
    `Application`). For an application the `sid` is its client (application)
    id, not its object id ("az sql server ad-admin create --object-id: Object
    Id for User or Group, Application Id for Applications", Microsoft Learn),
    and `azureADOnlyAuthentication: true` on create makes the server refuse
    SQL authentication from the start
    (learn.microsoft.com/azure/azure-sql/database/authentication-azure-ad-only-authentication-create-server).
    `identity` is the server's own (primary) identity. Entra users are created in
    a database by a service principal (`CREATE USER ... FROM EXTERNAL PROVIDER`
    run as the `sqladmin` identity) only when this identity may read Microsoft
    Graph: "the SQL engine attempts to use its server identity ... The server
    identity must exist and have Microsoft Graph query permissions, or the
    operation fails" ("Microsoft Entra service principals with Azure SQL",
    Microsoft Learn). A user-assigned identity keeps that one-time Graph grant
    when the server is recreated ("Managed identities in Microsoft Entra for
    Azure SQL"). The users themselves are created by the estate's SQL users job
    (`desired_state/layers/microservices.py`); docs/deploy.md has the grant.
    """

    arm_type: ClassVar[str] = "Microsoft.Sql/servers"
    name_rule = NameRule(1, 63, r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", "lowercase letters, digits and hyphens, not starting or ending with a hyphen", True)

    entra_admin: UserAssignedIdentitySpec
    identity: UserAssignedIdentitySpec | None = None
    public_network_access: bool = True
    minimal_tls_version: Literal["1.2", "1.3"] = "1.2"

    @property
    def fully_qualified_domain_name(self) -> str:
        """The server's DNS name in Azure's public cloud."""
        return f"{self.name}.database.windows.net"

    def envelope(self) -> dict[str, Any]:
        return {} if self.identity is None else {"identity": user_assigned([self.identity])}

    def properties(self) -> dict[str, Any]:
        identity = {} if self.identity is None else {"primaryUserAssignedIdentityId": self.identity.id}
        return {
            **identity,
            "version": "12.0",
            "minimalTlsVersion": self.minimal_tls_version,
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
            "administrators": {
                "administratorType": "ActiveDirectory",
                "principalType": "Application",
                "login": self.entra_admin.name,
                "sid": live_ref(self.entra_admin, "properties.clientId"),
                "tenantId": live_ref(self.entra_admin, "properties.tenantId"),
                "azureADOnlyAuthentication": True,
            },
        }


class SqlDatabaseSpec(TrackedChildSpec):
    """A database on a logical server, sized by the cost table."""

    arm_type: ClassVar[str] = "Microsoft.Sql/servers/databases"
    name_rule = NameRule(1, 128, r"[^<>*%&:\\/?]*[^<>*%&:\\/?. ]", "no <>*%&:\\/? and not ending in . or space")

    parent: SqlServerSpec
    sku: Literal["Basic", "S2"]

    def envelope(self) -> dict[str, Any]:
        return {"sku": dict(SQL_SKUS[self.sku])}

    def properties(self) -> dict[str, Any]:
        return {"collation": "SQL_Latin1_General_CP1_CI_AS", "zoneRedundant": False}


class SqlFirewallRuleSpec(ChildSpec):
    """A server firewall rule (0.0.0.0-0.0.0.0 means "Azure services")."""

    arm_type: ClassVar[str] = "Microsoft.Sql/servers/firewallRules"
    name_rule = NameRule(1, 128, r"[^<>*%&:;\\/?]*[^<>*%&:;\\/?.]", "no <>*%&:;\\/? and not ending in .")

    parent: SqlServerSpec
    start_ip: str
    end_ip: str

    def properties(self) -> dict[str, Any]:
        return {"startIpAddress": self.start_ip, "endIpAddress": self.end_ip}
