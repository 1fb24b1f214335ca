"""The safety policy over every type the estate uses x every flag x every environment (issue 22
item 2): whether a type holds data comes from its own declaration (`adapters/services/`), and
the policy keeps no list of its own.

`HOLDS_DATA` below is the specification, written out here on purpose: a declaration that stops
saying a type holds data (or a new data-holding type declared without it) fails this table.
"""

from __future__ import annotations

from itertools import product

import pytest

from adapters.registry import holds_data
from desired_state import build
from desired_state.catalog import spec_types
from reconciler.engine.safety import SafetyPolicy

ENVIRONMENTS = ("dev", "qa", "staging", "prod")

#: Deleting or replacing one of these loses data: `--allow-data-loss` on top of `--prune` /
#: `--allow-replace`. (A resource group takes everything in it; a Functions content share holds
#: the app's files; Managed Redis is the successor of Azure Cache for Redis.)
HOLDS_DATA = frozenset(t.lower() for t in (
    "Microsoft.Resources/resourceGroups",
    "Microsoft.Sql/servers",
    "Microsoft.Sql/servers/databases",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Storage/storageAccounts/blobServices/containers",
    "Microsoft.Storage/storageAccounts/fileServices/shares",
    "Microsoft.KeyVault/vaults",
    "Microsoft.KeyVault/vaults/secrets",
    "Microsoft.DocumentDB/databaseAccounts",
    "Microsoft.Cache/redis",
    "Microsoft.Cache/redisEnterprise",
    "Microsoft.Cache/redisEnterprise/databases",
))


def _estate_types() -> list[str]:
    """Every type a spec can declare, and every type an environment's estate holds."""
    used = set(spec_types())
    for environment in ENVIRONMENTS:
        used |= set(build(environment).types())
    return sorted(used, key=str.lower)


def _expected(arm_type: str, environment: str, policy: SafetyPolicy, *, replace: bool) -> str | None:
    """The rule, spelled out: which flag is missing first (None: the action may run)."""
    if replace and not policy.allow_replace:
        return "allow-replace"
    if not replace and not policy.prune:
        return "prune"
    if arm_type.lower() in HOLDS_DATA and not policy.allow_data_loss:
        return "allow-data-loss"
    if environment == "prod" and not policy.allow_prod_destroy:
        return "allow-prod-destroy"
    return None


def test_the_table_covers_the_types_the_estate_uses() -> None:
    types = {t.lower() for t in _estate_types()}
    assert types >= HOLDS_DATA, HOLDS_DATA - types
    assert len(types) >= 60


@pytest.mark.parametrize("arm_type", _estate_types())
def test_every_flag_and_environment_blocks_exactly_what_the_rule_says(arm_type: str) -> None:
    assert holds_data(arm_type) == (arm_type.lower() in HOLDS_DATA), "its declaration in adapters/services/"
    for flags, environment, replace in product(product((False, True), repeat=4), ENVIRONMENTS, (False, True)):
        allow_replace, prune, allow_data_loss, allow_prod_destroy = flags
        policy = SafetyPolicy(allow_replace=allow_replace, prune=prune, allow_data_loss=allow_data_loss,
                              allow_prod_destroy=allow_prod_destroy)
        blocked = policy.destroy_block(environment, arm_type, replace=replace)
        needed = _expected(arm_type, environment, policy, replace=replace)
        case = f"{arm_type} {'replace' if replace else 'delete'} in {environment} with {policy}"
        if needed is None:
            assert blocked is None, case
        else:
            assert blocked is not None, case
            assert (blocked.reason, f"--{needed}" in blocked.why) == (f"needs-{needed}", True), (case, blocked)


def test_an_undeclared_type_is_taken_to_hold_data() -> None:
    # Nothing declares it, so nothing says deleting it is harmless.
    assert holds_data("Microsoft.Example/undeclaredThings")
    blocked = SafetyPolicy(prune=True).destroy_block("dev", "Microsoft.Example/undeclaredThings", replace=False)
    assert blocked is not None and blocked.reason == "needs-allow-data-loss" and "--allow-data-loss" in blocked.why
