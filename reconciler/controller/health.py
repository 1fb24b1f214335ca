"""The controller's HTTP endpoint for the container platform: liveness, readiness, Prometheus metrics.

``/healthz`` answers 200 while the process serves; ``/readyz`` answers 200 when the last cycle
finished within two intervals (else 503 with the reason); ``/metrics`` is Prometheus text
exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/), rendered
by prometheus-client from the state at each scrape.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.registry import Collector, CollectorRegistry

from reconciler.controller.report import CycleReport

DEFAULT_HOST = "127.0.0.1"
"""Loopback by default; the container image binds 0.0.0.0 explicitly."""
DEFAULT_PORT = 8080

PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


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
        # One registry per state (not the process-wide default), so states never share samples.
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(_StateCollector(self))

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
        """The counters in Prometheus text format 0.0.4, rendered by prometheus-client."""
        return generate_latest(self._registry).decode()

    def metric_families(self) -> list[Metric]:
        """The metric families of one scrape, read under the lock so that they agree with each other."""
        with self._lock:
            report = self._last_report
            environment = report.environment if report else self.environment
            env = [environment]

            def counter(name: str, help_text: str, value: float) -> Metric:
                family = CounterMetricFamily(name, help_text, labels=["environment"])
                family.add_metric(env, value)
                return family

            def gauge(name: str, help_text: str, value: float) -> Metric:
                family = GaugeMetricFamily(name, help_text, labels=["environment"])
                family.add_metric(env, value)
                return family

            cycles = CounterMetricFamily(
                "reconciler_cycles_total", "Reconcile cycles finished, by outcome.", labels=["environment", "outcome"]
            )
            cycles.add_metric([environment, "succeeded"], self._cycles - self._cycles_failed)
            cycles.add_metric([environment, "failed"], self._cycles_failed)
            requests = CounterMetricFamily(
                "reconciler_arm_requests_total", "ARM responses by HTTP status.", labels=["environment", "status"]
            )
            for status, n in sorted(self._arm_requests.items()):
                requests.add_metric([environment, str(status)], n)
            return [
                cycles,
                gauge("reconciler_resources", "Resources in the desired state at the last cycle.",
                      report.resources if report else 0),
                gauge("reconciler_drifted_resources", "Resources found drifted at the last cycle.",
                      len(report.drifted) if report else 0),
                counter("reconciler_applied_total", "Writes applied.", self._applied),
                counter("reconciler_failed_total", "Writes failed.", self._failed),
                requests,
                counter("reconciler_arm_throttled_total", "ARM 429 responses.", self._throttled),
                gauge("reconciler_last_cycle_duration_seconds", "Wall time of the last cycle.",
                      report.duration_s if report else 0.0),
                gauge("reconciler_leader", "1 while this replica holds the environment's lease.",
                      1 if self.is_leader else 0),
            ]


class _StateCollector(Collector):
    """Adapts a ``HealthState`` to prometheus-client: every scrape reads the state afresh."""

    def __init__(self, state: HealthState) -> None:
        self._state = state

    def collect(self) -> Iterable[Metric]:
        return self._state.metric_families()


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
