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
from desired_state.specs.sql import SqlDatabaseSpec
from desired_state.specs.storage import BlobContainerSpec, StorageAccountSpec
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

    No Azure Files content share: the code runs from a package in the host
    storage account (`WEBSITE_RUN_FROM_PACKAGE` = its blob URL, fetched with the
    app's identity: `WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID`; "Run your
    functions from a package file in Azure", Microsoft Learn; the only way on
    Linux Consumption). Elastic Premium then runs without Azure Files, which
    takes no managed identity: "you can create your function app without Azure
    Files ... you must deploy from an external package URL" ("Storage
    considerations for Azure Functions", Microsoft Learn), so the host account
    needs no shared key anywhere.

    `public_network_access=False` closes the app and its SCM (Kudu) site to the
    internet (both answer 403: Azure/azure-policy#1194; Microsoft's built-in
    policy "Function apps should disable public network access"), and it is
    reached through a private endpoint. Where the plan has no private endpoint
    (Consumption has none: "Azure Functions networking options"), access
    restrictions deny every public caller of the app and of its SCM site
    (`ipSecurityRestrictionsDefaultAction` with `scmIpSecurityRestrictionsUseMain`;
    non-HTTP triggers are not affected).
    """

    arm_type: ClassVar[str] = "Microsoft.Web/sites"
    name_rule = NameRule(2, 60, ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, not starting or ending with a hyphen", True)

    plan: AppServicePlanSpec
    identity: UserAssignedIdentitySpec
    storage: StorageAccountSpec
    #: The container the app's package is deployed to (`<container>/<app name>.zip`).
    packages: BlobContainerSpec
    app_insights: ApplicationInsightsSpec | None = None
    service_bus: ServiceBusNamespaceSpec | None = None
    sql_database: SqlDatabaseSpec | None = None
    key_vault: KeyVaultSpec
    subnet: SubnetSpec | None = None
    public_network_access: bool = True
    #: Further settings; values may be Key Vault references or live-value placeholders.
    settings: dict[str, str] = {}
    #: Key Vault secret names exposed as settings (setting name -> secret name).
    key_vault_secrets: dict[str, str] = {}
    #: Resources the app needs to exist first although no id of theirs is rendered.
    after: tuple[ResourceSpec, ...] = ()
    min_tls_version: Literal["1.2", "1.3"] = "1.2"

    def envelope(self) -> dict[str, Any]:
        return {"kind": "functionapp,linux", "identity": user_assigned([self.identity])}

    @property
    def package_url(self) -> str:
        return f"{self.storage.blob_endpoint}{self.packages.name}/{self.name}.zip"

    def app_settings(self) -> dict[str, str]:
        client_id = live_ref(self.identity, "properties.clientId")
        settings = {
            "FUNCTIONS_EXTENSION_VERSION": "~4",
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "AzureWebJobsStorage__accountName": self.storage.name,
            "AzureWebJobsStorage__credential": "managedidentity",
            "AzureWebJobsStorage__clientId": client_id,
            "AZURE_CLIENT_ID": client_id,
            "WEBSITE_RUN_FROM_PACKAGE": self.package_url,
            "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID": self.identity.id,
        }
        if self.app_insights is not None:
            settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = live_ref(self.app_insights, "properties.ConnectionString")
        if self.service_bus is not None:
            settings["ServiceBusConnection__fullyQualifiedNamespace"] = self.service_bus.fully_qualified_namespace
            settings["ServiceBusConnection__credential"] = "managedidentity"
            settings["ServiceBusConnection__clientId"] = client_id
        if self.sql_database is not None:
            settings["SQL_SERVER"] = self.sql_database.parent.fully_qualified_domain_name
            settings["SQL_DATABASE"] = self.sql_database.name
        for setting, secret in sorted(self.key_vault_secrets.items()):
            settings[setting] = self.key_vault.secret_reference(secret)
        settings.update(self.settings)
        return settings

    def site_config(self) -> dict[str, Any]:
        """The app's `siteConfig`, managed as its `config/web` resource."""
        config: dict[str, Any] = {"linuxFxVersion": "Python|3.11", "minTlsVersion": self.min_tls_version, "ftpsState": "Disabled"}
        if self.public_network_access:
            # No private endpoint here: nobody on the internet reaches the app or its SCM site.
            config.update({
                "ipSecurityRestrictionsDefaultAction": "Deny",
                "scmIpSecurityRestrictionsDefaultAction": "Deny",
                "scmIpSecurityRestrictionsUseMain": True,
            })
        return config

    def properties(self) -> dict[str, Any]:
        # Only what a site GET returns: the configuration is in `config_specs()`.
        props: dict[str, Any] = {
            "serverFarmId": self.plan.id,
            "httpsOnly": True,
            "keyVaultReferenceIdentity": self.identity.id,
            "publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled",
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


class StaticSiteCustomDomainSpec(ChildSpec):
    """A custom domain bound to a static web app (`staticSites/customDomains`, REST
    example CreateOrUpdateStaticSiteCustomDomain.json): `cname-delegation` proves
    the name by a CNAME to the site's default host name, which must exist first
    (`after`); the site then serves the name with a free managed certificate
    ("Set up a custom domain in Azure Static Web Apps", Microsoft Learn)."""

    arm_type: ClassVar[str] = "Microsoft.Web/staticSites/customDomains"
    name_rule = NameRule(1, 253, r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", "a lowercase DNS name")

    parent: StaticSiteSpec
    after: tuple[ResourceSpec, ...] = ()

    def properties(self) -> dict[str, Any]:
        return {"validationMethod": "cname-delegation"}
