"""Microsoft.DataFactory/factories (api 2018-06-01; example 2017-09-01-preview)."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.name_rule import ALNUM_HYPHEN_EDGES, NameRule
from desired_state.specs.msi import UserAssignedIdentitySpec
from desired_state.specs.tracked import TrackedSpec, user_assigned


class DataFactorySpec(TrackedSpec):
    """A Data Factory running as a user-assigned identity."""

    arm_type: ClassVar[str] = "Microsoft.DataFactory/factories"
    name_rule = NameRule(3, 63, ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, starting and ending with a letter or digit", True)

    identity: UserAssignedIdentitySpec
    public_network_access: bool = True

    def envelope(self) -> dict[str, Any]:
        return {"identity": user_assigned([self.identity])}

    def properties(self) -> dict[str, Any]:
        return {"publicNetworkAccess": "Enabled" if self.public_network_access else "Disabled"}
