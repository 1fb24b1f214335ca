"""Role assignments (azure-mgmt-authorization, multi-API; msrest models of 2022-04-01).

The scope argument is everything before `/providers/Microsoft.Authorization`,
without its leading slash (the SDK's URL template is `/{scope}/providers/...`).
Role assignments cannot be updated in place (ARM answers 409
RoleAssignmentUpdateNotPermitted), so their properties are immutable.
"""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules

TYPES = (
    ArmType(
        arm_type="Microsoft.Authorization/roleAssignments",
        # an extension type: its rows are in Resource Graph's `authorizationresources`, never in `resources`
        # (Microsoft Learn, "Azure Resource Graph table and resource type reference")
        graph_row=False,
        service="authorization", operations="role_assignments",
        get="get", create="create", delete="delete",
        args=("scope", "name"),
        model="azure.mgmt.authorization.v2022_04_01.models:RoleAssignmentCreateParameters",
        rules=CompareRules(
            case_insensitive=frozenset({"properties.principalType", "properties.principalId"}),
            # A built-in role created with a subscription-scoped id is returned at tenant scope.
            last_segment=frozenset({"properties.roleDefinitionId"}),
            immutable=frozenset({"properties.roleDefinitionId", "properties.principalId", "properties.scope"}),
        ),
        etag=False,
        api_version="2022-04-01",
    ),
)
