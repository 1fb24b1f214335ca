"""Microsoft.Insights components (api 2020-02-02 example), workspace-based, and
workbooks (api 2023-06-01 example), the Azure Monitor dashboards."""

from __future__ import annotations

import json
import uuid
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from desired_state.name_rule import NameRule
from desired_state.resource import ResourceSpec
from desired_state.specs.loganalytics import LogAnalyticsWorkspaceSpec
from desired_state.specs.tracked import TrackedSpec

#: Fixed namespace so a workbook's GUID name is the same on every run and machine.
WORKBOOK_NAMESPACE = uuid.UUID("0b5a3c9e-8d6f-4f0e-9a51-2c7d4e1b6a93")
_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


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


class WorkbookText(BaseModel):
    """A Markdown step of a workbook (item type 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    markdown: str

    def item(self) -> dict[str, Any]:
        return {"type": 1, "content": {"json": self.markdown}, "name": self.name}


class WorkbookQuery(BaseModel):
    """A KQL step of a workbook (item type 3, `KqlItem/1.0`) over `resources`, all
    of one type: Application Insights components or Log Analytics workspaces."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str
    title: str
    query: str
    resources: tuple[ResourceSpec, ...]
    visualization: Literal["table", "timechart", "barchart", "tiles"] = "table"
    #: The time range the query covers, in milliseconds (one day).
    duration_ms: int = 86_400_000

    def item(self) -> dict[str, Any]:
        kinds = {spec.arm_type.lower() for spec in self.resources}
        if len(kinds) != 1:
            raise ValueError(f"workbook query {self.name} needs resources of one type, got {sorted(kinds)}")
        return {
            "type": 3,
            "content": {
                "version": "KqlItem/1.0",
                "title": self.title,
                "query": self.query,
                "size": 0,
                "timeContext": {"durationMs": self.duration_ms},
                "queryType": 0,
                "resourceType": kinds.pop(),
                "crossComponentResources": [spec.id for spec in self.resources],
                "visualization": self.visualization,
            },
            "name": self.name,
        }


class WorkbookMetrics(BaseModel):
    """An Azure Monitor metrics step of a workbook (item type 10, `MetricsItem/2.0`):
    `metrics` of one `resource`, their maximum over time, optionally split by a
    dimension (a Service Bus namespace's `EntityName`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str
    title: str
    resource: ResourceSpec
    metrics: tuple[str, ...]
    split_by: str | None = None
    duration_ms: int = 86_400_000

    def item(self) -> dict[str, Any]:
        namespace = self.resource.arm_type.lower()
        metrics: list[dict[str, Any]] = []
        for metric in self.metrics:
            entry: dict[str, Any] = {"namespace": namespace, "metric": f"{namespace}--{metric}", "aggregation": 3}
            if self.split_by is not None:
                entry["splitBy"] = self.split_by
            metrics.append(entry)
        return {
            "type": 10,
            "content": {
                "chartId": f"workbook-{self.name}",
                "version": "MetricsItem/2.0",
                "title": self.title,
                "size": 0,
                "chartType": 2,
                "resourceType": namespace,
                "metricScope": 0,
                "resourceIds": [self.resource.id],
                "timeContext": {"durationMs": self.duration_ms},
                "metrics": metrics,
            },
            "name": self.name,
        }


class WorkbookSpec(TrackedSpec):
    """An Azure Monitor workbook (`Microsoft.Insights/workbooks`, REST example
    WorkbookAdd.json, 2023-06-01): a shared workbook whose content, the
    `Notebook/1.0` document of its steps, travels serialised into one string,
    `properties.serializedData`. Azure names workbooks by GUID ("Naming rules and
    restrictions for Azure resources": workbooks, must be a GUID), so the name is
    derived from the group and the display name (`WorkbookSpec.name_for`).
    `source` is the resource whose Workbooks blade lists it (`sourceId`)."""

    arm_type: ClassVar[str] = "Microsoft.Insights/workbooks"
    name_rule = NameRule(36, 36, _GUID, "a lowercase GUID")

    display_name: str
    source: ResourceSpec
    steps: tuple[WorkbookText | WorkbookQuery | WorkbookMetrics, ...]
    category: str = "workbook"
    description: str = ""

    @staticmethod
    def name_for(scope: ResourceSpec, display_name: str) -> str:
        """The stable GUID name of the workbook `display_name` in `scope` (its group)."""
        return str(uuid.uuid5(WORKBOOK_NAMESPACE, f"{scope.id.lower()}|{display_name}"))

    def content(self) -> dict[str, Any]:
        """The workbook document (`Notebook/1.0`)."""
        return {
            "version": "Notebook/1.0",
            "items": [step.item() for step in self.steps],
            "fallbackResourceIds": [self.source.id],
            "isLocked": False,
        }

    def envelope(self) -> dict[str, Any]:
        return {"kind": "shared"}

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "displayName": self.display_name,
            "category": self.category,
            "sourceId": self.source.id,
            "version": "Notebook/1.0",
            # Compact and key-ordered as written: a serialisation of the same document is the same string.
            "serializedData": json.dumps(self.content(), separators=(",", ":")),
        }
        if self.description:
            props["description"] = self.description
        return props
