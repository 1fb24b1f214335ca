"""Microsoft.ManagedIdentity/userAssignedIdentities (api 2023-01-31 example)."""

from __future__ import annotations

from typing import ClassVar

from desired_state.name_rule import NameRule
from desired_state.specs.tracked import TrackedSpec


class UserAssignedIdentitySpec(TrackedSpec):
    """A user-assigned identity; `principalId`/`clientId` are known only once it exists."""

    arm_type: ClassVar[str] = "Microsoft.ManagedIdentity/userAssignedIdentities"
    name_rule = NameRule(3, 128, r"[A-Za-z0-9][\w-]*", "letters, digits, _ and -, starting with a letter or digit")
    has_properties: ClassVar[bool] = False
