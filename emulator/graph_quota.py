"""Resource Graph's per-user query quota.

Microsoft Learn, "Guidance for throttled requests in Azure Resource Graph"
(https://learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests):
a user may send at most 15 queries in every 5-second window; every query response carries
``x-ms-user-quota-remaining`` (int, queries left) and ``x-ms-user-quota-resets-after``
(``hh:mm:ss`` until the window resets). A throttled query is 429 with the error code
``RateLimiting`` (as live Resource Graph answers, e.g. Azure/azure-cli-extensions#3325).

The user is the token's ``oid`` claim, else ``appid`` (the emulator reads, never verifies, the
token: ``emulator/changes.py``); callers without either share one quota. The quota is Resource
Graph's own: a query is not an ARM request on a subscription (its path names none), so it does
not spend the subscription's ARM read bucket (``emulator/faults.py``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emulator.errors import ArmError
from emulator.faults import FaultConfig

REMAINING = "x-ms-user-quota-remaining"
RESETS_AFTER = "x-ms-user-quota-resets-after"


def _hhmmss(seconds: float) -> str:
    whole = max(0, math.ceil(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@dataclass
class _Window:
    start: float
    used: int


class GraphQuota:
    """Fixed windows of `FaultConfig.graph_quota` queries per user (scaled by ``throttle_scale``)."""

    def __init__(self, config: FaultConfig, clock: Callable[[], float]) -> None:
        self.window = config.graph_quota_window_seconds
        scaled = config.graph_quota * config.throttle_scale
        #: 0: unlimited (quota off, or ARM throttling off altogether).
        self.limit = max(1, round(scaled)) if config.throttle and scaled > 0 and self.window > 0 else 0
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def spend(self, claims: Mapping[str, str]) -> dict[str, str]:
        """Count one query of the caller; its quota headers, or 429 ``RateLimiting`` (carrying them) past the quota."""
        user = claims.get("oid") or claims.get("appid") or ""
        if self.limit == 0:
            return {REMAINING: "15", RESETS_AFTER: _hhmmss(self.window or 5.0)}
        now = self._clock()
        with self._lock:
            window = self._windows.get(user)
            if window is None or now >= window.start + self.window:
                window = self._windows[user] = _Window(now, 0)
            allowed = window.used < self.limit
            if allowed:
                window.used += 1
            left = window.start + self.window - now
            headers = {REMAINING: str(self.limit - window.used), RESETS_AFTER: _hhmmss(left)}
        if not allowed:
            raise ArmError(
                429,
                "RateLimiting",
                f"The caller has sent more than {self.limit} Resource Graph queries in {self.window:g} seconds and "
                f"is throttled; retry after {_hhmmss(left)} (x-ms-user-quota-resets-after).",
                headers={**headers, "Retry-After": str(max(1, math.ceil(left)))},
            )
        return headers
