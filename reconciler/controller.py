"""Controller mode: `reconcile run` keeps one environment true on a schedule.

Each cycle observes, compares, reports drift, then remediates or only
reports according to the drift policy. APScheduler runs the cycle at once and
then on the interval with jitter, never overlapping itself and coalescing
missed runs. One replica per environment is active (a Blob lease in Azure, a
file lock against the emulator).

Each cycle first resumes the long-running operations an earlier run left in
flight (``reconciler/resume.py``). On SIGTERM no new write starts; writes in
flight get ``--shutdown-grace``, after which they are left to ARM and to the
next run (their LRO tokens are on disk) and the process exits 0, releasing the
lease last.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import FrameType
from typing import Any, NoReturn, TextIO

from reconciler.controller_state import documents_for
from reconciler.documents import BlobDocuments
from reconciler.engine import Engine
from reconciler.health import HealthServer, HealthState
from reconciler.history import History
from reconciler.inputs import check_target_options, port_option
from reconciler.lease import BlobLease, FileLease, Lease
from reconciler.lro_tokens import DocumentLroTokenStore
from reconciler.plan import Change, Plan
from reconciler.report import CycleReport, DriftRecord, NotConvergentRecord
from reconciler.resume import resume_operations
from reconciler.session import Session, open_session
from reconciler.telemetry import Telemetry

log = logging.getLogger("reconciler.controller")

#: The longest duration an option takes (30 days).
MAX_DURATION = 30 * 24 * 3600.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


class ControllerUsageError(ValueError):
    """A bad `reconcile run` option: one line naming it and the fix."""


def parse_duration(text: str, option: str, *, allow_zero: bool = False) -> float:
    """'5m' -> 300.0; accepts ms, s, m, h (default s). Negative (and, unless allowed, zero) is refused."""
    m = _DURATION.match(text)
    if not m:
        raise ControllerUsageError(f"{option} {text!r}: not a duration; use e.g. 30s, 5m or 1h")
    value = float(m[1]) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m[2] or "s"]
    if value < 0 or (value == 0 and not allow_zero):
        raise ControllerUsageError(f"{option} {text!r}: must be greater than zero; use e.g. 5m")
    if value > MAX_DURATION:
        # Beyond this a schedule overflows the date arithmetic (OverflowError) and means nothing.
        raise ControllerUsageError(f"{option} {text!r}: at most {MAX_DURATION // 3600:g}h (30 days); use e.g. 5m")
    return value


def parse_interval(text: str) -> float:
    """'5m' -> 300.0; accepts ms, s, m, h (default s). Zero or less is refused."""
    return parse_duration(text, "--interval")


def _parser() -> argparse.ArgumentParser:
    from reconciler.cli_common import DEFAULT_ENV
    from reconciler.cli_common import Parser as _Parser
    from reconciler.cli_common import add_common_options as _common

    p = _Parser(prog="reconcile run", description="Reconcile one environment continuously.")
    _common(p)
    p.add_argument("--interval", default=os.environ.get("RECONCILER_INTERVAL", "5m"),
                   help="time between cycles, e.g. 30s, 5m (default %(default)s)")
    p.add_argument("--jitter", type=float, default=0.1, help="random delay up to this fraction of the interval")
    p.add_argument("--once", action="store_true", help="run one cycle and exit (1 if it failed)")
    p.add_argument("--observe", choices=("per-resource", "graph", "auto"), default="auto",
                   help="how to observe: per-resource ARM reads, Resource Graph and its change feed, or auto "
                        "(graph above 350 resources; docs/observe-modes.md) (default %(default)s)")
    p.add_argument("--resync", default="1h",
                   help="graph mode: full Resource Graph relist at least this often between change-feed cycles "
                        "(default %(default)s)")
    p.add_argument("--drift-policy", choices=("remediate", "report"),
                   help="override the environment's drift policy for this controller")
    p.add_argument("--health-host", default=os.environ.get("RECONCILER_HEALTH_HOST", "127.0.0.1"))
    p.add_argument("--health-port", default=os.environ.get("RECONCILER_HEALTH_PORT") or "8080",
                   help="port for /healthz, /readyz, /metrics (0 picks a free one; -1 disables)")
    p.add_argument("--lease", choices=("auto", "blob", "file", "none"), default="auto",
                   help="one active replica per environment: Blob lease on Azure, file lock on the emulator")
    p.add_argument("--lease-connection-string", default=os.environ.get("RECONCILER_LEASE_CONNECTION_STRING"),
                   help="storage connection string for the blob lease (else the lease account with the credential)")
    p.add_argument("--lease-duration", type=int, default=30, help="blob lease seconds (15-60)")
    p.add_argument("--shutdown-grace", default=os.environ.get("RECONCILER_SHUTDOWN_GRACE", "20s"),
                   help="on SIGTERM, how long writes in flight may finish before they are left to the next "
                        "run, which resumes them from their LRO tokens (default %(default)s)")
    p.set_defaults(env=DEFAULT_ENV)
    return p


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
        self._cycle_lock = threading.Lock()
        settings: Any = session.state.settings
        #: ``--drift-policy``: the operator's word wins over every resource's own policy.
        self.policy_override: str | None = drift_policy
        self.default_policy: str = drift_policy or str(getattr(settings, "drift_policy", "remediate"))
        #: Addresses this process has seen live: only their absence is drift. A resource that
        #: never existed (a first deployment) is a creation, not drift, and raises no drift alert.
        self._seen_live: set[str] = set()

    def _requests(self) -> Counter[int]:
        """ARM responses so far by status (0: no response, e.g. a dropped connection)."""
        counts: Counter[int] = Counter()
        for by_status in self.session.target.clients.stats()["requests"].values():
            for status, count in by_status.items():
                counts[int(status) if str(status).isdigit() else 0] += int(count)
        return counts

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
                        result = self.engine.apply(gated, observation, stop=self.stop)
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
                        log.error("write failed", extra={"address": address, "phase": "apply", "error": why})
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
            log.exception("cycle failed", extra={"environment": env, "phase": "cycle"})
            drifted, applied, failed, skipped, remediated = (), 0, 0, 0, False
            not_convergent = ()
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
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
        self.telemetry.report_cycle(report)
        self.health.record_cycle(report)
        log.info(
            "cycle finished",
            extra={"environment": env, "phase": "cycle", "drifted": len(drifted), "applied": applied,
                   "failed": failed, "duration_s": round(report.duration_s, 3)},
        )
        return report

    def _remember_drift(self, plan: Plan, live: Mapping[str, Any]) -> None:
        """Before the writes: each drifted resource's live body, which they will overwrite."""
        if self.history is None:
            return
        for change in plan.changes:
            resource = self.engine.resources.get(change.address)
            if not change.runnable or resource is None or live.get(change.address) is None:
                continue
            try:
                self.history.record_drift(change, live[change.address], resource, self.engine.fingerprint_key)
            except Exception as error:  # history is for people; it must not stop a remediation
                log.warning("could not keep the drift history", extra={"address": change.address,
                                                                      "error": type(error).__name__})

    def _remember_writes(self, plan: Plan, applied: Sequence[str], failed: Mapping[str, str]) -> None:
        if self.history is None:
            return
        done = set(applied)
        for change in plan.changes:
            if change.address in done or change.address in failed:
                try:
                    self.history.record_write(change, "applied" if change.address in done else failed[change.address])
                except Exception as error:
                    log.warning("could not keep the write history", extra={"address": change.address,
                                                                          "error": type(error).__name__})

    def _gate(self, plan: Plan) -> Plan:
        """Resources whose drift policy is `report` are reported, never written."""
        changes = tuple(
            replace(c, blocked=c.blocked or "drift policy is report")
            if c.is_change and self.policy_of(c) == "report"
            else c
            for c in plan.changes
        )
        return replace(plan, changes=changes)


def _lease_for(args: argparse.Namespace, session: Session, on_lost: Any) -> Lease | None:
    kind = args.lease
    if kind == "none":
        return None
    if kind == "auto":
        kind = "file" if session.target.kind == "emulator" else "blob"
    env = session.state.environment
    if kind == "file":
        return FileLease(session.target.work_dir / "leases", env)
    if args.lease_connection_string:
        return BlobLease.from_connection_string(
            args.lease_connection_string, env, duration_s=args.lease_duration, on_lost=on_lost
        )
    from azure.identity import DefaultAzureCredential

    account = session.secrets.lease_storage_account
    return BlobLease.from_account_url(
        f"https://{account}.blob.core.windows.net", DefaultAzureCredential(), env,
        duration_s=args.lease_duration, on_lost=on_lost,
    )


def main(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = _parser().parse_args(argv)
    check_target_options(args)
    from_env = "--health-port" not in argv and not any(a.startswith("--health-port=") for a in argv)
    args.health_port = port_option(
        args.health_port, "RECONCILER_HEALTH_PORT" if from_env else "--health-port", allow_disabled=True
    )
    interval = parse_interval(args.interval)
    grace = parse_duration(args.shutdown_grace, "--shutdown-grace", allow_zero=True)
    resync = parse_duration(args.resync, "--resync")
    if not 0 <= args.jitter < 1:
        raise ControllerUsageError(f"--jitter {args.jitter}: must be at least 0 and below 1")
    from reconciler.logs import configure_logging, register_secret

    configure_logging(args.log_format, args.log_level if args.log_level != "WARNING" else "INFO")
    # Before anything slow: a SIGTERM while the session opens must stop the controller, not kill it.
    stop = threading.Event()
    lease_lost = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signum, "phase": "shutdown"})
        stop.set()

    def on_lease_lost() -> None:
        lease_lost.set()
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.lease_connection_string:
        register_secret(args.lease_connection_string)
        for part in args.lease_connection_string.split(";"):
            key, _, value = part.partition("=")
            if key.strip().lower() in ("accountkey", "sharedaccesssignature"):
                register_secret(value)
    # open_session registers every secret of the settings and resources for masking.
    session = open_session(args.env, emulator_state=args.emulator_state, emulator_url=args.emulator_url,
                           observe=args.observe, resync_s=resync)
    err.write(session.target.banner + "\n")
    conn = session.secrets.applicationinsights_connection_string
    telemetry = Telemetry(conn.get_secret_value() if conn else None)
    health = HealthState(interval, environment=args.env)
    documents = documents_for(args, session)
    if isinstance(documents, BlobDocuments):
        # Where the lease lives: a successor on another node resumes these operations.
        session.engine.lro_tokens = DocumentLroTokenStore(documents, args.env)
    controller = Controller(
        session, telemetry=telemetry, health=health, drift_policy=args.drift_policy, stop=stop,
        history=History(documents, args.env),
    )
    server = HealthServer(health, args.health_host, args.health_port).start() if args.health_port >= 0 else None
    if server is not None:
        # The bound port: the only way to find it when --health-port 0 picked one.
        log.info("health endpoints listening", extra={"host": args.health_host, "port": server.port})
    lease = _lease_for(args, session, on_lost=on_lease_lost)
    abandoned = False
    try:
        if lease is not None:
            log.info("waiting for the lease", extra={"environment": args.env, "holder": lease.holder})
            health.standby = True
            if not lease.acquire(timeout=None, cancel=stop):
                return 0
            health.standby = False
            health.is_leader = True
        if args.once:
            finished, report = _run_once(controller, grace)
            abandoned = not finished
            code = 0 if report is None or report.succeeded else 1
        else:
            abandoned = not _run_scheduled(controller, interval, args.jitter, grace)
            code = 0
        return 1 if lease_lost.is_set() else code
    finally:
        health.is_leader = False
        if server is not None:
            server.stop()
        if abandoned:
            # Bounded: the process is leaving; what is not exported now stays in offline storage.
            telemetry.flush(_ABANDON_FLUSH_TIMEOUT_MS)
        else:
            telemetry.flush()
            telemetry.shutdown()
        # Last, so no successor starts while this process still does anything.
        if lease is not None and lease.held:
            lease.release()
        if abandoned:
            _exit_abandoning(controller, 1 if lease_lost.is_set() else 0)


_ABANDON_FLUSH_TIMEOUT_MS = 5_000


def _run_once(controller: Controller, grace: float) -> tuple[bool, CycleReport | None]:
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
            if not _wait_for_writes(done, grace):
                return False, None
            break
    return True, reports[0] if reports else None


def _run_scheduled(controller: Controller, interval: float, jitter: float, grace: float) -> bool:
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
    return _wait_for_writes(controller.idle, grace)


def _wait_for_writes(idle: threading.Event, grace: float) -> bool:
    """Give the writes in flight up to ``grace`` seconds to finish; True when they did."""
    if idle.is_set():
        return True
    log.info("waiting for the writes in flight", extra={"phase": "shutdown", "grace_s": grace})
    return idle.wait(grace)


def _exit_abandoning(controller: Controller, code: int) -> NoReturn:
    """Leave now, although cycle threads still wait on long-running operations.

    Each such write stored its LRO continuation token before its first poll, so the next
    controller resumes the operation instead of sending the write again. A normal interpreter
    exit would join those threads and wait for the operations after all.
    """
    tokens = controller.engine.lro_tokens
    pending = tokens.pending() if callable(getattr(tokens, "pending", None)) else []  # type: ignore[union-attr]
    log.warning(
        "writes still in flight after the shutdown grace; leaving them to the next run",
        extra={"phase": "shutdown", "pending_operations": len(pending)},
    )
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
