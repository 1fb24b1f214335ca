"""Dashboards layer: the operations workbook (the plan's "Dashboards: Azure
Workbooks"), built last because it shows every other layer.

One shared workbook per environment, listed in Application Insights' Workbooks:
requests, failures and latency per service (API Management, the microservices
and the function apps all report to the one Application Insights component),
latency over time, queue depth and dead letters per Service Bus entity (the
namespace's `ActiveMessages` and `DeadletteredMessages` metrics split by
`EntityName`, "Azure Service Bus metrics", Microsoft Learn), and function
failures (failed invocations and exceptions per function app)."""

from __future__ import annotations

from dataclasses import dataclass

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.functions import FunctionsLayer
from desired_state.layers.messaging import MessagingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.applicationinsights import WorkbookMetrics, WorkbookQuery, WorkbookSpec, WorkbookText

REQUESTS_PER_SERVICE = """requests
| summarize requests = count(), failures = countif(success == false),
    p50_ms = round(percentile(duration, 50), 1), p95_ms = round(percentile(duration, 95), 1) by service = cloud_RoleName
| extend failure_rate_pct = round(100.0 * failures / requests, 2)
| order by requests desc"""

LATENCY_OVER_TIME = """requests
| summarize p95_ms = percentile(duration, 95) by service = cloud_RoleName, bin(timestamp, 15m)"""


def function_failures(apps: list[str]) -> str:
    """Failed invocations and exceptions of the named function apps."""
    names = ", ".join(f'"{app}"' for app in apps)
    return f"""union
    (requests | where success == false | extend failure = "failed invocation"),
    (exceptions | extend failure = "exception")
| where cloud_RoleName in ({names})
| summarize count() by function_app = cloud_RoleName, function = operation_Name, failure
| order by count_ desc"""


@dataclass
class DashboardsLayer(LayerSpecs):
    """The operations workbook."""

    workbook: WorkbookSpec | None = None


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    observability: ObservabilityLayer,
    messaging: MessagingLayer,
    functions: FunctionsLayer,
) -> DashboardsLayer:
    layer = DashboardsLayer("dashboards")
    insights = observability.app_insights
    if insights is None:
        return layer
    steps: list[WorkbookText | WorkbookQuery | WorkbookMetrics] = [
        WorkbookText(name="title", markdown=f"# Operations: {ctx.settings.workload} {ctx.env}"),
        WorkbookQuery(
            name="requests-per-service", title="Requests, failures and latency per service",
            query=REQUESTS_PER_SERVICE, resources=(insights,),
        ),
        WorkbookQuery(
            name="latency-over-time", title="p95 latency per service", query=LATENCY_OVER_TIME, resources=(insights,),
            visualization="timechart",
        ),
    ]
    if messaging.namespace is not None:
        steps.append(
            WorkbookMetrics(
                name="queue-depth", title="Queue depth and dead letters per entity", resource=messaging.namespace,
                metrics=("ActiveMessages", "DeadletteredMessages"), split_by="EntityName",
            )
        )
    if functions.apps:
        steps.append(
            WorkbookQuery(
                name="function-failures", title="Function failures",
                query=function_failures([app.name for app in functions.apps.values()]), resources=(insights,),
            )
        )
    display_name = f"Operations ({ctx.env})"
    layer.workbook = layer.add(
        WorkbookSpec(
            address="dashboards.workbook.operations", name=WorkbookSpec.name_for(resource_group, display_name),
            display_name=display_name, source=insights, steps=tuple(steps), resource_group=resource_group,
            location=ctx.location, tags=ctx.tags,
            description="Requests, failures and latency per service, Service Bus queue depth and dead letters, "
            "function failures.",
        )
    )
    return layer
