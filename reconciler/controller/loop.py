"""Controller mode: `reconcile run` keeps one environment true on a schedule.

Each cycle observes, compares, reports drift, then remediates or only
reports according to the drift policy. APScheduler runs the cycle at once and
then on the interval with jitter, never overlapping itself and coalescing
missed runs. One replica per environment is active (a Blob lease in Azure, a
file lock against the emulator).

Each cycle first resumes the long-running operations an earlier run left in
flight (``reconciler/engine/resume.py``). On SIGTERM no new write starts; writes in
flight get ``--shutdown-grace``, after which they are left to ARM and to the
next run (their LRO tokens are on disk) and the process exits 0, releasing the
lease last.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from adapters.breaker import EndpointUnreachable
from adapters.errors import Failure, Reason, describe
from reconciler.controller.health import HealthState
from reconciler.controller.history import History, record_outcomes, record_overwritten
from reconciler.controller.report import CycleReport, DriftRecord, NotConvergentRecord
from reconciler.controller.telemetry import Telemetry
from reconciler.engine.engine import Engine
from reconciler.engine.plan import Change, Plan
from reconciler.engine.resume import resume_operations
from reconciler.engine.session import Session

log = logging.getLogger("reconciler.controller")

#: After a cycle the endpoint never answered, no cycle for this long, doubled each time (at most BACKOFF_MAX_S).
BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 1800.0


class Controller:
    """Runs cycles for one environment; thread-safe against signals."""

    def __init__(
        self,
        session: Session,
        *,
        telemetry: Telemetry,
        health: HealthState,
        drift_policy: str | None = None,
        stop: threading.Event | None = None,
        history: History | None = None,
    ) -> None:
        self.session = session
        #: Drift written back (with the body overwritten) and our writes, per resource.
        self.history = history
        self.engine: Engine = session.engine
        self.telemetry = telemetry
        self.health = health
        #: Set on SIGTERM or a lost lease: no new cycle, no new write.
        self.stop = stop if stop is not None else threading.Event()
        #: Set while no cycle runs (shutdown waits on it).
        self.idle = threading.Event()
        self.idle.set()
        #: Set while writes may be in flight (the apply phase): only then does a stop wait the grace.
        self._applying = threading.Event()
        self._cycle_lock = threading.Lock()
        settings: Any = session.state.settings
        #: ``--drift-policy``: the operator's word wins over every resource's own policy.
        self.policy_override: str | None = drift_policy
        self.default_policy: str = drift_policy or str(getattr(settings, "drift_policy", "remediate"))
        #: Addresses this process has seen live: only their absence is drift. A resource that
        #: never existed (a first deployment) is a creation, not drift, and raises no drift alert.
        self._seen_live: set[str] = set()
        #: Backing off from an endpoint that did not answer (adapters/breaker.py): cycles before this are skipped.
        self._backoff_until = 0.0
        self._unreachable = 0

    def _requests(self) -> Counter[int]:
        """ARM responses so far by status (0: no response, e.g. a dropped connection)."""
        counts: Counter[int] = Counter()
        for by_status in self.session.target.clients.stats()["requests"].values():
            for status, count in by_status.items():
                counts[int(status) if str(status).isdigit() else 0] += int(count)
        return counts

    def writing(self) -> bool:
        """Whether the cycle is applying (writes may be in flight): reads can be left at once."""
        return self._applying.is_set()

    def policy_of(self, change: Change) -> str:
        """``remediate`` or ``report`` for this change: the override, else the resource's, else the environment's."""
        if self.policy_override is not None:
            return self.policy_override
        resource = self.engine.resources.get(change.address)
        if resource is not None and resource.drift_policy:
            return resource.drift_policy
        return self.default_policy

    def cycle(self) -> CycleReport | None:
        """One observe-compare-report-(remediate) pass; None when a stop came first. Never raises."""
        if self.stop.is_set():
            return None
        if time.monotonic() < self._backoff_until:
            log.info("cycle skipped: backing off from an unreachable ARM endpoint",
                     extra={"phase": "cycle", "seconds_left": round(self._backoff_until - time.monotonic(), 1)})
            return None
        if not self._cycle_lock.acquire(blocking=False):
            raise RuntimeError("a cycle is already running")  # APScheduler max_instances=1 prevents this
        self.idle.clear()
        try:
            return self._cycle()
        finally:
            self._cycle_lock.release()
            self.idle.set()

    def _cycle(self) -> CycleReport:
        started = datetime.now(UTC)
        t0 = time.monotonic()
        error: str | None
        before = self._requests()
        env = self.session.state.environment
        # The cycle's deadline: every request and LRO of it within the run wait budget.
        self.session.target.clients.start_run()
        try:
            with self.telemetry.span("reconcile.cycle", environment=env):
                with self.telemetry.span("reconcile.observe", environment=env):
                    observation = self.engine.observe()
                breaker = self.session.target.clients.breaker
                breaker.raise_if_tripped()  # no endpoint: the cycle fails in one line (adapters/breaker.py)
                if resume_operations(self.engine, observation.live, stop=self.stop).any:
                    # Resumed operations changed live state: plan on what is there now.
                    with self.telemetry.span("reconcile.observe", environment=env):
                        observation = self.engine.observe()
                with self.telemetry.span("reconcile.plan", environment=env):
                    plan = self.engine.plan(observation)
                seen_before = set(self._seen_live)
                self._seen_live.update(observation.live)
                gated = self._gate(plan)
                applied = failed = skipped = 0
                remediated = False
                written: set[str] = set()
                not_convergent: tuple[NotConvergentRecord, ...] = ()
                if any(c.runnable for c in gated.changes) and not self.stop.is_set():
                    remediated = True
                    self._remember_drift(gated, observation.live)
                    with self.telemetry.span("reconcile.apply", environment=env):
                        self._applying.set()
                        try:
                            result = self.engine.apply(gated, observation, stop=self.stop)
                        finally:
                            self._applying.clear()
                    breaker.raise_if_tripped()
                    self._remember_writes(gated, result.applied, result.failed)
                    applied, failed, skipped = len(result.applied), len(result.failed), len(result.skipped)
                    written = set(result.applied)
                    by_address = {c.address: c for c in gated.changes}
                    not_convergent = tuple(
                        NotConvergentRecord(address, by_address[address].type, by_address[address].id, field_.path)
                        for address, fields in sorted(result.not_convergent.items())
                        for field_ in fields
                    )
                    for address, why in result.failed.items():
                        log.error("write failed", extra={"address": address, "phase": "apply", "error": str(why),
                                                         "reason": why.reason.value, "retryable": why.retryable})
                drifted = tuple(
                    DriftRecord(
                        c.address, c.type, c.id, c.action, tuple(d.path for d in c.diff),
                        remediated=c.address in written,
                        attribution=c.attribution.dimensions() if c.attribution is not None else {},
                    )
                    for c in plan.changes
                    if c.is_change and (c.action != "create" or c.address in seen_before)
                )
                self._seen_live.update(written)
                created = sum(1 for c in plan.changes if c.action == "create" and c.address not in seen_before)
                if created:
                    log.info("created %d resources that did not exist (not drift)", created,
                             extra={"environment": env, "phase": "cycle", "creations": created})
                error = "; ".join(f"{a}: {e}" for a, e in sorted(plan.errors.items())) or None
        except Exception as exc:  # a cycle that fails must not kill the controller
            if isinstance(exc, EndpointUnreachable):
                self._back_off(str(exc), env)
            else:
                log.exception("cycle failed", extra={"environment": env, "phase": "cycle"})
            drifted, applied, failed, skipped, remediated = (), 0, 0, 0, False
            not_convergent = ()
            error = describe(exc)
        else:
            self._unreachable = 0
        after = self._requests()
        delta = after - before
        report = CycleReport(
            environment=env,
            target=self.session.target.kind,
            started_at=started,
            duration_s=time.monotonic() - t0,
            resources=len(self.engine.resources),
            drifted=drifted,
            not_convergent=not_convergent,
            applied=applied,
            failed=failed,
            skipped=skipped,
            remediated=remediated,
            arm_requests_by_status=dict(delta),
            throttled=delta.get(429, 0),
            error=error,
        )
        # Health first: whoever hears of the cycle (telemetry, the log) may ask /readyz at once.
        self.health.record_cycle(report)
        self.telemetry.report_cycle(report)
        log.info(
            "cycle finished",
            extra={"environment": env, "phase": "cycle", "drifted": len(drifted), "applied": applied,
                   "failed": failed, "duration_s": round(report.duration_s, 3)},
        )
        return report

    def _back_off(self, why: str, env: str) -> None:
        """The endpoint never answered: the next cycles wait, twice as long after each such failure."""
        self._unreachable += 1
        delay = min(BACKOFF_BASE_S * 2 ** (self._unreachable - 1), BACKOFF_MAX_S)
        self._backoff_until = time.monotonic() + delay
        log.error("cycle failed: %s; no cycle for %.0f s", why, delay,
                  extra={"environment": env, "phase": "cycle", "backoff_s": delay})

    def _remember_drift(self, plan: Plan, live: Mapping[str, Any]) -> None:
        """Before the writes: each drifted resource's live body, which they will overwrite
        (the one function every write path uses, reconciler/controller/history.py)."""
        record_overwritten(self.history, self.engine, plan, live)

    def _remember_writes(self, plan: Plan, applied: Sequence[str], failed: Mapping[str, Failure]) -> None:
        record_outcomes(self.history, plan, applied, failed)

    def _gate(self, plan: Plan) -> Plan:
        """Resources whose drift policy is `report` are reported, never written."""
        changes = tuple(
            replace(c, blocked=c.blocked or "drift policy is report", reason=c.reason or Reason.REPORT_ONLY)
            if c.is_change and self.policy_of(c) == "report"
            else c
            for c in plan.changes
        )
        return replace(plan, changes=changes)
