"""Azure Monitor alerting and diagnostics (azure-mgmt-monitor 7, msrest models).

azure-mgmt-monitor 7 has no diagnostic-settings operation group, so
`diagnosticSettings` goes through the generic resources client by id with
api-version 2021-05-01-preview (the only api-version that type has); its
scope is the resource the setting is attached to.
"""

from __future__ import annotations

from adapters.arm_type import ArmType
from adapters.compare import CompareRules, ListRule

_M = "azure.mgmt.monitor.models:"
_RECEIVERS = (
    "emailReceivers", "smsReceivers", "webhookReceivers", "itsmReceivers", "azureAppPushReceivers",
    "automationRunbookReceivers", "voiceReceivers", "logicAppReceivers", "azureFunctionReceivers",
    "armRoleReceivers", "eventHubReceivers",
)
#: ISO 8601 durations come back in other casings (`PT1M` read as `Pt1m`).
_DURATIONS = frozenset({"properties.evaluationFrequency", "properties.windowSize"})

TYPES = (
    ArmType(
        arm_type="Microsoft.Insights/actionGroups",
        service="monitor", operations="action_groups",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "name"), model=_M + "ActionGroupResource",
        rules=CompareRules(lists={f"properties.{r}": ListRule("keyed", "name") for r in _RECEIVERS}),
    ),
    ArmType(
        arm_type="Microsoft.Insights/metricAlerts",
        service="monitor", operations="metric_alerts",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "name"), model=_M + "MetricAlertResource",
        rules=CompareRules(
            case_insensitive=_DURATIONS | {
                "properties.criteria.allOf[].operator", "properties.criteria.allOf[].timeAggregation",
                "properties.criteria.allOf[].alertSensitivity",
            },
            lists={
                "properties.criteria.allOf": ListRule("keyed", "name"),
                "properties.actions": ListRule("set"),
            },
        ),
    ),
    ArmType(
        arm_type="Microsoft.Insights/scheduledQueryRules",
        service="monitor", operations="scheduled_query_rules",
        get="get", create="create_or_update", delete="delete",
        args=("resource_group", "name"), model=_M + "ScheduledQueryRuleResource",
        rules=CompareRules(case_insensitive=_DURATIONS | {"kind"}),
    ),
    ArmType(
        arm_type="Microsoft.Insights/diagnosticSettings",
        service="resource", operations="resources",
        get="get_by_id", create="begin_create_or_update_by_id", delete="begin_delete_by_id",
        args=("id",), model=None,
        rules=CompareRules(
            lists={
                "properties.logs": ListRule("keyed", "category"),
                "properties.metrics": ListRule("keyed", "category"),
            },
            case_insensitive=frozenset({"properties.logAnalyticsDestinationType"}),
            immutable=frozenset(),
        ),
        get_kwargs={"api_version": "2021-05-01-preview"},
        create_kwargs={"api_version": "2021-05-01-preview"},
        delete_kwargs={"api_version": "2021-05-01-preview"},
        etag=False,
        api_version="2021-05-01-preview through the generic resources client",
    ),
)
