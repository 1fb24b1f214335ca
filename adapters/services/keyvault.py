"""Key Vault (azure-mgmt-keyvault, TypeSpec models)."""

from __future__ import annotations

from adapters.arm_type import ArmType, GenericType
from adapters.compare import CompareRules, ListRule

TYPES = (
    ArmType(
        arm_type="Microsoft.KeyVault/vaults",
        service="keyvault", operations="vaults",
        get="get", create="begin_create_or_update", delete="delete",
        args=("resource_group", "name"), model="azure.mgmt.keyvault.models:VaultCreateOrUpdateParameters",
        rules=CompareRules(
            case_insensitive=frozenset({
                "properties.sku.name", "properties.sku.family", "properties.tenantId",
                "properties.accessPolicies[].tenantId", "properties.accessPolicies[].objectId",
                "properties.networkAcls.bypass", "properties.networkAcls.defaultAction",
            }),
            lists={
                "properties.accessPolicies": ListRule("keyed", "objectId"),
                "properties.networkAcls.ipRules": ListRule("set"),
                "properties.networkAcls.virtualNetworkRules": ListRule("set"),
            },
            # Key Vault returns a bare IP rule as `a.b.c.d/32`.
            cidr=frozenset({"properties.networkAcls.ipRules[].value"}),
        ),
        data_holding=True,
    ),
    # Secrets through ARM: create/update and read (the value is never returned);
    # the management SDK has no delete (deleting is a data-plane operation).
    ArmType(
        arm_type="Microsoft.KeyVault/vaults/secrets",
        service="keyvault", operations="secrets",
        get="get", create="create_or_update", delete="",
        args=("resource_group", "vaults", "name"), model="azure.mgmt.keyvault.models:SecretCreateOrUpdateParameters",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.contentType"}),
            write_only=frozenset({"properties.value"}),
            immutable=frozenset(),
        ),
        data_holding=True,
    ),
)

#: Types managed generically (by id), with their quirks.
GENERIC = (
    # `vaults/accessPolicies/add` merges the sent permissions into the vault's
    # policies (REST spec Microsoft.KeyVault keyvault.json, Vaults_UpdateAccessPolicy:
    # operationKind add | replace | remove); the answer is the whole merged list
    # (recording keyvault/test_cli_mgmt_keyvault.test_keyvault.yaml).
    GenericType(
        arm_type="Microsoft.KeyVault/vaults/accessPolicies",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.accessPolicies[].tenantId", "properties.accessPolicies[].objectId"}),
            lists={
                "properties.accessPolicies": ListRule("keyed", "objectId", owned="partly"),
                **{
                    f"properties.accessPolicies[].permissions.{kind}": ListRule("set", owned="partly")
                    for kind in ("keys", "secrets", "certificates", "storage")
                },
            },
        ),
    ),
)
