"""Tagging: standard tags for cost and ownership, and the ownership test.

The engine keeps no state file; the ownership tags are how it tells its own
resources from everyone else's (it only updates foreign-tagged resources when
told to, and only deletes its own). Azure treats tag keys case-insensitively
(learn.microsoft.com/azure/azure-resource-manager/management/tag-resources),
so `is_owned` does too; values are compared exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

OWNER_TAG = "managed-by"
OWNER_VALUE = "azure-reconciler"
ENVIRONMENT_TAG = "reconciler-environment"


def ownership_tags(env: str) -> dict[str, str]:
    """The tags that mark a resource as this controller's, for one environment."""
    return {OWNER_TAG: OWNER_VALUE, ENVIRONMENT_TAG: env}


def standard_tags(env: str, *, workload: str, owner: str, cost_center: str) -> dict[str, str]:
    """Cost and ownership tags every taggable resource carries."""
    return {
        "environment": env,
        "workload": workload,
        "owner": owner,
        "cost-center": cost_center,
        **ownership_tags(env),
    }


def is_owned(tags: Mapping[str, str] | None, env: str) -> bool:
    """True when `tags` mark the resource as managed by this controller in `env`."""
    if not tags:
        return False
    folded = {key.lower(): value for key, value in tags.items()}
    return folded.get(OWNER_TAG.lower()) == OWNER_VALUE and folded.get(ENVIRONMENT_TAG.lower()) == env
