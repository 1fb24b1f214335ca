"""/healthz, /readyz and /metrics answer over HTTP as the container platform expects."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from reconciler.controller.health import HealthServer, HealthState
from reconciler.controller.report import CycleReport, DriftRecord

INTERVAL_S = 300.0


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def cycle(applied: int = 1, failed: int = 0, statuses: dict[int, int] | None = None) -> CycleReport:
    return CycleReport(
        environment="dev",
        target="emulator",
        started_at=datetime(2026, 11, 27, tzinfo=UTC),
        duration_s=1.5,
        resources=12,
        drifted=(
            DriftRecord(
                "networking.vnet",
                "Microsoft.Network/virtualNetworks",
                "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
                "update",
                ("tags.owner",),
            ),
        ),
        applied=applied,
        failed=failed,
        remediated=True,
        arm_requests_by_status=MappingProxyType(statuses or {200: 10, 429: 2}),
        throttled=(statuses or {200: 10, 429: 2}).get(429, 0),
    )


def get(port: int, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[HealthServer]:
    with HealthServer(HealthState(INTERVAL_S, clock=clock), port=0) as server:
        yield server


def test_the_server_binds_loopback_by_default(clock: FakeClock) -> None:
    server = HealthServer(HealthState(INTERVAL_S, clock=clock), port=0)
    try:
        assert server._httpd.server_address[0] == "127.0.0.1"
    finally:
        server.stop()


def test_healthz_answers_200_while_the_process_serves(server: HealthServer) -> None:
    status, _, body = get(server.port, "/healthz")
    assert (status, body) == (200, "ok\n")


def test_readyz_is_503_before_the_first_cycle(server: HealthServer) -> None:
    status, _, body = get(server.port, "/readyz")
    assert status == 503
    assert "no cycle has finished yet" in body


def test_readyz_is_200_when_the_last_cycle_finished_within_two_intervals(
    server: HealthServer, clock: FakeClock
) -> None:
    server.state.record_cycle(cycle())
    clock.now += 2 * INTERVAL_S

    status, _, _ = get(server.port, "/readyz")
    assert status == 200


def test_readyz_is_503_with_the_reason_when_the_last_cycle_is_older_than_two_intervals(
    server: HealthServer, clock: FakeClock
) -> None:
    server.state.record_cycle(cycle())
    clock.now += 2 * INTERVAL_S + 1

    status, _, body = get(server.port, "/readyz")
    assert status == 503
    assert "more than 2 intervals" in body


def test_readyz_is_503_when_no_cycle_finished_within_two_intervals_of_start(
    server: HealthServer, clock: FakeClock
) -> None:
    clock.now += 2 * INTERVAL_S + 1

    status, _, body = get(server.port, "/readyz")
    assert status == 503
    assert "since start" in body


def test_metrics_are_prometheus_text_with_the_cycle_counters(server: HealthServer) -> None:
    server.state.record_cycle(cycle(applied=2, failed=0, statuses={200: 10, 429: 2}))
    server.state.record_cycle(cycle(applied=1, failed=1, statuses={200: 5, 500: 1}))

    status, content_type, body = get(server.port, "/metrics")
    assert status == 200
    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    samples = {k: float(v) for k, v in (line.rsplit(" ", 1) for line in body.splitlines() if line and not line.startswith("#"))}
    assert samples['reconciler_cycles_total{environment="dev",outcome="succeeded"}'] == 1
    assert samples['reconciler_cycles_total{environment="dev",outcome="failed"}'] == 1
    assert samples['reconciler_drifted_resources{environment="dev"}'] == 1
    assert samples['reconciler_applied_total{environment="dev"}'] == 3
    assert samples['reconciler_failed_total{environment="dev"}'] == 1
    assert samples['reconciler_arm_requests_total{environment="dev",status="200"}'] == 15
    assert samples['reconciler_arm_requests_total{environment="dev",status="429"}'] == 2
    assert samples['reconciler_arm_requests_total{environment="dev",status="500"}'] == 1
    assert samples['reconciler_arm_throttled_total{environment="dev"}'] == 2
    assert samples['reconciler_last_cycle_duration_seconds{environment="dev"}'] == 1.5
    assert "# TYPE reconciler_cycles_total counter" in body
    assert "# TYPE reconciler_drifted_resources gauge" in body


def test_an_unknown_path_is_404(server: HealthServer) -> None:
    status, _, _ = get(server.port, "/nope")
    assert status == 404


def test_readyz_is_200_while_standing_by_for_another_replicas_lease(
    server: HealthServer, clock: FakeClock
) -> None:
    server.state.standby = True
    clock.now += 10 * INTERVAL_S

    status, _, body = get(server.port, "/readyz")
    assert status == 200
    assert "standby" in body
