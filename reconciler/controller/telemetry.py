"""Drift events, cycle metrics and cycle/phase spans: to Application Insights, or to the logs.

With a connection string, OpenTelemetry SDK providers (owned by this object, never installed
as the process-wide globals) export through the Azure Monitor exporters. Without one, the
same information goes to structured logs. Only paths, ids and counts are ever sent, never
values; every string attribute also passes through the secret redaction of ``reconciler.runtime.logs``.

How a log record becomes an Application Insights custom event: the exporter turns a record
carrying the attribute ``microsoft.custom_event.name`` into an ``EventData`` envelope named by
that attribute (azure-monitor-opentelemetry-exporter 1.0.0b58,
``export/logs/_exporter.py``: ``_log_data_is_event`` and ``_convert_log_to_envelope``; the
constant is ``_MICROSOFT_CUSTOM_EVENT_NAME`` in ``_constants.py``), so it lands in the
``customEvents`` table under that name.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from desired_state import controller_telemetry as names
from reconciler.controller.report import CycleReport, DriftRecord, NotConvergentRecord
from reconciler.runtime.logs import redact

DRIFT_EVENT_NAME = names.DRIFT_EVENT
"""The customEvents name; the desired state's alert rule and drift workbook query exactly this
(every event, property and metric name is in `desired_state.controller_telemetry`)."""

NOT_CONVERGENT_EVENT_NAME = names.NOT_CONVERGENT_EVENT
"""The customEvents name of a field ARM did not keep (once per field, when found)."""

HEARTBEAT_EVENT_NAME = names.HEARTBEAT_EVENT
"""One customEvent per finished cycle, failed or not; the desired state's
heartbeat alert fires when none arrived for three intervals."""

SERVICE_NAME = "azure-reconciler"

# Attribute the Azure Monitor exporter reads to emit a customEvent (see module docstring).
_CUSTOM_EVENT_ATTRIBUTE = "microsoft.custom_event.name"

# The exporter's own side channels (SDK self-telemetry to Microsoft endpoints, remote
# configuration polling): off unless the operator turns them on, so the controller talks only
# to its own ingestion endpoint. Names from the exporter's ``_constants.py``.
_EXPORTER_SIDE_CHANNELS_OFF = {
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
    "APPLICATIONINSIGHTS_SDKSTATS_DISABLED": "true",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
}

# Metrics are exported when flushed at the end of each cycle, not on a timer.
_METRIC_EXPORT_INTERVAL_MS = 24 * 60 * 60 * 1000
_FLUSH_TIMEOUT_MS = 30_000
_EXPORT_READ_TIMEOUT_S = 10.0

log = logging.getLogger(__name__)


def drift_event_properties(report: CycleReport, drift: DriftRecord) -> dict[str, str]:
    """The properties of the ``ReconcilerDrift`` event for one drifted resource."""
    return {
        names.ENVIRONMENT: report.environment,
        names.TARGET: report.target,
        names.TYPE: drift.arm_type,
        names.ID: drift.resource_id,
        names.ADDRESS: drift.address,
        names.ACTION: drift.action,
        names.CHANGED_PATHS: ",".join(drift.changed_paths),
        names.REMEDIATED: str(report.remediated if drift.remediated is None else drift.remediated).lower(),
        **drift.attribution,
    }


def not_convergent_event_properties(report: CycleReport, record: NotConvergentRecord) -> dict[str, str]:
    """The properties of the ``ReconcilerNotConvergent`` event: the field's path, never its values."""
    return {
        names.ENVIRONMENT: report.environment,
        names.TARGET: report.target,
        names.TYPE: record.arm_type,
        names.ID: record.resource_id,
        names.ADDRESS: record.address,
        names.PATH: record.path,
    }


def _redacted(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: redact(v) if isinstance(v, str) else v for k, v in attributes.items()}


class Telemetry:
    """Where a controller sends what it observed: Application Insights when configured, else logs.

    Build it with the ``APPLICATIONINSIGHTS_CONNECTION_STRING`` value (or None). Call
    ``report_cycle`` once per cycle (it exports and flushes); ``shutdown`` once on exit.
    """

    def __init__(
        self,
        connection_string: str | None,
        *,
        offline_storage: bool = True,
        service_instance: str | None = None,
        exporter_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``offline_storage`` keeps unsent telemetry on disk for retry (the exporter's default);
        ``exporter_options`` go to each Azure Monitor exporter unchanged."""
        self.enabled = bool(connection_string)
        self._tracer: Any = None
        self._meter_provider: Any = None
        self._tracer_provider: Any = None
        self._logger_provider: Any = None
        self._event_logger: Any = None
        if connection_string:
            self._start_exporters(
                connection_string, offline_storage, service_instance, exporter_options or {}
            )

    def _start_exporters(
        self,
        connection_string: str,
        offline_storage: bool,
        service_instance: str | None,
        exporter_options: Mapping[str, Any],
    ) -> None:
        for name, value in _EXPORTER_SIDE_CHANNELS_OFF.items():
            os.environ.setdefault(name, value)
        # Imported here: the SDK and exporter cost ~0.5 s to import, and log-only runs need neither.
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        from adapters.monitor_exporters import azure_monitor_exporters

        options: dict[str, Any] = {
            "connection_string": connection_string,
            "disable_offline_storage": not offline_storage,
            # The exporter bounds connecting (its `timeout`, 10 s) but not reading: azure-core's
            # RequestsTransport waits 300 s for an answer, so an ingestion endpoint that accepts and
            # never answers held every cycle five minutes. Unsent items go to offline storage.
            "read_timeout": _EXPORT_READ_TIMEOUT_S,
            **exporter_options,
        }
        exporters = azure_monitor_exporters(**options)
        resource = Resource.create(
            {
                "service.name": SERVICE_NAME,
                "service.instance.id": service_instance or socket.gethostname(),
            }
        )
        self._tracer_provider = TracerProvider(resource=resource)
        self._tracer_provider.add_span_processor(BatchSpanProcessor(exporters.traces))
        self._tracer = self._tracer_provider.get_tracer("reconciler")

        reader = PeriodicExportingMetricReader(
            exporters.metrics, export_interval_millis=_METRIC_EXPORT_INTERVAL_MS
        )
        self._meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
        meter = self._meter_provider.get_meter("reconciler")
        self._cycles = meter.create_counter(names.CYCLES_METRIC, description="Reconcile cycles run")
        self._resources = meter.create_histogram(
            names.RESOURCES_METRIC, description="Resources in the desired state, per cycle"
        )
        self._drifted = meter.create_histogram(
            names.DRIFTED_METRIC, description="Resources found drifted, per cycle"
        )
        self._applied = meter.create_counter(names.APPLIED_METRIC, description="Writes applied")
        self._failed = meter.create_counter(names.FAILED_METRIC, description="Writes failed")
        self._duration = meter.create_histogram(
            names.CYCLE_DURATION_METRIC, unit="s", description="Cycle wall time"
        )
        self._arm_requests = meter.create_counter(
            names.ARM_REQUESTS_METRIC, description="ARM responses by HTTP status"
        )
        self._throttled = meter.create_counter(
            names.THROTTLED_METRIC, description="ARM 429 (throttled) responses"
        )

        self._logger_provider = LoggerProvider(resource=resource)
        self._logger_provider.add_log_record_processor(
            BatchLogRecordProcessor(exporters.logs)
        )
        self._event_logger = self._logger_provider.get_logger("reconciler.drift")

    @contextmanager
    def span(self, name: str, **attributes: str | int | float | bool) -> Iterator[None]:
        """Time a cycle or phase (``cycle``, ``observe``, ``plan``, ``apply``) as a span, or a log line."""
        clean = _redacted(attributes)
        if self._tracer is None:
            started = time.monotonic()
            try:
                yield
            finally:
                log.debug(
                    "%s finished",
                    name,
                    extra={"phase": name, "duration_s": round(time.monotonic() - started, 3), **clean},
                )
            return
        from opentelemetry.trace import Status, StatusCode

        # The SDK would record str(exception) verbatim; an SDK error can echo a request body.
        with self._tracer.start_as_current_span(
            name, attributes=clean, record_exception=False, set_status_on_exception=False
        ) as span:
            try:
                yield
            except BaseException as error:
                message = redact(str(error))
                span.add_event(
                    "exception",
                    {"exception.type": type(error).__name__, "exception.message": message},
                )
                span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {message}"))
                raise

    def report_cycle(self, report: CycleReport) -> None:
        """One drift event per drifted resource and the cycle's metrics; always logged, and when
        enabled exported before returning (a cycle's telemetry leaves together, not on a timer)."""
        self._log_cycle(report)
        if self.enabled:
            self._export_cycle(report)
            if not self.flush():
                log.warning("telemetry export did not complete", extra={"environment": report.environment})

    def _export_cycle(self, report: CycleReport) -> None:
        from opentelemetry._logs import SeverityNumber

        for drift in report.drifted:
            properties = _redacted(drift_event_properties(report, drift))
            self._event_logger.emit(
                body=DRIFT_EVENT_NAME,
                severity_number=SeverityNumber.WARN,
                attributes={_CUSTOM_EVENT_ATTRIBUTE: DRIFT_EVENT_NAME, **properties},
            )
        for record in report.not_convergent:
            properties = _redacted(not_convergent_event_properties(report, record))
            self._event_logger.emit(
                body=NOT_CONVERGENT_EVENT_NAME,
                severity_number=SeverityNumber.WARN,
                attributes={_CUSTOM_EVENT_ATTRIBUTE: NOT_CONVERGENT_EVENT_NAME, **properties},
            )
        common = {names.ENVIRONMENT: report.environment, names.TARGET: report.target}
        outcome = {names.OUTCOME: "failed" if not report.succeeded else "succeeded"}
        self._event_logger.emit(
            body=HEARTBEAT_EVENT_NAME,
            severity_number=SeverityNumber.INFO,
            attributes={_CUSTOM_EVENT_ATTRIBUTE: HEARTBEAT_EVENT_NAME, **common, **outcome},
        )
        self._cycles.add(1, {**common, **outcome})
        self._resources.record(report.resources, common)
        self._drifted.record(len(report.drifted), common)
        self._applied.add(report.applied, common)
        self._failed.add(report.failed, common)
        self._duration.record(report.duration_s, common)
        for status, count in sorted(report.arm_requests_by_status.items()):
            self._arm_requests.add(count, {**common, names.STATUS: str(status)})
        self._throttled.add(report.throttled, common)

    def _log_cycle(self, report: CycleReport) -> None:
        for drift in report.drifted:
            log.warning(
                "drift: %s %s",
                drift.action,
                drift.address,
                extra={"event": DRIFT_EVENT_NAME, **drift_event_properties(report, drift)},
            )
        log.info(
            "cycle finished: %d resources, %d drifted, %d applied, %d failed",
            report.resources,
            len(report.drifted),
            report.applied,
            report.failed,
            extra={
                "event": names.CYCLE_EVENT,
                "environment": report.environment,
                "target": report.target,
                "resources": report.resources,
                "drifted": len(report.drifted),
                "applied": report.applied,
                "failed": report.failed,
                "skipped": report.skipped,
                "remediated": report.remediated,
                "duration_s": round(report.duration_s, 3),
                "arm_requests": {str(k): v for k, v in sorted(report.arm_requests_by_status.items())},
                "arm_throttled": report.throttled,
                "error": report.error,
            },
        )

    def flush(self, timeout_ms: int = _FLUSH_TIMEOUT_MS) -> bool:
        """Export everything recorded so far, synchronously. True when every exporter succeeded."""
        if not self.enabled:
            return True
        ok = bool(self._tracer_provider.force_flush(timeout_ms))
        ok = bool(self._logger_provider.force_flush(timeout_ms)) and ok
        ok = bool(self._meter_provider.force_flush(timeout_ms)) and ok
        return ok

    def shutdown(self) -> None:
        """Flush, then stop the exporters' threads; the object is unusable afterwards."""
        if not self.enabled:
            return
        self.flush()
        self._tracer_provider.shutdown()
        self._logger_provider.shutdown()
        self._meter_provider.shutdown()
        self._tracer = None
        self.enabled = False
