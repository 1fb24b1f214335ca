"""The controller's HTTP endpoint for the container platform: liveness, readiness, Prometheus metrics.

``/healthz`` answers 200 while the process serves; ``/readyz`` answers 200 when the last cycle
finished within two intervals (else 503 with the reason); ``/metrics`` is Prometheus text
exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from reconciler.report import CycleReport

DEFAULT_HOST = "127.0.0.1"
"""Loopback by default; the container image binds 0.0.0.0 explicitly."""
DEFAULT_PORT = 8080

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Readiness:
    """Whether the controller is ready, and why not when it is not."""

    ready: bool
    reason: str


class HealthState:
    """Counters and the time of the last finished cycle, fed by ``record_cycle``; thread-safe."""

    def __init__(
        self, interval_s: float, clock: Callable[[], float] = time.monotonic, *, environment: str = ""
    ) -> None:
        self.interval_s = interval_s
        #: The ``environment`` label before the first cycle (a standby may never run one).
        self.environment = environment
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._last_finished: float | None = None
        self._last_report: CycleReport | None = None
        self._cycles = 0
        self._cycles_failed = 0
        self._applied = 0
        self._failed = 0
        self._arm_requests: Counter[int] = Counter()
        self._throttled = 0
        self.is_leader = False
        """True while this replica holds the environment's lease (set by the controller)."""
        self.standby = False
        """True while this replica waits for another's lease (set by the controller): it is doing its
        job, so it is ready, and the platform must not hold a rollout back for it."""

    def record_cycle(self, report: CycleReport) -> None:
        """Count a finished cycle (even a failed one: it finished, so the controller is not stuck)."""
        with self._lock:
            self._last_finished = self._clock()
            self._last_report = report
            self._cycles += 1
            self._cycles_failed += 0 if report.succeeded else 1
            self._applied += report.applied
            self._failed += report.failed
            self._arm_requests.update(report.arm_requests_by_status)
            self._throttled += report.throttled

    def readiness(self) -> Readiness:
        """Ready when a cycle finished within two intervals (counted from the last one or from start),
        or while standing by for the lease."""
        with self._lock:
            if self.standby:
                return Readiness(True, "standby: another replica holds the lease")
            now = self._clock()
            window = 2 * self.interval_s
            if self._last_finished is None:
                if now - self._started <= window:
                    return Readiness(False, "no cycle has finished yet")
                return Readiness(False, f"no cycle finished in the {window:.0f} s since start")
            age = now - self._last_finished
            if age > window:
                return Readiness(
                    False, f"last cycle finished {age:.0f} s ago, more than 2 intervals ({window:.0f} s)"
                )
            return Readiness(True, f"last cycle finished {age:.0f} s ago")

    def prometheus_text(self) -> str:
        """The counters in Prometheus text format 0.0.4."""
        with self._lock:
            report = self._last_report
            environment = report.environment if report else self.environment
            label = f'environment="{_escape(environment)}"'
            lines: list[str] = []

            def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
                lines.append(f"# HELP {name} {help_text}")
                lines.append(f"# TYPE {name} {kind}")
                for labels, value in samples:
                    lines.append(f"{name}{{{labels}}} {_number(value)}")

            metric(
                "reconciler_cycles_total",
                "counter",
                "Reconcile cycles finished, by outcome.",
                [
                    (f'{label},outcome="succeeded"', self._cycles - self._cycles_failed),
                    (f'{label},outcome="failed"', self._cycles_failed),
                ],
            )
            metric(
                "reconciler_resources",
                "gauge",
                "Resources in the desired state at the last cycle.",
                [(label, report.resources if report else 0)],
            )
            metric(
                "reconciler_drifted_resources",
                "gauge",
                "Resources found drifted at the last cycle.",
                [(label, len(report.drifted) if report else 0)],
            )
            metric("reconciler_applied_total", "counter", "Writes applied.", [(label, self._applied)])
            metric("reconciler_failed_total", "counter", "Writes failed.", [(label, self._failed)])
            metric(
                "reconciler_arm_requests_total",
                "counter",
                "ARM responses by HTTP status.",
                [(f'{label},status="{status}"', n) for status, n in sorted(self._arm_requests.items())],
            )
            metric(
                "reconciler_arm_throttled_total", "counter", "ARM 429 responses.", [(label, self._throttled)]
            )
            metric(
                "reconciler_last_cycle_duration_seconds",
                "gauge",
                "Wall time of the last cycle.",
                [(label, report.duration_s if report else 0.0)],
            )
            metric(
                "reconciler_leader",
                "gauge",
                "1 while this replica holds the environment's lease.",
                [(label, 1 if self.is_leader else 0)],
            )
            return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    # Label value escaping of the 0.0.4 text format: backslash, double quote, newline.
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class HealthServer:
    """Serves ``/healthz``, ``/readyz`` and ``/metrics`` for ``state`` from a background thread."""

    def __init__(self, state: HealthState, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        self.state = state
        handler = _handler_for(state)
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="health-server", daemon=True)

    @property
    def port(self) -> int:
        """The bound port (useful when constructed with port 0)."""
        return int(self._httpd.server_address[1])

    def start(self) -> HealthServer:
        """Start serving; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(state: HealthState) -> type[BaseHTTPRequestHandler]:
    class HealthHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._answer(200, "ok\n")
            elif path == "/readyz":
                readiness = state.readiness()
                self._answer(200 if readiness.ready else 503, readiness.reason + "\n")
            elif path == "/metrics":
                self._answer(200, state.prometheus_text(), PROMETHEUS_CONTENT_TYPE)
            else:
                self._answer(404, "not found\n")

        def _answer(self, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            # Probes every few seconds would flood the logs.
            pass

    return HealthHandler
