"""A subscription's Activity Log (azure-mgmt-monitor ``activity_logs.list``), behind the adapters
like every other azure.* call. Microsoft Learn, "Activity Logs - List": a ``$filter`` on
``eventTimestamp`` is required; every control-plane write is recorded, child resources included;
events are kept 90 days."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.paging import sdk_items


@dataclass(frozen=True)
class ActivityEvent:
    """One Activity Log event, as the reconciler reads it."""

    event_id: str
    resource_id: str
    operation: str
    status: str
    caller: str = ""
    claims: Mapping[str, str] = field(default_factory=dict)
    timestamp: datetime | None = None
    correlation_id: str = ""

    @property
    def is_write(self) -> bool:
        """A write or delete that succeeded (what changed the resource)."""
        return self.status.lower() == "succeeded" and self.operation.lower().endswith(("/write", "/delete"))


def activity_events(clients: Any, flt: str) -> Iterator[ActivityEvent]:
    """The events `flt` selects (an OData filter with `eventTimestamp ge '...'`), page by page."""
    client = clients.client("monitor")
    endpoint = f"/subscriptions/{clients.subscription_id}/providers/Microsoft.Insights/eventtypes/management/values"
    for event in sdk_items(client.activity_logs.list(filter=flt), endpoint):  # the one pager (adapters/paging.py)
        yield ActivityEvent(
            event_id=str(getattr(event, "event_data_id", "") or ""),
            resource_id=str(getattr(event, "resource_id", "") or ""),
            operation=str(getattr(getattr(event, "operation_name", None), "value", "") or ""),
            status=str(getattr(getattr(event, "status", None), "value", "") or ""),
            caller=str(getattr(event, "caller", "") or ""),
            claims={str(k): str(v) for k, v in (getattr(event, "claims", None) or {}).items()},
            timestamp=getattr(event, "event_timestamp", None),
            correlation_id=str(getattr(event, "correlation_id", "") or ""),
        )
