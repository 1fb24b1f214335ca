"""Log Analytics workspaces (azure-mgmt-loganalytics, TypeSpec models)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

TYPES = (
    ArmType(
        arm_type="Microsoft.OperationalInsights/workspaces",
        service="loganalytics", operations="workspaces",
        get="get", create="begin_create_or_update", delete="begin_delete",
        args=("resource_group", "name"), model="azure.mgmt.loganalytics.models:Workspace",
        rules=CompareRules(
            case_insensitive=frozenset({
                "properties.sku.name", "properties.publicNetworkAccessForIngestion",
                "properties.publicNetworkAccessForQuery",
            }),
        ),
    ),
)
