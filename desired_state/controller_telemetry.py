"""The names of what the controller sends to Application Insights, and of the engine's structured
log events: the one place every side reads.

`reconciler/controller/telemetry.py` sends custom events and metrics under these names (and
`reconciler/engine/attribution_record.py` the attribution properties of a drift event); the
estate's observability layer queries them: the drift and heartbeat alert rules and the drift
workbook (`desired_state/layers/observability.py`, `desired_state/layers/drift_workbook.py`).
In Application Insights an event is a row of `customEvents` whose `name` is the event's and whose
`customDimensions` hold its properties; a metric a row of `customMetrics` whose `name` is the
instrument's, with `value`/`valueSum`/`valueCount`/`valueMax` and its attributes in
`customDimensions` (docs/telemetry.md). tests/controller/test_workbook_queries.py checks every
name the workbook's queries use against what the controller really sends.

Renaming a name here renames it on both sides; a name is never spelled anywhere else.
"""

from __future__ import annotations

from typing import Final

# Custom events (customEvents.name).
DRIFT_EVENT: Final = "ReconcilerDrift"
"""One per drifted resource per cycle."""
NOT_CONVERGENT_EVENT: Final = "ReconcilerNotConvergent"
"""One per field ARM did not keep, in the cycle that found it."""
HEARTBEAT_EVENT: Final = "ReconcilerHeartbeat"
"""One per finished cycle, failed or not."""

# Structured log lines (their `event` field; docs/telemetry.md, docs/observe-modes.md).
CYCLE_EVENT: Final = "ReconcilerCycle"
"""The log line closing each controller cycle, with its counts."""
GRAPH_RELIST_EVENT: Final = "ReconcilerGraphRelist"
GRAPH_FEED_EVENT: Final = "ReconcilerGraphFeed"
GRAPH_FEED_FAILED_EVENT: Final = "ReconcilerGraphFeedFailed"
GRAPH_FALLBACK_EVENT: Final = "ReconcilerGraphFallback"
GRAPH_ACTIVITY_LOG_FAILED_EVENT: Final = "ReconcilerGraphActivityLogFailed"
GRAPH_QUOTA_WAIT_EVENT: Final = "ReconcilerGraphQuotaWait"

# Properties (customDimensions) of every event and metric.
ENVIRONMENT: Final = "environment"
TARGET: Final = "target"
# Of the drift and not-convergent events.
TYPE: Final = "type"
ID: Final = "id"
ADDRESS: Final = "address"
# Of the drift event.
ACTION: Final = "action"
CHANGED_PATHS: Final = "changed_paths"
REMEDIATED: Final = "remediated"
ATTRIBUTION: Final = "attribution"
"""`known` or `unknown`; the properties below only with `known`, but the reason."""
CHANGED_BY: Final = "changedBy"
CHANGED_BY_TYPE: Final = "changedByType"
CLIENT_TYPE: Final = "clientType"
CHANGE_OPERATION: Final = "changeOperation"
CHANGED_AT: Final = "changedAt"
ATTRIBUTION_SOURCE: Final = "attributionSource"
ATTRIBUTION_REASON: Final = "attributionReason"
# Of the not-convergent event.
PATH: Final = "path"
# Of the heartbeat event and the cycles metric: `succeeded` or `failed`.
OUTCOME: Final = "outcome"
# Of the ARM requests metric: the HTTP status.
STATUS: Final = "status"

# Metrics (customMetrics.name).
CYCLES_METRIC: Final = "reconciler_cycles"
RESOURCES_METRIC: Final = "reconciler_resources"
DRIFTED_METRIC: Final = "reconciler_drifted"
APPLIED_METRIC: Final = "reconciler_applied"
FAILED_METRIC: Final = "reconciler_failed"
CYCLE_DURATION_METRIC: Final = "reconciler_cycle_duration_seconds"
ARM_REQUESTS_METRIC: Final = "reconciler_arm_requests"
THROTTLED_METRIC: Final = "reconciler_arm_throttled"
