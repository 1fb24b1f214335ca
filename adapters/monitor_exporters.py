"""Application Insights' OpenTelemetry exporters (azure-monitor-opentelemetry-exporter), behind
the adapters like every other azure.* package: the controller's telemetry asks for them here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MonitorExporters:
    """One exporter per signal, all with the same options (connection string, timeouts, storage)."""

    logs: Any
    metrics: Any
    traces: Any


def azure_monitor_exporters(**options: Any) -> MonitorExporters:
    """The log, metric and trace exporters of Application Insights (imported here, on first use:
    the exporter and its SDK cost about 0.5 s to import)."""
    from azure.monitor.opentelemetry.exporter import (
        AzureMonitorLogExporter,
        AzureMonitorMetricExporter,
        AzureMonitorTraceExporter,
    )

    return MonitorExporters(
        AzureMonitorLogExporter(**options), AzureMonitorMetricExporter(**options), AzureMonitorTraceExporter(**options)
    )
