"""`/healthz`, `/readyz` and `/metrics` of a running `reconcile run`, over HTTP."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from desired_state import build
from desired_state.resource import Resource
from desired_state.settings import AppSecrets
from emulator.request_log import clear_request_log, read_request_log
from tests.controller.controller_process import KNOWN_SECRETS, Controllers, free_port, get, wait_until_serving

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)\{(?P<labels>[^}]*)\} (?P<value>\S+)$")


def dev_resources() -> tuple[Resource, ...]:
    """dev's desired resources as the controller builds them (with the controller's secrets set)."""
    secrets = AppSecrets(_env_file=None, thirdparty_api_key=KNOWN_SECRETS["THIRDPARTY_API_KEY"],
                         apim_basic_auth_header=KNOWN_SECRETS["APIM_BASIC_AUTH_HEADER"])
    return build("dev", subscription_id="00000000-0000-0000-0000-000000000000", secrets=secrets).resources


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            labels = frozenset(tuple(part.split("=", 1)) for part in m["labels"].split(","))
            found[(m["name"], frozenset((k, v.strip('"')) for k, v in labels))] = float(m["value"])
    return found


def test_health_endpoints_of_a_running_controller(controllers: Controllers, dev_state: Path) -> None:
    clear_request_log(dev_state)
    port = free_port()
    # One cycle only (the next is an hour away), so the counters can be checked against the request log.
    controller = controllers.start(
        "--env", "dev", "--interval", "1h", "--emulator-state", str(dev_state), "--health-port", str(port)
    )
    assert wait_until_serving(port).status_code == 200
    _, listening = controller.wait_for(lambda e: e.get("message") == "health endpoints listening", what="the port")
    assert listening["port"] == port
    controller.wait_cycles(1)

    healthz = get(port, "/healthz")
    assert (healthz.status_code, healthz.text) == (200, "ok\n")
    readyz = get(port, "/readyz")
    assert readyz.status_code == 200
    assert readyz.text.startswith("last cycle finished")
    assert get(port, "/nothing-here").status_code == 404

    metrics = get(port, "/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = samples(metrics.text)
    dev = ("environment", "dev")
    assert found[("reconciler_cycles_total", frozenset({dev, ("outcome", "succeeded")}))] == 1
    assert found[("reconciler_cycles_total", frozenset({dev, ("outcome", "failed")}))] == 0
    assert found[("reconciler_resources", frozenset({dev}))] == len(dev_resources())
    assert found[("reconciler_drifted_resources", frozenset({dev}))] == 0
    assert found[("reconciler_leader", frozenset({dev}))] == 1
    assert "# TYPE reconciler_arm_requests_total counter" in metrics.text
    by_status = {
        int(dict(labels)["status"]): value
        for (name, labels), value in found.items()
        if name == "reconciler_arm_requests_total"
    }
    # Every ARM request of the cycle, by status, as the emulator recorded them.
    recorded = Counter(r.status for r in read_request_log(dev_state))
    assert by_status == dict(recorded)
    assert by_status[200] > 0
    assert controller.terminate() == 0
