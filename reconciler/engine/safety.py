"""Safety policy: which destructive actions this invocation may take.

Policies are values passed in (as crossplane-runtime does), not branches
scattered through the engine. The policy keeps no list of types: whether a type
holds data is its own declaration's fact (`ArmType.data_holding` /
`GenericType.data_holding` in `adapters/services/`, read through
`adapters.registry.holds_data`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.errors import Reason
from adapters.registry import holds_data
from reconciler.engine.plan import Refusal

PROTECTED_ENVIRONMENTS = frozenset({"prod"})


@dataclass(frozen=True)
class SafetyPolicy:
    allow_replace: bool = False
    prune: bool = False
    allow_data_loss: bool = False
    allow_prod_destroy: bool = False
    #: Addresses of live resources without our ownership tags that the user
    #: explicitly takes over (their update adds our ownership tags).
    adopt: frozenset[str] = field(default_factory=frozenset)

    def destroy_block(self, environment: str, arm_type: str, *, replace: bool) -> Refusal | None:
        """Why a delete or replace may not run, or None when it may."""
        if replace and not self.allow_replace:
            return Refusal(Reason.NEEDS_ALLOW_REPLACE, "replacing needs --allow-replace")
        if not replace and not self.prune:
            return Refusal(Reason.NEEDS_PRUNE, "no longer desired; deleting needs --prune")
        if holds_data(arm_type) and not self.allow_data_loss:
            return Refusal(Reason.NEEDS_ALLOW_DATA_LOSS, f"{arm_type} holds data; also needs --allow-data-loss")
        if environment in PROTECTED_ENVIRONMENTS and not self.allow_prod_destroy:
            return Refusal(
                Reason.NEEDS_ALLOW_PROD_DESTROY, f"{environment} is protected; also needs --allow-prod-destroy"
            )
        return None
