"""Role assignments: the rules ARM applies when one is written.

PrincipalNotFound while a new identity's principal replicates (an injected
delay; docs/arm-semantics.md), unless the caller names the principalType; and
409 RoleAssignmentExists for a second assignment of the same role to the same
principal at one scope.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from emulator import bodies
from emulator.addressing import Address
from emulator.errors import ArmError
from emulator.store import Store

ROLE_ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments"
IDENTITY_TYPE = "microsoft.managedidentity/userassignedidentities"


def check_role_assignment(
    conn: sqlite3.Connection, addr: Address, payload: dict[str, Any], now: float, principal_delay_seconds: float
) -> None:
    """A role assignment PUT: the principal must be replicated (injected delay), and the same principal and role
    may be assigned only once per scope (409 RoleAssignmentExists)."""
    props = payload.get("properties") if isinstance(payload.get("properties"), dict) else {}
    assert isinstance(props, dict)
    principal = str(props.get("principalId", ""))
    delay = principal_delay_seconds
    if delay > 0 and principal and not props.get("principalType"):
        identity = Store.by_principal(conn, principal)
        if identity is not None and now - identity.created < delay:
            raise ArmError(
                400,
                "PrincipalNotFound",
                f"Principal {principal.replace('-', '')} does not exist in the directory {bodies.EMULATOR_TENANT_ID}. "
                "If you are creating this principal and then immediately assigning a role, this error might "
                "be related to a replication delay.",
            )
    role = str(props.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
    for other in Store.children(conn, addr.parent_id.lower(), ROLE_ASSIGNMENT_TYPE):
        if other.key == addr.key:
            continue
        other_props = json.loads(other.body).get("properties", {})
        if (
            str(other_props.get("principalId", "")).lower() == principal.lower()
            and str(other_props.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower() == role
        ):
            raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")


def principal_of(type_key: str, body: dict[str, Any]) -> str | None:
    """The principal id a user-assigned identity's body carries (indexed for the replication-delay rule)."""
    if type_key != IDENTITY_TYPE:
        return None
    props = body.get("properties")
    if isinstance(props, dict) and isinstance(props.get("principalId"), str):
        return str(props["principalId"]).lower()
    return None
