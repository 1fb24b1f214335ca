"""Who changed a drifted resource, as a value: what a plan's change carries and renders.
Looked up by `reconciler.engine.attribution`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from desired_state import controller_telemetry as names


@dataclass(frozen=True)
class PropertyChange:
    """One property a foreign change touched: its dotted path, value before and after."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Attribution:
    """Who changed a drifted resource, or why that is not known."""

    known: bool
    changed_by: str = ""
    changed_by_type: str = ""
    client_type: str = ""
    operation: str = ""
    timestamp: str = ""
    correlation_id: str = ""
    source: str = ""
    """``resourcegraph`` or ``activitylog``."""
    properties: tuple[PropertyChange, ...] = ()
    reason: str = ""
    """Why the attribution is unknown; empty when known."""
    resource_id: str = ""
    """The id the newest foreign change was made to: the resource's own, a child's (a rule added
    with `az network nsg rule create`) or its parent's (reconciler/engine/attribution_scope.py)."""

    @classmethod
    def unknown(cls, reason: str) -> Attribution:
        return cls(known=False, reason=reason)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attribution:
        """The attribution `to_json` wrote (a saved plan shows it as the dry run did)."""
        return cls(
            known=bool(data.get("known")),
            changed_by=data.get("changed_by") or "",
            changed_by_type=data.get("changed_by_type") or "",
            client_type=data.get("client_type") or "",
            operation=data.get("operation") or "",
            timestamp=data.get("timestamp") or "",
            correlation_id=data.get("correlation_id") or "",
            source=data.get("source") or "",
            properties=tuple(PropertyChange(p["path"], p.get("before"), p.get("after")) for p in data.get("properties") or ()),
            reason=data.get("reason") or "",
            resource_id=data.get("resource_id") or "",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "known": self.known,
            "changed_by": self.changed_by or None,
            "changed_by_type": self.changed_by_type or None,
            "client_type": self.client_type or None,
            "operation": self.operation or None,
            "timestamp": self.timestamp or None,
            "correlation_id": self.correlation_id or None,
            "source": self.source or None,
            "properties": [{"path": p.path, "before": p.before, "after": p.after} for p in self.properties],
            "reason": self.reason or None,
            "resource_id": self.resource_id or None,
        }

    def headline(self, resource_id: str = "") -> str:
        """``changed by alice@contoso.com via Azure Portal at 14:02Z`` or ``attribution unknown (why)``;
        given the drifted resource's id, `` on its child securityRules/x`` when the change was made there."""
        if not self.known:
            return f"attribution unknown ({self.reason})"
        who = self.changed_by or "an unnamed caller"
        via = f" via {self.client_type}" if self.client_type else ""
        return f"changed by {who}{via} at {short_time(self.timestamp)}{made_on(self.resource_id, resource_id)}"

    def dimensions(self) -> dict[str, str]:
        """Custom dimensions of a drift event (never property values), named in
        `desired_state.controller_telemetry`."""
        if not self.known:
            return {names.ATTRIBUTION: "unknown", names.ATTRIBUTION_REASON: self.reason}
        return {
            names.ATTRIBUTION: "known",
            names.CHANGED_BY: self.changed_by,
            names.CHANGED_BY_TYPE: self.changed_by_type,
            names.CLIENT_TYPE: self.client_type,
            names.CHANGE_OPERATION: self.operation,
            names.CHANGED_AT: self.timestamp,
            names.ATTRIBUTION_SOURCE: self.source,
        }


def made_on(changed_id: str, resource_id: str) -> str:
    """`` on its child securityRules/x`` or `` on its parent virtualNetworks/v`` when a change
    was made to a resource other than the drifted one, else ``""``."""
    changed, own = changed_id.rstrip("/"), resource_id.rstrip("/")
    if not changed or not own or changed.lower() == own.lower():
        return ""
    if changed.lower().startswith(own.lower() + "/"):
        return f" on its child {changed[len(own) + 1:]}"
    if own.lower().startswith(changed.lower() + "/"):
        return f" on its parent {'/'.join(changed.split('/')[-2:])}"
    return f" on {changed}"


def short_time(iso: str) -> str:
    """``2026-11-29T14:02:31.123Z`` -> ``14:02Z`` today, else ``2026-11-28 14:02Z``."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return iso
    if when.date() == datetime.now(UTC).date():
        return when.strftime("%H:%MZ")
    return when.strftime("%Y-%m-%d %H:%MZ")
