"""Microsoft.Insights alerting and routing: action groups, metric alerts,
log (scheduled query) alerts and diagnostic settings (examples 2021-09-01,
2018-03-01, 2023-12-01 and 2021-05-01-preview)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from desired_state.name_rule import NameRule
from desired_state.resource import ExtensionSpec, ResourceSpec
from desired_state.specs.loganalytics import LogAnalyticsWorkspaceSpec
from desired_state.specs.tracked import TrackedSpec


class ActionGroupSpec(TrackedSpec):
    """An action group e-mailing the on-call address."""

    arm_type: ClassVar[str] = "Microsoft.Insights/actionGroups"
    name_rule = NameRule(1, 260, r"[^%&\\?/:<>#]+", "no %&\\?/:<>#")

    location: str = "Global"
    short_name: str
    email: str

    def properties(self) -> dict[str, Any]:
        return {
            "groupShortName": self.short_name,
            "enabled": True,
            "emailReceivers": [{"name": "oncall", "emailAddress": self.email, "useCommonAlertSchema": True}],
        }


class MetricCriterion(BaseModel):
    """One static-threshold metric condition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    metric_name: str
    metric_namespace: str
    operator: Literal["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual", "Equals"]
    threshold: float
    time_aggregation: Literal["Average", "Count", "Maximum", "Minimum", "Total"]

    def body(self) -> dict[str, Any]:
        return {
            "criterionType": "StaticThresholdCriterion",
            "name": self.name,
            "metricName": self.metric_name,
            "metricNamespace": self.metric_namespace,
            "operator": self.operator,
            "threshold": self.threshold,
            "timeAggregation": self.time_aggregation,
        }


class MetricAlertSpec(TrackedSpec):
    """A metric alert on one resource, firing an action group."""

    arm_type: ClassVar[str] = "Microsoft.Insights/metricAlerts"
    name_rule = NameRule(1, 260, r"[^*#&+:<>?@%{}\\/]+", "no *#&+:<>?@%{}\\/")

    location: str = "global"
    target: ResourceSpec
    action_group: ActionGroupSpec
    description: str
    severity: int = 2
    criteria: tuple[MetricCriterion, ...]
    evaluation_frequency: str = "PT5M"
    window_size: str = "PT15M"

    def properties(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "severity": self.severity,
            "enabled": True,
            "scopes": [self.target.id],
            "evaluationFrequency": self.evaluation_frequency,
            "windowSize": self.window_size,
            "criteria": {
                "odata.type": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                "allOf": [criterion.body() for criterion in self.criteria],
            },
            "autoMitigate": True,
            "actions": [{"actionGroupId": self.action_group.id}],
        }


class ScheduledQueryRuleSpec(TrackedSpec):
    """A log alert: a KQL query over `scope` whose row count crosses a threshold."""

    arm_type: ClassVar[str] = "Microsoft.Insights/scheduledQueryRules"
    name_rule = NameRule(1, 260, r"[^*#&+:<>?@%{}\\/]+", "no *#&+:<>?@%{}\\/")

    scope: ResourceSpec
    action_group: ActionGroupSpec
    description: str
    query: str
    severity: int = 2
    operator: Literal["GreaterThan", "LessThan"] = "GreaterThan"
    threshold: float = 0
    evaluation_frequency: str = "PT5M"
    window_size: str = "PT5M"

    def envelope(self) -> dict[str, Any]:
        return {"kind": "LogAlert"}

    def properties(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "severity": self.severity,
            "enabled": True,
            "evaluationFrequency": self.evaluation_frequency,
            "windowSize": self.window_size,
            "scopes": [self.scope.id],
            "criteria": {
                "allOf": [
                    {
                        "query": self.query,
                        "timeAggregation": "Count",
                        "dimensions": [],
                        "operator": self.operator,
                        "threshold": self.threshold,
                        "failingPeriods": {"numberOfEvaluationPeriods": 1, "minFailingPeriodsToAlert": 1},
                    }
                ]
            },
            "autoMitigate": True,
            "actions": {"actionGroups": [self.action_group.id]},
        }


class DiagnosticSettingSpec(ExtensionSpec):
    """Routes all logs and metrics of `scope` to a Log Analytics workspace.

    Some scopes have metrics only (a storage account: its logs belong to its
    blob, queue, table and file services, "Monitor Azure Blob Storage",
    Microsoft Learn): `include_logs=False` declares no log category there."""

    arm_type: ClassVar[str] = "Microsoft.Insights/diagnosticSettings"
    name_rule = NameRule(1, 260, r"[^*#&+:<>?@%{}\\/]+", "no *#&+:<>?@%{}\\/")

    workspace: LogAnalyticsWorkspaceSpec
    include_metrics: bool = True
    include_logs: bool = True

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {"workspaceId": self.workspace.id}
        if self.include_logs:
            props["logs"] = [{"categoryGroup": "allLogs", "enabled": True}]
        if self.include_metrics:
            props["metrics"] = [{"category": "AllMetrics", "enabled": True}]
        return props
