"""What one reconcile cycle found and did: plain data the engine produces and reporters consume.

Only addresses, ids and changed *paths* live here, never values, so a report can go to
logs, Application Insights and /metrics without leaking a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType


@dataclass(frozen=True)
class DriftRecord:
    """One resource whose live state differs from the desired state."""

    address: str
    """Desired-state address of the resource (e.g. ``networking.vnet``)."""
    arm_type: str
    """ARM resource type, e.g. ``Microsoft.Network/virtualNetworks``."""
    resource_id: str
    """Full ARM id of the resource."""
    action: str
    """Planned action: ``create``, ``update``, ``replace`` or ``delete``."""
    changed_paths: tuple[str, ...] = ()
    """Dotted paths of the fields that differ; never their values."""
    remediated: bool | None = None
    """True when this cycle wrote the resource back, False when it did not (drift policy
    ``report``, a failed or skipped write); None when unknown (then the cycle's flag applies)."""
    attribution: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Who changed it (``changedBy``, ``clientType``, ...) or why that is unknown; never values
    (``Attribution.dimensions`` in reconciler/engine/attribution.py)."""


@dataclass(frozen=True)
class NotConvergentRecord:
    """A declared field ARM answered with another value right after it was written;
    reported once, in the cycle that found it (reconciler/engine/convergence.py)."""

    address: str
    arm_type: str
    resource_id: str
    path: str
    """Dotted path of the field; never its value."""


def _empty_status_counts() -> Mapping[int, int]:
    return MappingProxyType({})


@dataclass(frozen=True)
class CycleReport:
    """The outcome of one observe-compare-(apply) cycle for one environment."""

    environment: str
    target: str
    """Where the cycle ran: ``azure`` or ``emulator``."""
    started_at: datetime
    duration_s: float
    resources: int
    """Resources in the desired state."""
    drifted: tuple[DriftRecord, ...] = ()
    applied: int = 0
    failed: int = 0
    skipped: int = 0
    remediated: bool = False
    """True when the drift policy let the cycle write; False for report-only cycles."""
    arm_requests_by_status: Mapping[int, int] = field(default_factory=_empty_status_counts)
    """ARM responses seen during the cycle, counted by HTTP status."""
    throttled: int = 0
    """ARM 429 responses seen during the cycle."""
    not_convergent: tuple[NotConvergentRecord, ...] = ()
    """Fields found not kept by ARM in this cycle (each reported once)."""
    error: str | None = None
    """Why the cycle could not complete, when it could not; None when it ran to the end."""

    @property
    def succeeded(self) -> bool:
        """True when the cycle ran to the end with no failed write."""
        return self.error is None and self.failed == 0
