"""Microsoft.Web: plans, function apps and static web apps
(examples 2023-12-01 and 2024-04-01/2024-11-01)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from desired_state.name_rule import ALNUM_HYPHEN_EDGES, NameRule
from desired_state.references import live_ref
from desired_state.resource import ChildSpec, ResourceSpec
from desired_state.specs.applicationinsights import ApplicationInsightsSpec
from desired_state.specs.keyvault import KeyVaultSpec
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.network import SubnetSpec
from desired_state.specs.servicebus import ServiceBusNamespaceSpec
from desired_state.specs.storage import FileShareSpec, StorageAccountSpec
from desired_state.specs.tracked import TrackedSpec, user_assigned

PLAN_SKUS: dict[str, dict[str, Any]] = {
    "Y1": {"name": "Y1", "tier": "Dynamic"},
    "EP1": {"name": "EP1", "tier": "ElasticPremium"},
}


class AppServicePlanSpec(TrackedSpec):
    """A Linux Functions plan: Consumption (Y1) or Elastic Premium (EP1)."""

    arm_type: ClassVar[str] = "Microsoft.Web/serverfarms"
    name_rule = NameRule(1, 60, r"[A-Za-z0-9-]+", "letters, digits and hyphens")

    sku: Literal["Y1", "EP1"]

    def envelope(self) -> dict[str, Any]:
        return {"kind": "elastic" if self.sku == "EP1" else "functionapp", "sku": dict(PLAN_SKUS[self.sku])}

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {"reserved": True}  # reserved = Linux
        if self.sku == "EP1":
            props["maximumElasticWorkerCount"] = 20
        return props


class FunctionAppSpec(TrackedSpec):
    """A Linux Python function app running as a user-assigned identity.

    Connections are identity-based (`<Connection>__fullyQualifiedNamespace`,
    `__credential`, `__clientId`), so no connection string is in the body;
    app secrets are Key Vault references resolved by App Service.
    """

    arm_type: ClassVar[str] = "Microsoft.Web/sites"
    name_rule = NameRule(2, 60, ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, not starting or ending with a hyphen", True)

    plan: AppServicePlanSpec
    identity: UserAssignedIdentitySpec
    storage: StorageAccountSpec
    app_insights: ApplicationInsightsSpec | None = None
    service_bus: ServiceBusNamespaceSpec | None = None
    key_vault: KeyVaultSpec
    subnet: SubnetSpec | None = None
    #: Further settings; values may be Key Vault references or live-value placeholders.
    settings: dict[str, str] = {}
    #: Key Vault secret names exposed as settings (setting name -> secret name).
    key_vault_secrets: dict[str, str] = {}
    #: Resources the app needs to exist first although no id of theirs is rendered.
    after: tuple[ResourceSpec, ...] = ()
    min_tls_version: Literal["1.2", "1.3"] = "1.2"
    #: Elastic Premium only: the app's Azure Files content share, and the Key
    #: Vault secret holding the host storage connection string it mounts with.
    content_share: FileShareSpec | None = None
    content_connection_secret: str | None = None

    def envelope(self) -> dict[str, Any]:
        return {"kind": "functionapp,linux", "identity": user_assigned([self.identity])}

    def content_settings(self) -> dict[str, str]:
        """What an Elastic Premium app needs to mount its content share.

        `WEBSITE_CONTENTAZUREFILECONNECTIONSTRING` and `WEBSITE_CONTENTSHARE` are
        required on Consumption and Elastic Premium, and Azure Files takes no
        managed identity (learn.microsoft.com/azure/azure-functions/functions-app-settings).
        The connection string is a Key Vault reference, so the platform cannot
        validate the share while it handles the write: validation is skipped
        (`WEBSITE_SKIP_CONTENTSHARE_VALIDATION=1`) and the share is created
        beforehand (learn.microsoft.com/azure/app-service/app-service-key-vault-references,
        "Considerations for Azure Files mounting"). Behind a private storage
        account the share is reached over the VNet (`WEBSITE_CONTENTOVERVNET=1`,
        functions-app-settings; storage-considerations)."""
        if self.content_share is None or self.content_connection_secret is None:
            return {}
        settings = {
            "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": self.key_vault.secret_reference(self.content_connection_secret),
            "WEBSITE_CONTENTSHARE": self.content_share.name,
            "WEBSITE_SKIP_CONTENTSHARE_VALIDATION": "1",
        }
        if not self.storage.public_network_access:
            settings["WEBSITE_CONTENTOVERVNET"] = "1"
        return settings

    def app_settings(self) -> dict[str, str]:
        client_id = live_ref(self.identity, "properties.clientId")
        settings = {
            "FUNCTIONS_EXTENSION_VERSION": "~4",
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "AzureWebJobsStorage__accountName": self.storage.name,
            "AzureWebJobsStorage__credential": "managedidentity",
            "AzureWebJobsStorage__clientId": client_id,
            "AZURE_CLIENT_ID": client_id,
        }
        if self.app_insights is not None:
            settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = live_ref(self.app_insights, "properties.ConnectionString")
        if self.service_bus is not None:
            settings["ServiceBusConnection__fullyQualifiedNamespace"] = self.service_bus.fully_qualified_namespace
            settings["ServiceBusConnection__credential"] = "managedidentity"
            settings["ServiceBusConnection__clientId"] = client_id
        for setting, secret in sorted(self.key_vault_secrets.items()):
            settings[setting] = self.key_vault.secret_reference(secret)
        settings.update(self.content_settings())
        settings.update(self.settings)
        return settings

    def site_config(self) -> dict[str, Any]:
        """The app's `siteConfig`, managed as its `config/web` resource."""
        return {"linuxFxVersion": "Python|3.11", "minTlsVersion": self.min_tls_version, "ftpsState": "Disabled"}

    def properties(self) -> dict[str, Any]:
        # Only what a site GET returns: the configuration is in `config_specs()`.
        props: dict[str, Any] = {
            "serverFarmId": self.plan.id,
            "httpsOnly": True,
            "keyVaultReferenceIdentity": self.identity.id,
        }
        if self.subnet is not None:
            props["virtualNetworkSubnetId"] = self.subnet.id
            props["vnetRouteAllEnabled"] = True
        return props

    def config_specs(self) -> tuple[SiteAppSettingsSpec, SiteWebConfigSpec]:
        """The app's settings and siteConfig, as the `sites/config` resources
        ARM keeps them in (a site GET returns neither)."""
        refers_to = tuple(s for s in (self.identity, self.app_insights) if s is not None)
        return (
            SiteAppSettingsSpec(
                address=f"{self.address}.appsettings", parent=self, settings=self.app_settings(), refers_to=refers_to
            ),
            SiteWebConfigSpec(address=f"{self.address}.web", parent=self, site_config=self.site_config()),
        )


class SiteAppSettingsSpec(ChildSpec):
    """A site's app settings (`sites/config/appsettings`): a map owned wholly,
    written with PUT and read with the `list` action."""

    arm_type: ClassVar[str] = "Microsoft.Web/sites/config"

    name: Literal["appsettings"] = "appsettings"
    settings: dict[str, str]
    #: Specs whose live values the settings hold (`{ref:...}` placeholders).
    refers_to: tuple[ResourceSpec, ...] = ()

    def body(self) -> dict[str, Any]:
        return {"properties": dict(self.settings)}


class SiteWebConfigSpec(ChildSpec):
    """A site's `siteConfig` (`sites/config/web`); only the declared fields count."""

    arm_type: ClassVar[str] = "Microsoft.Web/sites/config"

    name: Literal["web"] = "web"
    site_config: dict[str, Any]

    def body(self) -> dict[str, Any]:
        return {"properties": dict(self.site_config)}


class StaticSiteSpec(TrackedSpec):
    """A Static Web App (React SPA); content is deployed by CI, not by ARM."""

    arm_type: ClassVar[str] = "Microsoft.Web/staticSites"
    name_rule = NameRule(1, 40, ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, not starting or ending with a hyphen", True)

    sku: Literal["Free", "Standard"]

    def envelope(self) -> dict[str, Any]:
        return {"sku": {"name": self.sku, "tier": self.sku}}

    def properties(self) -> dict[str, Any]:
        return {"stagingEnvironmentPolicy": "Enabled", "allowConfigFileUpdates": True}
