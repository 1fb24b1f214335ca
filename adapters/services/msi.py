"""User-assigned managed identities (azure-mgmt-msi, multi-API; msrest models of 2024-11-30)."""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

TYPES = (
    ArmType(
        arm_type="Microsoft.ManagedIdentity/userAssignedIdentities",
        graph_row=True,
        service="msi", operations="user_assigned_identities",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "name"), model="azure.mgmt.msi.v2024_11_30.models:Identity",
        rules=CompareRules(case_insensitive=frozenset({"properties.isolationScope"})),
        api_version="2024-11-30 (client default profile)",
    ),
)
