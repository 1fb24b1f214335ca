"""How `reconcile run` drives a `Controller`: one cycle, or cycles on an APScheduler
schedule, and leaving with writes still in flight after the shutdown grace."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NoReturn

from reconciler.controller.loop import Controller
from reconciler.controller.report import CycleReport

log = logging.getLogger("reconciler.controller")


ABANDON_FLUSH_TIMEOUT_MS = 5_000


def run_once(controller: Controller, grace: float) -> tuple[bool, CycleReport | None]:
    """One cycle on a worker thread, so a SIGTERM can end the wait: (finished, report)."""
    reports: list[CycleReport | None] = []
    done = threading.Event()

    def run() -> None:
        try:
            reports.append(controller.cycle())
        finally:
            done.set()

    threading.Thread(target=run, name="cycle", daemon=True).start()
    while not done.wait(0.2):
        if controller.stop.is_set():
            wait_for_writes(done, grace, controller.writing)
            if not done.is_set():
                return False, None  # left: writes past the grace, or only reads
            break
    return True, reports[0] if reports else None


def run_scheduled(controller: Controller, interval: float, jitter: float, grace: float) -> bool:
    """Cycles at once and then every interval until a stop; False when writes had to be abandoned."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        controller.cycle,
        IntervalTrigger(seconds=interval, jitter=interval * jitter if jitter else None),
        id="reconcile",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    try:
        while not controller.stop.wait(0.2):
            pass
    finally:
        # No new cycle; the one in flight starts no new write (engine.apply's stop) and gets the grace.
        scheduler.shutdown(wait=False)
    wait_for_writes(controller.idle, grace, controller.writing)
    return controller.idle.is_set()


def wait_for_writes(idle: threading.Event, grace: float, writing: Callable[[], bool] | None = None) -> bool:
    """Give the writes in flight up to ``grace`` seconds to finish; True when no write is left in
    flight (the cycle idle, or only reading: reads are left at once, the grace is for writes)."""
    if idle.is_set():
        return True
    if writing is not None and not writing():
        log.info("stopping: no write in flight", extra={"phase": "shutdown"})
        return True
    log.info("waiting for the writes in flight", extra={"phase": "shutdown", "grace_s": grace})
    deadline = time.monotonic() + grace
    while not idle.wait(min(0.1, max(0.0, deadline - time.monotonic()))):
        if time.monotonic() >= deadline:
            return False
    return True


def exit_abandoning(controller: Controller, code: int) -> NoReturn:
    """Leave now, although cycle threads still wait on long-running operations.

    Each such write stored its LRO continuation token before its first poll, so the next
    controller resumes the operation instead of sending the write again. A normal interpreter
    exit would join those threads and wait for the operations after all.
    """
    tokens = controller.engine.lro_tokens
    pending = tokens.pending() if callable(getattr(tokens, "pending", None)) else []  # type: ignore[union-attr]
    if controller.writing() or pending:
        log.warning(
            "writes still in flight after the shutdown grace; leaving them to the next run",
            extra={"phase": "shutdown", "pending_operations": len(pending)},
        )
    else:
        log.info("stopped while reading: no write was in flight", extra={"phase": "shutdown"})
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
