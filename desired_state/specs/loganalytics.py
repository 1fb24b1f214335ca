"""Microsoft.OperationalInsights/workspaces (api 2025-02-01 example)."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.name_rule import ALNUM_HYPHEN_EDGES, NameRule
from desired_state.specs.tracked import TrackedSpec


class LogAnalyticsWorkspaceSpec(TrackedSpec):
    """A PerGB2018 workspace with retention and a daily cap (None = unlimited)."""

    arm_type: ClassVar[str] = "Microsoft.OperationalInsights/workspaces"
    name_rule = NameRule(4, 63, ALNUM_HYPHEN_EDGES, "letters, digits and hyphens, starting and ending with a letter or digit")

    retention_days: int
    daily_quota_gb: float | None

    def properties(self) -> dict[str, Any]:
        return {
            "sku": {"name": "PerGB2018"},
            "retentionInDays": self.retention_days,
            # -1 is ARM's "no cap"; declaring it makes a cap added by hand show as drift.
            "workspaceCapping": {"dailyQuotaGb": -1.0 if self.daily_quota_gb is None else self.daily_quota_gb},
        }
