"""The wait budget: every wait of a run is bounded, and the bounds are documented.

Figures (defaults; docs/reliability.md "Wait budget"):

==========================  ========  ===============================================
wait                        default   variable (seconds, or 30s / 5m / 1h)
==========================  ========  ===============================================
one pause asked for by a    60 s      ``RECONCILER_RETRY_AFTER_CAP``
server (Retry-After)
connect, per try            10 s      ``RECONCILER_CONNECT_TIMEOUT``
read, per try               60 s      ``RECONCILER_READ_TIMEOUT``
one request, all tries and  120 s     ``RECONCILER_REQUEST_BUDGET``
pauses together
one long-running operation  1800 s    ``RECONCILER_LRO_BUDGET``
one run / controller cycle  3600 s    ``RECONCILER_RUN_BUDGET``
==========================  ========  ===============================================

A server asking for a longer pause than the cap (a 429 with
`Retry-After: 1000000000`) gets the cap; a pause that would overrun what is
left of the request's or the run's budget is not taken: the request gives up
at once with `WaitBudgetExceeded`, naming the budget and its variable. Each
try's connect and read timeouts are cut to what is left, so an endpoint that
accepts connections and never answers costs at most the request budget, not
read timeout x retries. The run budget is restarted by `start_run` (the CLI
once, the controller at each cycle): it is the cycle's deadline.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

from azure.core.exceptions import AzureError

from desired_state.errors import ReconcilerError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}

#: field -> environment variable
VARIABLES = {
    "retry_after_cap": "RECONCILER_RETRY_AFTER_CAP",
    "connect_timeout": "RECONCILER_CONNECT_TIMEOUT",
    "read_timeout": "RECONCILER_READ_TIMEOUT",
    "request_total": "RECONCILER_REQUEST_BUDGET",
    "lro_total": "RECONCILER_LRO_BUDGET",
    "run_total": "RECONCILER_RUN_BUDGET",
}


class WaitBudgetExceeded(ReconcilerError, AzureError):
    """A request or run used up its wait budget (not retried)."""

    outcome = "transient"


@dataclass(frozen=True)
class WaitBudget:
    """Upper bounds, in seconds, of every wait (see the module docstring)."""

    retry_after_cap: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    request_total: float = 120.0
    lro_total: float = 1800.0
    run_total: float = 3600.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WaitBudget:
        """Defaults, overridden by the `RECONCILER_*` variables set (a bad value: one-line ValueError)."""
        env = os.environ if environ is None else environ
        values: dict[str, float] = {}
        for f in fields(cls):
            variable = VARIABLES[f.name]
            raw = env.get(variable)
            if raw in (None, ""):
                continue
            m = _DURATION.match(raw)
            value = float(m[1]) * _UNITS[m[2] or "s"] if m else math.nan
            if not (math.isfinite(value) and 0 < value <= 30 * 24 * 3600):
                raise ValueError(f"{variable}={raw!r}: not a duration of at most 30 days; set it like 30s or 5m")
            values[f.name] = value
        return cls(**values)


class RunClock:
    """The deadline of the current run, shared by every client of a factory."""

    def __init__(self, budget: WaitBudget, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self.clock = clock
        self._lock = threading.Lock()
        self._deadline = clock() + budget.run_total

    def start_run(self) -> None:
        """A new run (a controller cycle): the run budget starts again."""
        with self._lock:
            self._deadline = self.clock() + self.budget.run_total

    def remaining(self) -> float:
        with self._lock:
            return self._deadline - self.clock()


def exceeded(what: str, spent: float, budget: float, variable: str) -> WaitBudgetExceeded:
    """The error of a used-up budget: which, how much, and the variable that sets it."""
    return WaitBudgetExceeded(
        f"wait budget of {budget:g} s used up ({variable}; gave up after {spent:.1f} s): {what}"
    )
