"""Observability layer: Log Analytics (retention and daily cap per
environment), workspace-based Application Insights, the on-call action group,
alert rules, Key Vault diagnostics, the drift alert (a log alert over
Application Insights `customEvents` named `ReconcilerDrift`, which the
controller emits for every drifted resource), the drift workbook over what the
controller reports (desired_state/layers/drift_workbook.py), and VNet flow logs
with traffic analytics into the workspace.

Every other diagnostic setting is declared by the layer that owns its resource,
next to it; the operations workbook is the `dashboards` layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desired_state import controller_telemetry as names
from desired_state.layers import drift_workbook
from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.security import SecurityLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.applicationinsights import ApplicationInsightsSpec
from desired_state.specs.loganalytics import LogAnalyticsWorkspaceSpec
from desired_state.specs.monitor import (
    ActionGroupSpec,
    DiagnosticSettingSpec,
    MetricAlertSpec,
    MetricCriterion,
    ScheduledQueryRuleSpec,
)
from desired_state.specs.network import FlowLogSpec, NetworkWatcherSpec
from desired_state.specs.storage import StorageAccountSpec

#: The custom event name the controller emits on drift (reconciler.controller.telemetry).
DRIFT_EVENT_NAME = names.DRIFT_EVENT
DRIFT_QUERY = f'customEvents | where name == "{DRIFT_EVENT_NAME}"'
#: The custom event the controller emits once per cycle (reconciler.controller.telemetry).
HEARTBEAT_EVENT_NAME = names.HEARTBEAT_EVENT
HEARTBEAT_QUERY = f'customEvents | where name == "{HEARTBEAT_EVENT_NAME}"'
#: The controller's default interval (5 minutes, docs/deploy.md); the heartbeat
#: alert fires when no heartbeat arrived for three of them.
CONTROLLER_INTERVAL_MINUTES = 5


@dataclass
class ObservabilityLayer(LayerSpecs):
    """Where logs, traces and alerts go."""

    workspace: LogAnalyticsWorkspaceSpec | None = None
    app_insights: ApplicationInsightsSpec | None = None
    action_group: ActionGroupSpec | None = None


def build(
    ctx: LayerContext, resource_group: ResourceGroupSpec, network: NetworkingLayer, security: SecurityLayer
) -> ObservabilityLayer:
    layer = ObservabilityLayer("observability")
    mon, n = ctx.settings.monitoring, ctx.namer
    common: dict[str, Any] = {"resource_group": resource_group, "tags": ctx.tags}
    workspace = layer.add(
        LogAnalyticsWorkspaceSpec(
            address="observability.log_analytics", name=n.standard("log"), location=ctx.location,
            retention_days=mon.log_retention_days, daily_quota_gb=mon.daily_quota_gb, **common,
        )
    )
    insights = layer.add(
        ApplicationInsightsSpec(
            address="observability.app_insights", name=n.standard("appi"), location=ctx.location, workspace=workspace, **common
        )
    )
    group = layer.add(
        ActionGroupSpec(
            address="observability.action_group", name=n.standard("ag"), short_name=f"ops-{ctx.env}"[:12],
            email=mon.alert_email, **common,
        )
    )
    layer.workspace, layer.app_insights, layer.action_group = workspace, insights, group
    # What the controller reports to this component, for people (every environment runs one).
    layer.add(drift_workbook.workbook(ctx.env, resource_group, insights, ctx.location, ctx.tags))
    layer.add(
        ScheduledQueryRuleSpec(
            address="observability.alert.drift", name=n.standard("alert", "drift"), location=ctx.location,
            scope=insights, action_group=group, query=DRIFT_QUERY, severity=2 if ctx.env == "prod" else 3,
            description="The reconciler found live Azure resources that differ from the desired state.", **common,
        )
    )
    window = f"PT{3 * CONTROLLER_INTERVAL_MINUTES}M"
    layer.add(
        ScheduledQueryRuleSpec(
            address="observability.alert.controller_heartbeat", name=n.standard("alert", "heartbeat"),
            location=ctx.location, scope=insights, action_group=group, query=HEARTBEAT_QUERY,
            severity=1 if ctx.env == "prod" else 3, operator="LessThan", threshold=1,
            evaluation_frequency=f"PT{CONTROLLER_INTERVAL_MINUTES}M", window_size=window,
            description="The reconciler controller sent no heartbeat for three intervals: it is stopped or stuck.",
            **common,
        )
    )
    layer.add(
        MetricAlertSpec(
            address="observability.alert.failed_requests", name=n.standard("alert", "failed-requests"),
            target=insights, action_group=group, description="Failed requests seen by Application Insights.",
            criteria=(
                MetricCriterion(
                    name="FailedRequests", metric_name="requests/failed", metric_namespace="microsoft.insights/components",
                    operator="GreaterThan", threshold=10, time_aggregation="Count",
                ),
            ),
            **common,
        )
    )
    if security.key_vault is not None:
        layer.add(
            DiagnosticSettingSpec(
                address="observability.diagnostics.key_vault", name="to-log-analytics", scope=security.key_vault,
                workspace=workspace,
            )
        )
    if network.firewall is not None:
        # Denied and allowed egress, per rule ("Monitor Azure Firewall", structured logs).
        layer.add(
            DiagnosticSettingSpec(
                address="observability.diagnostics.firewall", name="to-log-analytics", scope=network.firewall,
                workspace=workspace,
            )
        )
    if network.vnet is not None:
        _flow_logs(ctx, layer, resource_group, network, workspace)
    return layer


def _flow_logs(
    ctx: LayerContext, layer: ObservabilityLayer, resource_group: ResourceGroupSpec, network: NetworkingLayer,
    workspace: LogAnalyticsWorkspaceSpec,
) -> None:
    """VNet flow logs: every flow of the VNet (denied ones included) into a storage
    account of their own, analysed into the workspace. The flow log lives under
    the subscription's network watcher of the region, which Azure creates and all
    environments share (`NetworkWatcherSpec`). The account admits only trusted
    Azure services, Network Watcher among them ("Trusted access for resources
    registered in your Microsoft Entra tenant", Azure Storage firewall)."""
    assert network.vnet is not None
    net, n, tags = ctx.settings.network, ctx.namer, ctx.tags
    watcher_group = layer.add(
        ResourceGroupSpec(
            address="observability.network_watcher_group", name=net.network_watcher_group,
            subscription_id=ctx.subscription_id, location=ctx.location, shared=True,
        )
    )
    watcher = layer.add(
        NetworkWatcherSpec(
            address="observability.network_watcher", name=f"NetworkWatcher_{ctx.location}", resource_group=watcher_group,
            location=ctx.location,
        )
    )
    storage = layer.add(
        StorageAccountSpec(
            address="observability.storage.flow_logs", name=n.compact("st", "flow"), resource_group=resource_group,
            location=ctx.location, tags=tags, network_default_action="Deny",
        )
    )
    layer.add(
        FlowLogSpec(
            address="observability.flow_log.vnet", name=n.standard("fl", "vnet"), parent=watcher, location=ctx.location,
            tags=tags, target=network.vnet, storage=storage, workspace=workspace,
            retention_days=ctx.settings.monitoring.log_retention_days,
        )
    )
