"""Microsoft.Storage: accounts, blob containers and file shares (api 2024-01-01 examples)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from desired_state.name_rule import NameRule
from desired_state.resource import ChildSpec
from desired_state.specs.tracked import TrackedSpec


class StorageAccountSpec(TrackedSpec):
    """A StorageV2 account: TLS 1.2, HTTPS only, no anonymous blob access.

    `shared_key_access=False` turns account keys and SAS signed with them off:
    every caller authenticates with Microsoft Entra ID ("Prevent Shared Key
    authorization for an Azure Storage account", Microsoft Learn), and the
    portal defaults to Entra too (`defaultToOAuthAuthentication`). None leaves
    the account's setting undeclared. `network_default_action` declares the
    firewall (`networkAcls`) with trusted Azure services let through."""

    arm_type: ClassVar[str] = "Microsoft.Storage/storageAccounts"
    name_rule = NameRule(3, 24, r"[a-z0-9]+", "lowercase letters and digits only", True)

    sku: str = "Standard_LRS"
    public_network_access: bool = True
    minimum_tls_version: str = "TLS1_2"
    shared_key_access: bool | None = None
    network_default_action: Literal["Allow", "Deny"] | None = None

    @property
    def blob_endpoint(self) -> str:
        return f"https://{self.name}.blob.core.windows.net/"

    def envelope(self) -> dict[str, Any]:
        return {"sku": {"name": self.sku}, "kind": "StorageV2"}

    def properties(self) -> dict[str, Any]:
        return {
            "minimumTlsVersion": self.minimum_tls_version,
            "supportsHttpsTrafficOnly": True,
            "allowBlobPublicAccess": False,
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
            "encryption": {
                "services": {"blob": {"keyType": "Account", "enabled": True}},
                "keySource": "Microsoft.Storage",
            },
            **self._access(),
        }

    def _access(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        if self.shared_key_access is not None:
            props["allowSharedKeyAccess"] = self.shared_key_access
            props["defaultToOAuthAuthentication"] = not self.shared_key_access
        if self.network_default_action is not None:
            props["networkAcls"] = {"defaultAction": self.network_default_action, "bypass": "AzureServices"}
        return props


class BlobServiceSpec(ChildSpec):
    """The account's blob service (`blobServices/default`, REST example
    BlobServicesPut.json): soft delete of blobs for `delete_retention_days`. Also
    the scope of the blob logs' diagnostic setting: an account's own diagnostic
    setting carries metrics only, its logs are per service ("Monitor Azure Blob
    Storage", Microsoft Learn)."""

    arm_type: ClassVar[str] = "Microsoft.Storage/storageAccounts/blobServices"
    name_rule = NameRule(7, 7, r"default", "exactly `default`")

    parent: StorageAccountSpec
    name: str = "default"
    delete_retention_days: int = Field(default=7, ge=1, le=365)

    def properties(self) -> dict[str, Any]:
        return {"deleteRetentionPolicy": {"enabled": True, "days": self.delete_retention_days}}


class BlobContainerSpec(ChildSpec):
    """A private blob container (`.../blobServices/default/containers/{name}`)."""

    arm_type: ClassVar[str] = "Microsoft.Storage/storageAccounts/blobServices/containers"
    name_rule = NameRule(3, 63, r"[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]", "lowercase letters, digits and single hyphens")
    child_path: ClassVar[str | None] = "blobServices/default/containers"

    parent: StorageAccountSpec

    def properties(self) -> dict[str, Any]:
        return {"publicAccess": "None"}


class FileShareSpec(ChildSpec):
    """An Azure Files share (`.../fileServices/default/shares/{name}`): an Elastic
    Premium function app's content share, created beforehand because the app
    skips the platform's share validation (see `FunctionAppSpec`). The body is
    empty as in the REST example FileSharesPut.json: quota and tier stay at
    their defaults."""

    arm_type: ClassVar[str] = "Microsoft.Storage/storageAccounts/fileServices/shares"
    name_rule = NameRule(3, 63, r"[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]",
                         "lowercase letters, digits and single hyphens, starting and ending with a letter or digit")
    child_path: ClassVar[str | None] = "fileServices/default/shares"

    parent: StorageAccountSpec

    def body(self) -> dict[str, Any]:
        return {"properties": {}}
