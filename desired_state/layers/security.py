"""Security layer: Key Vault (RBAC, soft delete and purge protection per
environment), one user-assigned identity per workload, and the Key Vault
role assignments; data-plane roles on Service Bus and storage are granted in
the layers that own those resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.networking import NetworkingLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.authorization import RoleAssignmentSpec
from desired_state.specs.keyvault import KeyVaultSecretSpec, KeyVaultSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.network import PrivateEndpointSpec

#: Key Vault secrets the plan names, each valued from the deploy environment
#: (never from the desired state): the third-party API key the sync worker
#: uses, and the Authorization header API Management expects.
THIRDPARTY_API_KEY_SECRET = "thirdparty-api-key"
BASIC_AUTH_SECRET = "apim-basic-auth-header"

#: Workloads that get an identity, and whether each reads Key Vault secrets.
#: `sqladmin` is the SQL server's Microsoft Entra admin (no SQL password exists), run
#: by the SQL users job; `sqlserver` is the server's own identity, which looks the
#: workload identities up in Microsoft Graph when that job creates their users.
WORKLOAD_IDENTITIES: dict[str, bool] = {
    "functions": True, "microservices": True, "datafactory": False, "sqladmin": False, "sqlserver": False,
}


@dataclass
class SecurityLayer(LayerSpecs):
    """Key Vault and the workload identities."""

    key_vault: KeyVaultSpec | None = None
    identities: dict[str, UserAssignedIdentitySpec] = field(default_factory=dict)
    #: Secrets declared because their value is set in the deploy environment.
    secrets: dict[str, KeyVaultSecretSpec] = field(default_factory=dict)


def build(ctx: LayerContext, resource_group: ResourceGroupSpec, network: NetworkingLayer) -> SecurityLayer:
    layer = SecurityLayer("security")
    sec, n = ctx.settings.security, ctx.namer
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    vault = layer.add(
        KeyVaultSpec(
            address="security.key_vault",
            name=n.unique("kv", max_length=24),
            tenant_id=ctx.tenant_id,
            soft_delete_retention_days=sec.soft_delete_retention_days,
            purge_protection=sec.enable_purge_protection,
            public_network_access=not ctx.private,
            **common,
        )
    )
    layer.key_vault = vault
    # A secret whose value is not set in this process is not declared: it is
    # neither written nor deleted, and its readers still reference its URI.
    values = {
        THIRDPARTY_API_KEY_SECRET: ctx.secrets.thirdparty_api_key,
        BASIC_AUTH_SECRET: ctx.secrets.apim_basic_auth_header,
    }
    for secret_name, value in values.items():
        if value is not None:
            layer.secrets[secret_name] = layer.add(
                KeyVaultSecretSpec(
                    address=f"security.secret.{secret_name.replace('-', '_')}", name=secret_name, parent=vault,
                    value=value, tags=ctx.tags,
                )
            )
    for workload, reads_secrets in WORKLOAD_IDENTITIES.items():
        if workload == "datafactory" and not ctx.settings.features.enable_data_factory:
            continue
        if workload in ("sqladmin", "sqlserver") and not ctx.settings.features.enable_sql_database:
            continue
        identity = layer.add(
            UserAssignedIdentitySpec(address=f"security.identity.{workload}", name=n.standard("id", workload), **common)
        )
        layer.identities[workload] = identity
        if reads_secrets:
            layer.add(
                RoleAssignmentSpec.grant(
                    f"security.role.{workload}.key_vault_secrets_user",
                    scope=vault, identity=identity, role="Key Vault Secrets User", subscription_id=ctx.subscription_id,
                )
            )
    if ctx.private:
        network.add_private_endpoint(
            layer,
            PrivateEndpointSpec(
                address="security.private_endpoint.key_vault", name=n.standard("pe", "kv"),
                subnet=network.subnets["integration"], target=vault, group_id="vault", **common,
            )
        )
    return layer
