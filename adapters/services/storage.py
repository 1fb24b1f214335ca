"""Storage accounts, blob containers and file shares (azure-mgmt-storage 25, TypeSpec models).

A blob container's id holds `/blobServices/default/containers/<name>`, a file
share's `/fileServices/default/shares/<name>`.
"""

from __future__ import annotations

from adapters.arm_type import ArmType, GenericType
from adapters.compare import CompareRules, ListRule

_M = "azure.mgmt.storage.models:"

TYPES = (
    ArmType(
        arm_type="Microsoft.Storage/storageAccounts",
        graph_row=True,
        service="storage", operations="storage_accounts",
        get="get_properties", create="begin_create", delete="delete",
        args=("resource_group", "name"), model=_M + "StorageAccountCreateParameters",
        rules=CompareRules(
            case_insensitive=frozenset({
                "sku.name", "sku.tier", "kind", "properties.accessTier", "properties.minimumTlsVersion",
                "properties.publicNetworkAccess", "properties.networkAcls.defaultAction",
                "properties.networkAcls.bypass",
            }),
            lists={"properties.networkAcls.ipRules": ListRule("set"),
                   "properties.networkAcls.virtualNetworkRules": ListRule("set")},
            immutable=frozenset({"location", "kind", "properties.isHnsEnabled", "extendedLocation"}),
        ),
        etag=False,  # storage accounts carry no etag
        data_holding=True,
    ),
    ArmType(
        arm_type="Microsoft.Storage/storageAccounts/blobServices/containers",
        service="storage", operations="blob_containers",
        get="get", create="create", delete="delete",
        args=("resource_group", "storageAccounts", "name"), model=_M + "BlobContainer",
        rules=CompareRules(case_insensitive=frozenset({"properties.publicAccess"}), immutable=frozenset()),
        etag=False,  # the container etag is the data-plane one; PUT does not honour it
        data_holding=True,
    ),
    ArmType(
        arm_type="Microsoft.Storage/storageAccounts/fileServices/shares",
        service="storage", operations="file_shares",
        get="get", create="create", delete="delete",
        args=("resource_group", "storageAccounts", "name"), model=_M + "FileShare",
        rules=CompareRules(case_insensitive=frozenset({"properties.enabledProtocols", "properties.accessTier"}),
                           immutable=frozenset({"properties.enabledProtocols"})),
        etag=False,  # as containers: the share etag is the data-plane one
        data_holding=True,  # a Functions content share holds the app's files
    ),
)

#: Types managed generically (by id): nothing the defaults get wrong.
GENERIC = (
    GenericType(arm_type="Microsoft.Storage/storageAccounts/blobServices"),  # the account's blob service settings (soft delete, versioning)
)
