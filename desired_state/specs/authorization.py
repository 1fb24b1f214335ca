"""Microsoft.Authorization/roleAssignments (api 2022-04-01 example).

Built-in role definition GUIDs from "Azure built-in roles"
(learn.microsoft.com/azure/role-based-access-control/built-in-roles); they are
the same in every tenant.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from desired_state.name_rule import NameRule
from desired_state.references import live_ref
from desired_state.resource import ExtensionSpec, ResourceSpec
from desired_state.specs.msi import UserAssignedIdentitySpec

BUILT_IN_ROLES: dict[str, str] = {
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Azure Service Bus Data Receiver": "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    "Azure Service Bus Data Sender": "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
}

#: Fixed namespace so assignment names are the same on every run and machine.
ROLE_ASSIGNMENT_NAMESPACE = uuid.UUID("6f1d7c52-4b0e-4b8e-9a55-3d6a2f0c9e11")


def role_assignment_name(scope_id: str, principal: str, role_guid: str) -> str:
    """Deterministic GUID name (uuid5) of the assignment of `role_guid` to `principal` on `scope_id`."""
    return str(uuid.uuid5(ROLE_ASSIGNMENT_NAMESPACE, f"{scope_id.lower()}|{principal.lower()}|{role_guid}"))


class RoleAssignmentSpec(ExtensionSpec):
    """A role assignment of a built-in role on `scope` to a managed identity:
    a user-assigned identity (its `properties.principalId`) or the
    system-assigned identity of another resource (`identity.principalId`)."""

    arm_type: ClassVar[str] = "Microsoft.Authorization/roleAssignments"
    name_rule = NameRule(36, 36, r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "a lowercase GUID")

    subscription_id: str
    role: str
    identity: ResourceSpec
    principal_path: str = "properties.principalId"

    @classmethod
    def grant(
        cls, address: str, *, scope: ResourceSpec, identity: UserAssignedIdentitySpec, role: str, subscription_id: str
    ) -> RoleAssignmentSpec:
        """The assignment of built-in `role` to `identity` on `scope`, with its stable name."""
        name = role_assignment_name(scope.id, identity.id, BUILT_IN_ROLES[role])
        return cls(address=address, name=name, scope=scope, identity=identity, role=role, subscription_id=subscription_id)

    @classmethod
    def grant_system_identity(
        cls, address: str, *, scope: ResourceSpec, holder: ResourceSpec, role: str, subscription_id: str
    ) -> RoleAssignmentSpec:
        """The assignment of built-in `role` to the system-assigned identity of `holder` on `scope`."""
        name = role_assignment_name(scope.id, f"{holder.id}/identity", BUILT_IN_ROLES[role])
        return cls(
            address=address, name=name, scope=scope, identity=holder, role=role, subscription_id=subscription_id,
            principal_path="identity.principalId",
        )

    @property
    def role_definition_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
            f"{BUILT_IN_ROLES[self.role]}"
        )

    def properties(self) -> dict[str, Any]:
        return {
            "roleDefinitionId": self.role_definition_id,
            # Unknown until the identity exists: resolved by the engine from its live body.
            "principalId": live_ref(self.identity, self.principal_path),
            # Setting principalType avoids PrincipalNotFound during AAD replication (ARM-SEMANTICS.md).
            "principalType": "ServicePrincipal",
        }
