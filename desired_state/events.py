"""The name of every telemetry event the reconciler emits, in one place: Application Insights
`customEvents` and the `event` field of its structured log lines (docs/telemetry.md). The
controller and the engine emit them; the desired state's alert rules query them
(`desired_state/layers/observability.py`), which is why they live in the lowest layer."""

from __future__ import annotations

#: One per drifted resource per cycle (a custom event and a WARNING log line).
DRIFT = "ReconcilerDrift"
#: A field ARM did not keep after we wrote it (reconciler/engine/convergence.py).
NOT_CONVERGENT = "ReconcilerNotConvergent"
#: One per controller cycle, whatever happened (the alert on a silent controller queries it).
HEARTBEAT = "ReconcilerHeartbeat"
#: The log line closing each controller cycle, with its counts.
CYCLE = "ReconcilerCycle"
#: Graph observe mode (reconciler/engine/graph_observe.py, docs/observe-modes.md).
GRAPH_RELIST = "ReconcilerGraphRelist"
GRAPH_FEED = "ReconcilerGraphFeed"
GRAPH_FEED_FAILED = "ReconcilerGraphFeedFailed"
GRAPH_FALLBACK = "ReconcilerGraphFallback"
GRAPH_ACTIVITY_LOG_FAILED = "ReconcilerGraphActivityLogFailed"
GRAPH_QUOTA_WAIT = "ReconcilerGraphQuotaWait"
