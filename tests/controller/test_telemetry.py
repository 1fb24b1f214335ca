"""Telemetry reaches Application Insights through the real Azure Monitor exporter.

A loopback server poses as the ingestion endpoint; the test decodes what the exporter posted.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from reconciler.controller.report import CycleReport, DriftRecord, NotConvergentRecord
from reconciler.controller.telemetry import (
    DRIFT_EVENT_NAME,
    HEARTBEAT_EVENT_NAME,
    NOT_CONVERGENT_EVENT_NAME,
    Telemetry,
)
from reconciler.runtime.logs import forget_secrets, register_secret
from tests.controller.ingestion import IngestionServer

SECRET = "Sup3r-Secret-Passw0rd!"  # a desired SQL admin password that must never leave the process

VNET_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app-dev"
    "/providers/Microsoft.Network/virtualNetworks/vnet-app-dev"
)
SQL_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app-dev"
    "/providers/Microsoft.Sql/servers/sql-app-dev"
)


def drifted_cycle() -> CycleReport:
    return CycleReport(
        environment="dev",
        target="emulator",
        started_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
        duration_s=2.5,
        resources=42,
        drifted=(
            DriftRecord(
                address="networking.vnet",
                arm_type="Microsoft.Network/virtualNetworks",
                resource_id=VNET_ID,
                action="update",
                changed_paths=("properties.addressSpace.addressPrefixes", "tags.owner"),
            ),
            DriftRecord(
                address="database.sql_server",
                arm_type="Microsoft.Sql/servers",
                resource_id=SQL_ID,
                action="update",
                # A path that embeds the secret by mistake: redaction is the last line of defence.
                changed_paths=("properties.administratorLoginPassword", f"tags.note={SECRET}"),
            ),
        ),
        applied=2,
        failed=1,
        skipped=3,
        remediated=True,
        arm_requests_by_status=MappingProxyType({200: 40, 201: 2, 429: 3}),
        throttled=3,
    )


@pytest.fixture
def ingestion(monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestionServer]:
    # The exporter's own self-telemetry and remote configuration would call Microsoft endpoints.
    monkeypatch.setenv("APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL", "true")
    monkeypatch.setenv("APPLICATIONINSIGHTS_SDKSTATS_DISABLED", "true")
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED", "true")
    register_secret(SECRET)
    with IngestionServer() as server:
        yield server
    forget_secrets()


@pytest.fixture
def telemetry(ingestion: IngestionServer) -> Iterator[Telemetry]:
    connection_string = (
        f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint=http://127.0.0.1:{ingestion.port}/"
    )
    telemetry = Telemetry(connection_string, offline_storage=False, service_instance="test-host")
    yield telemetry
    telemetry.shutdown()


def exported_cycle(telemetry: Telemetry) -> None:
    report = drifted_cycle()
    with telemetry.span("cycle", environment="dev"):
        for phase in ("observe", "plan", "apply"):
            with telemetry.span(phase, environment="dev"):
                pass
        telemetry.report_cycle(report)
    assert telemetry.flush()


def test_the_exporter_posts_to_the_track_endpoint(telemetry: Telemetry, ingestion: IngestionServer) -> None:
    exported_cycle(telemetry)

    assert ingestion.paths
    assert set(ingestion.paths) == {"/v2.1/track"}


def test_each_drifted_resource_is_one_reconciler_drift_custom_event(
    telemetry: Telemetry, ingestion: IngestionServer
) -> None:
    exported_cycle(telemetry)

    events = [e["data"]["baseData"] for e in ingestion.of_type("EventData")]
    heartbeats = [e for e in events if e["name"] == HEARTBEAT_EVENT_NAME]
    assert len(heartbeats) == 1 and heartbeats[0]["properties"]["environment"] == "dev"
    events = [e for e in events if e["name"] != HEARTBEAT_EVENT_NAME]
    assert [e["name"] for e in events] == [DRIFT_EVENT_NAME, DRIFT_EVENT_NAME]
    vnet = next(e["properties"] for e in events if e["properties"]["address"] == "networking.vnet")
    assert vnet["environment"] == "dev"
    assert vnet["type"] == "Microsoft.Network/virtualNetworks"
    assert vnet["id"] == VNET_ID
    assert vnet["action"] == "update"
    assert vnet["changed_paths"] == "properties.addressSpace.addressPrefixes,tags.owner"
    assert all(
        e["name"] == "Microsoft.ApplicationInsights.Event"
        for e in ingestion.envelopes
        if e["data"]["baseType"] == "EventData"
    )


def test_cycle_metrics_are_exported_by_name(telemetry: Telemetry, ingestion: IngestionServer) -> None:
    exported_cycle(telemetry)

    points: dict[tuple[str, str | None], float] = {}
    for envelope in ingestion.of_type("MetricData"):
        data = envelope["data"]["baseData"]
        for metric in data["metrics"]:
            points[(metric["name"], data.get("properties", {}).get("status"))] = metric["value"]
    assert points[("reconciler_cycles", None)] == 1
    assert points[("reconciler_resources", None)] == 42
    assert points[("reconciler_drifted", None)] == 2
    assert points[("reconciler_applied", None)] == 2
    assert points[("reconciler_failed", None)] == 1
    assert points[("reconciler_cycle_duration_seconds", None)] == 2.5
    assert points[("reconciler_arm_requests", "200")] == 40
    assert points[("reconciler_arm_requests", "201")] == 2
    assert points[("reconciler_arm_requests", "429")] == 3
    assert points[("reconciler_arm_throttled", None)] == 3


def test_cycle_and_phase_spans_are_exported(telemetry: Telemetry, ingestion: IngestionServer) -> None:
    exported_cycle(telemetry)

    spans = [
        e["data"]["baseData"]
        for e in ingestion.envelopes
        if e["data"]["baseType"] in ("RequestData", "RemoteDependencyData")
    ]
    assert sorted(s["name"] for s in spans) == ["apply", "cycle", "observe", "plan"]


def test_a_failed_phase_is_exported_with_its_error_but_without_the_secret(
    telemetry: Telemetry, ingestion: IngestionServer
) -> None:
    with pytest.raises(RuntimeError), telemetry.span("apply", environment="dev", note=f"password {SECRET}"):
        raise RuntimeError(f"400 BadRequest: administratorLoginPassword '{SECRET}' is too weak")
    assert telemetry.flush()

    assert ingestion.raw_bodies
    for body in ingestion.raw_bodies:
        assert SECRET.encode() not in body
    exported = json.dumps(ingestion.envelopes)
    assert "is too weak" in exported
    assert "password ***" in exported


def test_no_secret_value_appears_in_any_envelope(telemetry: Telemetry, ingestion: IngestionServer) -> None:
    exported_cycle(telemetry)

    assert ingestion.raw_bodies
    for body in ingestion.raw_bodies:
        assert SECRET.encode() not in body
    sql = next(
        e["data"]["baseData"]["properties"]
        for e in ingestion.of_type("EventData")
        if e["data"]["baseData"]["properties"].get("address") == "database.sql_server"
    )
    assert sql["changed_paths"] == "properties.administratorLoginPassword,tags.note=***"


def test_without_a_connection_string_the_same_information_goes_to_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    telemetry = Telemetry(None)
    with caplog.at_level(logging.INFO, logger="reconciler.controller.telemetry"):
        telemetry.report_cycle(drifted_cycle())
    telemetry.flush()

    drift = [r for r in caplog.records if getattr(r, "event", None) == DRIFT_EVENT_NAME]
    assert [r.address for r in drift] == ["networking.vnet", "database.sql_server"]  # type: ignore[attr-defined]
    assert drift[0].changed_paths == "properties.addressSpace.addressPrefixes,tags.owner"  # type: ignore[attr-defined]
    cycle = next(r for r in caplog.records if getattr(r, "event", None) == "ReconcilerCycle")
    assert cycle.drifted == 2  # type: ignore[attr-defined]
    assert cycle.arm_requests == {"200": 40, "201": 2, "429": 3}  # type: ignore[attr-defined]
    assert json.dumps(cycle.arm_throttled) == "3"  # type: ignore[attr-defined]


def test_a_reported_cycle_has_left_the_process_when_report_cycle_returns(
    telemetry: Telemetry, ingestion: IngestionServer
) -> None:
    telemetry.report_cycle(drifted_cycle())

    assert len(ingestion.of_type("EventData")) == 3  # two drift events and the heartbeat
    assert any(
        m["name"] == "reconciler_cycles"
        for e in ingestion.of_type("MetricData")
        for m in e["data"]["baseData"]["metrics"]
    )


def test_an_ingestion_endpoint_that_never_answers_costs_a_cycle_only_the_read_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import socket

    # Accepts connections (the kernel's backlog does) and never answers a byte.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        telemetry = Telemetry(
            f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint=http://127.0.0.1:{silent.getsockname()[1]}/",
            offline_storage=False,
            exporter_options={"read_timeout": 0.5},  # the default is 10 s; same code path
        )
        try:
            with caplog.at_level(logging.WARNING):
                telemetry.report_cycle(drifted_cycle())  # returns: the cycle is not held for 300 s
        finally:
            telemetry.shutdown()
    exporter_warnings = [r.getMessage() for r in caplog.records if r.name.startswith("azure.monitor")]
    assert exporter_warnings and all("timed out" in m for m in exporter_warnings)


def test_a_field_arm_did_not_keep_is_one_reconciler_not_convergent_event(
    telemetry: Telemetry, ingestion: IngestionServer
) -> None:
    workspace = VNET_ID.replace("Microsoft.Network/virtualNetworks/vnet-app-dev", "Microsoft.OperationalInsights/workspaces/log")
    report = replace(drifted_cycle(), drifted=(), not_convergent=(NotConvergentRecord(
        "observability.log_analytics", "Microsoft.OperationalInsights/workspaces", workspace, "properties.sku.name"),))
    telemetry.report_cycle(report)
    assert telemetry.flush()

    # Every cycle also sends its heartbeat (issue 11); the field is one event of its own.
    events = [e["data"]["baseData"] for e in ingestion.of_type("EventData") if e["data"]["baseData"]["name"] != HEARTBEAT_EVENT_NAME]
    assert [e["name"] for e in events] == [NOT_CONVERGENT_EVENT_NAME]
    assert events[0]["properties"]["path"] == "properties.sku.name"
    assert events[0]["properties"]["id"] == workspace
