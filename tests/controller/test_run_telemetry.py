"""`reconcile run --once` sends its drift events and cycle metrics to Application Insights.

The real Azure Monitor exporter in the controller process posts to a loopback server standing in
for the ingestion endpoint; nothing in what it posts may carry a secret value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.controller.telemetry import DRIFT_EVENT_NAME, HEARTBEAT_EVENT_NAME
from tests.controller.controller_process import KNOWN_SECRETS, Controllers, Portal, controller_env
from tests.controller.ingestion import IngestionServer
from tests.controller.test_run_drift import (
    QUEUE_ADDRESS,
    QUEUE_API,
    QUEUE_ID,
    VNET_ADDRESS,
    VNET_API,
    VNET_ID,
)


@pytest.fixture
def ingestion() -> Iterator[IngestionServer]:
    with IngestionServer() as server:
        yield server


def sql_server() -> tuple[str, str]:
    """The address and id of dev's SQL server."""
    from desired_state import build
    from desired_state.settings import AppSecrets

    secrets = AppSecrets(_env_file=None, thirdparty_api_key=KNOWN_SECRETS["THIRDPARTY_API_KEY"])
    state = build("dev", subscription_id="00000000-0000-0000-0000-000000000000", secrets=secrets)
    (resource,) = [r for r in state.resources if r.type == "Microsoft.Sql/servers"]
    return resource.address, resource.id


def metric_values(ingestion: IngestionServer) -> dict[tuple[str, str | None], float]:
    values: dict[tuple[str, str | None], float] = {}
    for envelope in ingestion.of_type("MetricData"):
        data = envelope["data"]["baseData"]
        for metric in data["metrics"]:
            key = (metric["name"], data.get("properties", {}).get("status"))
            values[key] = values.get(key, 0.0) + float(metric["value"])
    return values


def test_once_exports_drift_events_and_cycle_metrics_without_secrets(
    controllers: Controllers, portal: Portal, dev_state: Path, ingestion: IngestionServer, tmp_path: Path
) -> None:
    sql_address, sql_id = sql_server()
    sql_api = "2023-08-01"
    queue = portal.get(QUEUE_ID, QUEUE_API)
    portal.put(QUEUE_ID, {"properties": {**queue["properties"], "maxDeliveryCount": 4}}, QUEUE_API)
    vnet = portal.get(VNET_ID, VNET_API)
    portal.put(VNET_ID, {**vnet, "tags": {**vnet["tags"], "owner": "someone-else"}}, VNET_API)
    sql: dict[str, Any] = portal.get(sql_id, sql_api)
    portal.put(sql_id, {**sql, "tags": {**sql["tags"], "cost-center": "cc-other"}}, sql_api)

    instrumentation_key = str(uuid.uuid4())
    (tmp_path / "tmp").mkdir()
    env = controller_env(
        APPLICATIONINSIGHTS_CONNECTION_STRING=(
            f"InstrumentationKey={instrumentation_key};IngestionEndpoint=http://127.0.0.1:{ingestion.port}/"
        ),
        TMPDIR=str(tmp_path / "tmp"),  # the exporter's offline storage stays in the test's directory
    )
    controller = controllers.start(
        "--env", "dev", "--once", "--emulator-state", str(dev_state), "--health-port", "-1", env=env
    )
    assert controller.wait() == 0, controller.tail()

    events = [e["data"]["baseData"] for e in ingestion.of_type("EventData")]
    assert {e["name"] for e in events} == {DRIFT_EVENT_NAME, HEARTBEAT_EVENT_NAME}
    assert len([e for e in events if e["name"] == HEARTBEAT_EVENT_NAME]) == 1  # one per cycle
    events = [e for e in events if e["name"] == DRIFT_EVENT_NAME]
    by_address = {e["properties"]["address"]: e["properties"] for e in events}
    assert set(by_address) == {QUEUE_ADDRESS, VNET_ADDRESS, sql_address}
    assert by_address[QUEUE_ADDRESS]["changed_paths"] == "properties.maxDeliveryCount"
    assert by_address[QUEUE_ADDRESS]["id"] == QUEUE_ID
    assert by_address[VNET_ADDRESS]["changed_paths"] == "tags.owner"
    assert by_address[sql_address]["changed_paths"] == "tags.cost-center"
    assert all(p["remediated"] == "true" and p["environment"] == "dev" for p in by_address.values())
    assert all(e["iKey"] == instrumentation_key for e in ingestion.envelopes)

    metrics = metric_values(ingestion)
    assert metrics[("reconciler_cycles", None)] == 1
    assert metrics[("reconciler_drifted", None)] == 3
    assert metrics[("reconciler_applied", None)] == 3
    assert metrics[("reconciler_failed", None)] == 0
    assert metrics[("reconciler_arm_requests", "200")] > 0
    assert ("reconciler_cycle_duration_seconds", None) in metrics

    everything = b"".join(ingestion.raw_bodies).decode("utf-8")
    logs = "".join(controller.raw)
    for name, value in KNOWN_SECRETS.items():
        assert value not in everything, f"{name} reached Application Insights"
        assert value not in logs, f"{name} reached the logs"
