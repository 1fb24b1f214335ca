"""The drift workbook's queries: what the controller saw, from its own telemetry (issue 27).

Drift over time by environment and type, the most-drifted resources, who changed them,
not-convergent fields, cycle duration and failures, and the heartbeat, each a KQL query over
the Application Insights component the controller reports to. Every event, property and metric
name comes from `desired_state.controller_telemetry`, the names `reconciler/controller/telemetry.py`
sends under (tests/controller/test_workbook_queries.py checks each name a query uses against
what the controller really sends). `workbook` makes them one shared workbook, through the same
workbook spec as the operations workbook (`desired_state/specs/applicationinsights.py`), which
the observability layer declares in every environment (each runs a controller).

Kusto: `customEvents` rows hold an event's properties in `customDimensions`; `customMetrics` rows
hold a metric's `valueSum`, `valueCount` and `valueMax` for the export interval (one cycle: the
controller exports its metrics once per cycle, docs/telemetry.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from desired_state import controller_telemetry as names
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.applicationinsights import (
    ApplicationInsightsSpec,
    WorkbookQuery,
    WorkbookSpec,
    WorkbookText,
)

Visualization = Literal["table", "timechart", "barchart", "tiles"]

#: A week: drift is a trend, and the component keeps 90 days.
WEEK_MS = 7 * 24 * 3600 * 1000
DAY_MS = 24 * 3600 * 1000


def dimension(name: str) -> str:
    """A property of an event or a metric, as a string."""
    return f"tostring(customDimensions.{name})"


def _columns(**columns: str) -> str:
    return ", ".join(f"{column} = {dimension(prop)}" for column, prop in columns.items())


def _events(event: str) -> str:
    return f'customEvents\n| where name == "{event}"'


DRIFT_OVER_TIME = f"""{_events(names.DRIFT_EVENT)}
| extend {_columns(environment=names.ENVIRONMENT, type=names.TYPE)}
| summarize drifted = count() by bin(timestamp, 1h), series = strcat(environment, " ", type)"""

MOST_DRIFTED = f"""{_events(names.DRIFT_EVENT)}
| extend {_columns(environment=names.ENVIRONMENT, address=names.ADDRESS, type=names.TYPE,
                  paths=names.CHANGED_PATHS, remediated=names.REMEDIATED)}
| summarize drifts = count(), not_remediated = countif(remediated == "false"), last_seen = max(timestamp),
    paths = make_set(paths, 5) by environment, address, type
| top 20 by drifts desc"""

WHO_CHANGED = f"""{_events(names.DRIFT_EVENT)}
| extend {_columns(environment=names.ENVIRONMENT, address=names.ADDRESS, attribution=names.ATTRIBUTION,
                  changed_by=names.CHANGED_BY, changed_by_type=names.CHANGED_BY_TYPE, client=names.CLIENT_TYPE,
                  operation=names.CHANGE_OPERATION, changed_at=names.CHANGED_AT, source=names.ATTRIBUTION_SOURCE,
                  why_unknown=names.ATTRIBUTION_REASON)}
| extend who = iff(attribution == "known", changed_by, "(unknown)")
| summarize drifts = count(), resources = dcount(address), last_change = max(todatetime(changed_at)),
    operations = make_set(operation, 5), found_in = make_set(source, 2), unknown_because = make_set(why_unknown, 3)
    by environment, who, changed_by_type, client
| order by drifts desc"""

NOT_CONVERGENT = f"""{_events(names.NOT_CONVERGENT_EVENT)}
| extend {_columns(environment=names.ENVIRONMENT, address=names.ADDRESS, type=names.TYPE, path=names.PATH)}
| summarize first_seen = min(timestamp), last_seen = max(timestamp), reports = count() by environment, address,
    type, path
| order by last_seen desc"""

CYCLE_DURATION = f"""customMetrics
| where name == "{names.CYCLE_DURATION_METRIC}"
| extend {_columns(environment=names.ENVIRONMENT)}
| summarize mean_s = sum(valueSum) / sum(valueCount), max_s = max(valueMax) by bin(timestamp, 1h), environment"""

FAILURES = f"""customMetrics
| where name in ("{names.CYCLES_METRIC}", "{names.FAILED_METRIC}")
| extend {_columns(environment=names.ENVIRONMENT, outcome=names.OUTCOME)}
| summarize cycles = sumif(valueSum, name == "{names.CYCLES_METRIC}"),
    failed_cycles = sumif(valueSum, name == "{names.CYCLES_METRIC}" and outcome == "failed"),
    failed_writes = sumif(valueSum, name == "{names.FAILED_METRIC}") by bin(timestamp, 1h), environment
| order by timestamp desc"""

HEARTBEAT = f"""{_events(names.HEARTBEAT_EVENT)}
| extend {_columns(environment=names.ENVIRONMENT, target=names.TARGET, outcome=names.OUTCOME)}
| summarize arg_max(timestamp, outcome, target), cycles = count(), failed_cycles = countif(outcome == "failed")
    by environment
| project environment, target, last_heartbeat = timestamp, minutes_ago = datetime_diff("minute", now(), timestamp),
    last_outcome = outcome, cycles, failed_cycles"""


@dataclass(frozen=True)
class DriftQuery:
    """One step of the drift workbook."""

    name: str
    title: str
    query: str
    visualization: Visualization = "table"
    duration_ms: int = WEEK_MS


QUERIES: tuple[DriftQuery, ...] = (
    DriftQuery("heartbeat", "Controller heartbeat: last cycle per environment (one every interval)", HEARTBEAT,
               duration_ms=DAY_MS),
    DriftQuery("drift-over-time", "Drifted resources per hour, by environment and type", DRIFT_OVER_TIME,
               "timechart"),
    DriftQuery("most-drifted", "Most-drifted resources", MOST_DRIFTED),
    DriftQuery("who-changed", "Who changed them (from Resource Graph or the Activity Log)", WHO_CHANGED),
    DriftQuery("not-convergent", "Fields ARM does not keep as written (change the desired state)", NOT_CONVERGENT),
    DriftQuery("cycle-duration", "Cycle duration (seconds)", CYCLE_DURATION, "timechart", DAY_MS),
    DriftQuery("failures", "Failed cycles and failed writes per hour", FAILURES),
)

INTRODUCTION = (
    "# Drift: what the reconciler found\n"
    f"From the controller's own telemetry (docs/telemetry.md): `{names.DRIFT_EVENT}` events for every drifted resource, "
    f"`{names.NOT_CONVERGENT_EVENT}` for fields ARM does not keep, a `{names.HEARTBEAT_EVENT}` per cycle, and its cycle metrics. "
    "A resource drifted and `not_remediated` was not written back (drift policy `report`, or the write failed): "
    "someone has to look."
)


def workbook(
    env: str, resource_group: ResourceGroupSpec, insights: ApplicationInsightsSpec, location: str, tags: dict[str, str]
) -> WorkbookSpec:
    """The drift workbook of `env`, listed in the Workbooks of the component the controller reports to."""
    display_name = f"Drift ({env})"
    steps = (
        WorkbookText(name="introduction", markdown=INTRODUCTION),
        *(WorkbookQuery(name=q.name, title=q.title, query=q.query, resources=(insights,), visualization=q.visualization,
                        duration_ms=q.duration_ms) for q in QUERIES),
    )
    return WorkbookSpec(
        address="observability.workbook.drift", name=WorkbookSpec.name_for(resource_group, display_name),
        display_name=display_name, source=insights, steps=steps, resource_group=resource_group, location=location,
        tags=tags, description="What the reconciler found: drift over time by environment and type, the most-drifted "
        "resources and who changed them, not-convergent fields, cycle duration and failures, the controller's heartbeat.",
    )
