"""Microsoft.Insights/components (api 2020-02-02 example), workspace-based."""

from __future__ import annotations

from typing import Any, ClassVar

from desired_state.name_rule import NameRule
from desired_state.specs.loganalytics import LogAnalyticsWorkspaceSpec
from desired_state.specs.tracked import TrackedSpec


class ApplicationInsightsSpec(TrackedSpec):
    """A workspace-based Application Insights component."""

    arm_type: ClassVar[str] = "Microsoft.Insights/components"
    name_rule = NameRule(1, 255, r"[^%&\\?/]+", "no %&\\?/")

    workspace: LogAnalyticsWorkspaceSpec

    def envelope(self) -> dict[str, Any]:
        return {"kind": "web"}

    def properties(self) -> dict[str, Any]:
        return {
            "Application_Type": "web",
            "WorkspaceResourceId": self.workspace.id,
            "IngestionMode": "LogAnalytics",
        }
