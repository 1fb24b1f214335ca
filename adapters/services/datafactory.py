"""Data Factory (azure-mgmt-datafactory 10, TypeSpec models, api-version 2018-06-01)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

TYPES = (
    ArmType(
        arm_type="Microsoft.DataFactory/factories",
        service="datafactory", operations="factories",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "name"), model="azure.mgmt.datafactory.models:Factory",
        rules=CompareRules(case_insensitive=frozenset({"identity.type", "properties.publicNetworkAccess"})),
    ),
)
