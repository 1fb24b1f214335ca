"""Microsoft.Storage: accounts, blob containers and file shares (api 2024-01-01 examples)."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.name_rule import NameRule
from desired_state.resource import ChildSpec
from desired_state.specs.tracked import TrackedSpec


class StorageAccountSpec(TrackedSpec):
    """A StorageV2 account: TLS 1.2, HTTPS only, no anonymous blob access."""

    arm_type: ClassVar[str] = "Microsoft.Storage/storageAccounts"
    name_rule = NameRule(3, 24, r"[a-z0-9]+", "lowercase letters and digits only", True)

    sku: str = "Standard_LRS"
    public_network_access: bool = True
    minimum_tls_version: str = "TLS1_2"

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
        }


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
