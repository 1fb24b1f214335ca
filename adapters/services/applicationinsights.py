"""Application Insights components (azure-mgmt-applicationinsights, multi-API;
msrest models of 2020-02-02, whose property names are PascalCase) and workbooks
(its 2023-06-01 operation group).

A workbook GET answers only a summary unless asked `canFetchContent=true`
("flag indicating whether or not to return the full content for each applicable
workbook", Workbooks - Get, REST 2023-06-01): without it `serializedData` would
always look removed. The content is a JSON document in a string, compared as the
document it holds."""

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
    ArmType(
        arm_type="Microsoft.Insights/workbooks",
        service="applicationinsights", operations="workbooks",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "name"),
        model="azure.mgmt.applicationinsights.v2023_06_01.models:Workbook",
        rules=CompareRules(
            case_insensitive=frozenset({"kind", "properties.category"}),
            json_text=frozenset({"properties.serializedData"}),
        ),
        get_kwargs={"can_fetch_content": True},
        etag=False,
        api_version="2023-06-01",
    ),
)
