"""Microsoft.Sql: logical servers, databases and firewall rules
(examples 2021-11-01 and 2023-08-01)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import SecretStr

from desired_state.resource import ChildSpec
from desired_state.specs.tracked import TrackedChildSpec, TrackedSpec

SQL_SKUS: dict[str, dict[str, Any]] = {
    "Basic": {"name": "Basic", "tier": "Basic", "capacity": 5},
    "S2": {"name": "S2", "tier": "Standard", "capacity": 50},
}


class SqlServerSpec(TrackedSpec):
    """An Azure SQL logical server. The admin password is write-only: it is a
    secret value (never in the body) and is not managed when not configured."""

    arm_type: ClassVar[str] = "Microsoft.Sql/servers"

    administrator_login: str = "sqladminuser"
    administrator_password: SecretStr | None = None
    public_network_access: bool = True
    minimal_tls_version: Literal["1.2", "1.3"] = "1.2"

    def properties(self) -> dict[str, Any]:
        return {
            "administratorLogin": self.administrator_login,
            "version": "12.0",
            "minimalTlsVersion": self.minimal_tls_version,
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
        }

    def secret_values(self) -> dict[str, SecretStr]:
        if self.administrator_password is None:
            return {}
        return {"properties.administratorLoginPassword": self.administrator_password}


class SqlDatabaseSpec(TrackedChildSpec):
    """A database on a logical server, sized by the cost table."""

    arm_type: ClassVar[str] = "Microsoft.Sql/servers/databases"

    parent: SqlServerSpec
    sku: Literal["Basic", "S2"]

    def envelope(self) -> dict[str, Any]:
        return {"sku": dict(SQL_SKUS[self.sku])}

    def properties(self) -> dict[str, Any]:
        return {"collation": "SQL_Latin1_General_CP1_CI_AS", "zoneRedundant": False}


class SqlFirewallRuleSpec(ChildSpec):
    """A server firewall rule (0.0.0.0-0.0.0.0 means "Azure services")."""

    arm_type: ClassVar[str] = "Microsoft.Sql/servers/firewallRules"

    parent: SqlServerSpec
    start_ip: str
    end_ip: str

    def properties(self) -> dict[str, Any]:
        return {"startIpAddress": self.start_ip, "endIpAddress": self.end_ip}
