"""App Service plans, sites and static web apps (azure-mgmt-web 11, TypeSpec models)."""

from __future__ import annotations

from adapters.arm_type import ArmType
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
