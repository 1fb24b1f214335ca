"""`reconcile run`: the controller's options, checked before anything is opened, and the
process around a `Controller` (signals, lease, health server, telemetry flush)."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import re
import signal
import socket
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any, TextIO

from adapters.blob_documents import BlobDocuments
from desired_state.errors import ReconcilerError
from reconciler.cli.common import DEFAULT_ENV, add_layer_file_option
from reconciler.cli.common import Parser as _Parser
from reconciler.cli.common import add_common_options as _common
from reconciler.controller.controller_state import documents_for
from reconciler.controller.health import HealthServer, HealthState
from reconciler.controller.history import History
from reconciler.controller.lease import BlobLease, FileLease, Lease
from reconciler.controller.loop import Controller
from reconciler.controller.schedule import ABANDON_FLUSH_TIMEOUT_MS, exit_abandoning, run_once, run_scheduled
from reconciler.controller.telemetry import Telemetry
from reconciler.engine.lro_tokens import DocumentLroTokenStore
from reconciler.engine.session import Session, open_session
from reconciler.runtime.inputs import check_target_options, port_option

log = logging.getLogger("reconciler.controller")

#: The longest duration an option takes (30 days).
MAX_DURATION = 30 * 24 * 3600.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


class ControllerUsageError(ReconcilerError, ValueError):
    """A bad `reconcile run` option: one line naming it and the fix."""

    outcome = "validation"


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
    add_layer_file_option(p)
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



#: A blob lease's duration in seconds (Azure Storage, Lease Blob, x-ms-lease-duration).
LEASE_SECONDS = (15, 60)


def _lease_for(args: argparse.Namespace, session: Session, on_lost: Any) -> Lease | None:
    kind = args.lease
    if kind == "none":
        return None
    if kind == "auto":
        kind = "file" if session.target.kind == "emulator" else "blob"
    env = session.state.environment
    if kind == "file":
        return FileLease(session.target.work_dir / "leases", env)
    if args.lease_connection_string:  # checked with the documents beside the lease (documents_for)
        return BlobLease.from_connection_string(
            args.lease_connection_string, env, duration_s=args.lease_duration, on_lost=on_lost
        )
    return BlobLease.for_account(
        session.secrets.lease_storage_account, env, duration_s=args.lease_duration, on_lost=on_lost
    )


def _resolvable(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return True


def _health_server(health: HealthState, args: argparse.Namespace, from_env: bool) -> HealthServer:
    """The health endpoints' server, bound (not yet serving); a port that cannot be bound is one
    line naming the option (or variable), the host and port, and the fix."""
    option = "RECONCILER_HEALTH_PORT" if from_env else "--health-port"
    if args.health_host != "127.0.0.1" and not _resolvable(args.health_host):
        raise ControllerUsageError(
            f"--health-host {args.health_host!r}: not an address of this machine; use e.g. 127.0.0.1 or 0.0.0.0"
        )
    try:
        return HealthServer(health, args.health_host, args.health_port)
    except OSError as error:
        why = "already in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error)).lower()
        raise ControllerUsageError(
            f"{option} {args.health_port}: cannot listen on {args.health_host}:{args.health_port} ({why}); choose "
            "another port, 0 for a free one, or -1 to serve no health endpoints"
        ) from None


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
    if not LEASE_SECONDS[0] <= args.lease_duration <= LEASE_SECONDS[1]:
        # Azure Storage, Lease Blob: x-ms-lease-duration is 15 to 60 seconds (or -1, a lease that never
        # expires: a controller that died holding it would stop every other replica, so not offered).
        raise ControllerUsageError(f"--lease-duration {args.lease_duration}: a blob lease lasts {LEASE_SECONDS[0]} "
                                   f"to {LEASE_SECONDS[1]} seconds (Azure Storage); use e.g. --lease-duration 30")
    from reconciler.runtime.logs import configure_logging, register_secret

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
    health = HealthState(interval, environment=args.env)
    # Bound before anything is opened: a taken port is bad input, named with its option.
    server = _health_server(health, args, from_env) if args.health_port >= 0 else None
    try:
        # open_session registers every secret of the settings and resources for masking.
        session = open_session(args.env, emulator_state=args.emulator_state, emulator_url=args.emulator_url,
                               observe=args.observe, resync_s=resync, layer_files=args.layer_file)
    except BaseException:
        if server is not None:
            server.stop()
        raise
    err.write(session.target.banner + "\n")
    conn = session.secrets.applicationinsights_connection_string
    telemetry = Telemetry(conn.get_secret_value() if conn else None)
    documents = documents_for(args, session)
    if isinstance(documents, BlobDocuments):
        # Where the lease lives: a successor on another node resumes these operations.
        session.engine.lro_tokens = DocumentLroTokenStore(documents, args.env)
    controller = Controller(
        session, telemetry=telemetry, health=health, drift_policy=args.drift_policy, stop=stop,
        history=History(documents, args.env),
    )
    if server is not None:
        server.start()
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
            finished, report = run_once(controller, grace)
            abandoned = not finished
            code = 0 if report is None or report.succeeded else 1
        else:
            abandoned = not run_scheduled(controller, interval, args.jitter, grace)
            code = 0
        return 1 if lease_lost.is_set() else code
    finally:
        health.is_leader = False
        if server is not None:
            server.stop()
        if abandoned:
            # Bounded: the process is leaving; what is not exported now stays in offline storage.
            telemetry.flush(ABANDON_FLUSH_TIMEOUT_MS)
        else:
            telemetry.flush()
            telemetry.shutdown()
        # Last, so no successor starts while this process still does anything.
        if lease is not None and lease.held:
            lease.release()
        if abandoned:
            exit_abandoning(controller, 1 if lease_lost.is_set() else 0)

