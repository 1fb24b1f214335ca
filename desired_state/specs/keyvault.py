"""Microsoft.KeyVault/vaults (api 2024-11-01 example)."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.specs.tracked import TrackedSpec


class KeyVaultSpec(TrackedSpec):
    """A Key Vault using Azure RBAC for data-plane access."""

    arm_type: ClassVar[str] = "Microsoft.KeyVault/vaults"

    tenant_id: str
    soft_delete_retention_days: int
    purge_protection: bool
    public_network_access: bool = True

    @property
    def vault_uri(self) -> str:
        return f"https://{self.name}.vault.azure.net/"

    def secret_reference(self, secret_name: str) -> str:
        """An App Service Key Vault reference to one secret (latest version)."""
        return f"@Microsoft.KeyVault(SecretUri={self.vault_uri}secrets/{secret_name}/)"

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "tenantId": self.tenant_id,
            "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": True,
            "enableSoftDelete": True,
            "softDeleteRetentionInDays": self.soft_delete_retention_days,
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
            "networkAcls": {
                "defaultAction": "Allow" if self.public_network_access else "Deny",
                "bypass": "AzureServices",
            },
        }
        # Key Vault rejects `enablePurgeProtection: false`; purge protection can only be switched on.
        if self.purge_protection:
            props["enablePurgeProtection"] = True
        return props
