"""Microsoft.KeyVault/vaults (api 2024-11-01 example)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr

from desired_state.name_rule import NameRule
from desired_state.resource import ChildSpec
from desired_state.specs.tracked import TrackedSpec


class KeyVaultSpec(TrackedSpec):
    """A Key Vault using Azure RBAC for data-plane access."""

    arm_type: ClassVar[str] = "Microsoft.KeyVault/vaults"
    name_rule = NameRule(3, 24, r"[A-Za-z](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]", "letters, digits and single hyphens, starting with a letter, ending with a letter or digit", True)

    tenant_id: str
    soft_delete_retention_days: int
    purge_protection: bool
    public_network_access: bool = True

    @property
    def vault_uri(self) -> str:
        return f"https://{self.name}.vault.azure.net/"

    def secret_uri(self, secret_name: str) -> str:
        """The versionless URI of one secret (readers always get the latest version)."""
        return f"{self.vault_uri}secrets/{secret_name}"

    def secret_reference(self, secret_name: str) -> str:
        """An App Service Key Vault reference to one secret (latest version):
        learn.microsoft.com/azure/app-service/app-service-key-vault-references."""
        return f"@Microsoft.KeyVault(SecretUri={self.secret_uri(secret_name)}/)"

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


class KeyVaultSecretSpec(ChildSpec):
    """A secret created through ARM (`vaults/secrets`, 2024-11-01 example
    "Create a secret"). The value comes from the deploy environment, travels
    only in `secret_values()` and is compared by fingerprint; ARM never
    returns it. Without a value (None: not configured) the secret is not
    written (nor tagged) and the plan reports its value as not verifiable."""

    arm_type: ClassVar[str] = "Microsoft.KeyVault/vaults/secrets"

    parent: KeyVaultSpec
    value: SecretStr | None
    content_type: str = "text/plain"
    tags: dict[str, str] = {}

    @property
    def uri(self) -> str:
        assert isinstance(self.parent, KeyVaultSpec)
        return self.parent.secret_uri(self.name)

    def body(self) -> dict[str, Any]:
        if self.value is None:
            # Not written without its value (ARM answers 400 "An invalid value was provided for 'value'":
            # Azure/azure-quickstart-templates#6235), so no tags of its own: its vault's prove it ours.
            return {"properties": {"contentType": self.content_type}}
        return {"tags": dict(self.tags), "properties": {"contentType": self.content_type}}

    def secret_values(self) -> dict[str, SecretStr]:
        return {"properties.value": self.value} if self.value is not None else {}

    def not_verifiable(self) -> tuple[str, ...]:
        return ("properties.value",) if self.value is None else ()
