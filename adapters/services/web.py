"""App Service plans, sites, their configuration and static web apps (azure-mgmt-web 11, TypeSpec models).

A site GET shows no configuration (`siteConfig` fields null, no `appSettings`:
recordings, web/test_cli_mgmt_web_app.test_web_app_slot.yaml), so a site's
configuration is managed through its `sites/config` resources: `appsettings`
and `connectionstrings` (PUT; read with the `POST .../list` action, as they
hold secrets) and `web` (siteConfig; GET and PUT).
"""

from __future__ import annotations

from adapters.arm_type import ArmType, ByName, GenericType
from adapters.compare import CompareRules, ListRule

_M = "azure.mgmt.web.models:"

TYPES = (
    ArmType(
        arm_type="Microsoft.Web/serverfarms",
        service="web", operations="app_service_plans",
        get="get", create="begin_create_or_update", delete="delete",
        args=("resource_group", "name"), model=_M + "AppServicePlan",
        rules=CompareRules(
            case_insensitive=frozenset({"sku.name", "sku.tier", "sku.size", "sku.family", "kind"}),
            # Linux (`reserved`) cannot be switched on an existing plan.
            immutable=frozenset({"location", "properties.reserved", "kind"}),
        ),
        etag=False,
    ),
    ArmType(
        arm_type="Microsoft.Web/sites",
        service="web", operations="web_apps",
        get="get", create="begin_create_or_update", delete="delete",
        args=("resource_group", "name"), model=_M + "Site",
        rules=CompareRules(
            case_insensitive=frozenset({"kind", "properties.siteConfig.ftpsState", "properties.siteConfig.minTlsVersion"}),
            lists={
                "properties.siteConfig.appSettings": ListRule("keyed", "name"),
                "properties.siteConfig.connectionStrings": ListRule("keyed", "name"),
            },
        ),
        etag=False,
    ),
    ArmType(
        arm_type="Microsoft.Web/sites/config",
        service="web", operations="web_apps",
        get="get_configuration", create="create_or_update_configuration", delete="",
        args=("resource_group", "sites"), model=_M + "SiteConfigResource",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.ftpsState", "properties.minTlsVersion"}),
        ),
        by_name={
            # Settings are a map owned wholly: a setting added by hand is drift, and is removed.
            "appsettings": ByName(
                "list_application_settings", "update_application_settings", _M + "StringDictionary",
                CompareRules(owned_dicts=frozenset({"properties"})),
            ),
            "connectionstrings": ByName(
                "list_connection_strings", "update_connection_strings", _M + "ConnectionStringDictionary",
                CompareRules(owned_dicts=frozenset({"properties"})),
            ),
        },
        etag=False,
    ),
    ArmType(
        arm_type="Microsoft.Web/staticSites",
        service="web", operations="static_sites",
        get="get_static_site", create="begin_create_or_update_static_site", delete="begin_delete_static_site",
        args=("resource_group", "name"), model=_M + "StaticSiteARMResource",
        rules=CompareRules(
            case_insensitive=frozenset({"sku.name", "sku.tier"}),
            write_only=frozenset({"properties.repositoryToken", "properties.buildProperties"}),
        ),
        etag=False,
    ),
)

#: Types managed generically (by id): nothing the defaults get wrong.
GENERIC = (
    GenericType(arm_type="Microsoft.Web/staticSites/customDomains"),
)
