"""Application Insights components (azure-mgmt-applicationinsights, multi-API;
msrest models of 2020-02-02, whose property names are PascalCase)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

TYPES = (
    ArmType(
        arm_type="Microsoft.Insights/components",
        service="applicationinsights", operations="components",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "name"),
        model="azure.mgmt.applicationinsights.v2020_02_02.models:ApplicationInsightsComponent",
        rules=CompareRules(
            case_insensitive=frozenset({
                "kind", "properties.Application_Type", "properties.IngestionMode", "properties.Flow_Type",
                "properties.Request_Source",
            }),
        ),
        etag=False,
        api_version="2020-02-02",
    ),
)
