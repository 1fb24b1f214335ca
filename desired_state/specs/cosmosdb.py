"""Microsoft.DocumentDB/databaseAccounts (api 2024-11-15 example)."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.name_rule import NameRule
from desired_state.specs.tracked import TrackedSpec


class CosmosDbAccountSpec(TrackedSpec):
    """A serverless NoSQL (GlobalDocumentDB) account with Entra-only data access."""

    arm_type: ClassVar[str] = "Microsoft.DocumentDB/databaseAccounts"
    name_rule = NameRule(3, 44, r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", "lowercase letters, digits and hyphens", True)

    public_network_access: bool = True

    def envelope(self) -> dict[str, Any]:
        return {"kind": "GlobalDocumentDB"}

    def properties(self) -> dict[str, Any]:
        return {
            "databaseAccountOfferType": "Standard",
            "locations": [{"locationName": self.location, "failoverPriority": 0, "isZoneRedundant": False}],
            "consistencyPolicy": {"defaultConsistencyLevel": "Session"},
            "capabilities": [{"name": "EnableServerless"}],
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
            "minimalTlsVersion": "Tls12",
            "disableLocalAuth": True,
        }
