"""Item 6: controller soak: `Controller.cycle()` of dev, back to back at zero
latency, with the resident memory of the process recorded as it goes.

The session is the controller's own (`open_session`); only its client-side
limiter is widened before the first request, since ARM's 25 reads/s refill
would pace 500 back-to-back cycles and this item measures memory.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from adapters.ratelimit import RateLimiter
from bench.figures import ItemResult, rss_mib
from bench.target import UNLIMITED, import_sdks
from emulator import FaultConfig
from reconciler.controller.health import HealthState
from reconciler.controller.loop import Controller
from reconciler.controller.telemetry import Telemetry
from reconciler.engine.session import open_session

CYCLES, QUICK_CYCLES = 500, 100
ENVIRONMENT = "dev"


def _request_log_mib(records: list[Any]) -> float:
    """Memory held by the embedded emulator's in-memory request log (it keeps every
    request of the process), so its share of the growth can be told apart."""
    total = 0
    for record in records:
        fields = vars(record)
        total += sys.getsizeof(record) + sys.getsizeof(fields) + sum(sys.getsizeof(v) for v in fields.values())
    return total / 2**20


def run(quick: bool = False, cycles: int | None = None) -> ItemResult:
    import_sdks()
    cycles = cycles or (QUICK_CYCLES if quick else CYCLES)
    early = max(1, cycles // 10)
    item = ItemResult("soak", f"Controller soak: {cycles} cycles of {ENVIRONMENT} at zero latency")
    with tempfile.TemporaryDirectory() as tmp:
        session = open_session(ENVIRONMENT, emulator_state=str(Path(tmp) / "dev.db"), faults=FaultConfig(throttle=False))
        session.target.clients.limiter = RateLimiter(scale=UNLIMITED)  # before any client is built
        engine = session.engine
        observation = engine.observe()
        applied = engine.apply(engine.plan(observation), observation)
        if not applied.ok:
            raise RuntimeError(f"setup apply of {ENVIRONMENT} failed: {sorted(applied.failed)[:3]}")
        controller = Controller(session, telemetry=Telemetry(None), health=HealthState(interval_s=60.0))
        rss: dict[int, float] = {}
        drifted = errors = 0
        started = time.perf_counter()
        for n in range(1, cycles + 1):
            report = controller.cycle()
            if report is None or report.error:
                errors += 1
            elif report.drifted:
                drifted += 1
            if n == early or n % max(1, cycles // 10) == 0:
                rss[n] = round(rss_mib(), 1)
        wall = time.perf_counter() - started
        log_mib = _request_log_mib(session.target.emulator.request_log)
        log_records = len(session.target.emulator.request_log)
        session.target.emulator.close()
    growth = (rss[cycles] - rss[early]) / rss[early]
    item.figures.update(
        environment=ENVIRONMENT,
        cycles=cycles,
        resources=len(engine.resources),
        seconds_per_cycle=round(wall / cycles, 4),
        rss_mib_by_cycle=rss,
        rss_growth_pct=round(growth * 100, 2),
        emulator_request_log_records=log_records,
        emulator_request_log_mib=round(log_mib, 1),
        rss_growth_pct_without_emulator_log=round((rss[cycles] - rss[early] - log_mib * (1 - early / cycles)) / rss[early] * 100, 2),
        cycles_with_drift=drifted,
        cycles_with_errors=errors,
    )
    item.check(f"RSS growth, cycle {early} -> {cycles}", growth * 100, 5.0, "%")
    item.check("cycles with errors or drift", float(errors + drifted), 0.0)
    return item
