"""Who changed it, end to end: a person's change through the emulator's HTTP API (their own token, a
portal User-Agent) shows up, attributed, in the plan text and JSON of real `reconcile` processes, in
the drift event on the loopback ingestion endpoint, and in `reconcile history`; our own writes never
do; a denied or lagging change feed leaves the plan working with "attribution unknown (why)"."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from adapters.clients import EMULATOR_TOKEN
from emulator.changes import unsigned_token
from emulator.faults import FaultConfig
from emulator.request_log import clear_request_log, read_request_log
from emulator.server import running_server
from reconciler.controller.telemetry import DRIFT_EVENT_NAME
from tests.controller.controller_process import KNOWN_SECRETS, Controllers, controller_env
from tests.controller.ingestion import IngestionServer
from tests.controller.test_run_drift import QUEUE_ADDRESS, QUEUE_API, QUEUE_ID
from tests.controller.test_run_telemetry import sql_server

ALICE = unsigned_token({"oid": "0a11ce00-0000-4000-8000-000000000001", "upn": "alice@contoso.com", "idtyp": "user"})
PORTAL_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Edg/131.0"
PIPELINE_APP = "c1c1c1c1-0000-4000-8000-0000000000ff"
PIPELINE = unsigned_token({"oid": "0b0b0000-0000-4000-8000-000000000002", "appid": PIPELINE_APP, "idtyp": "app"})
SQL_API = "2023-08-01"


class Person:
    """Someone changing resources over the emulator's HTTP API with their own token and client."""

    def __init__(self, base_url: str, token: str, agent: str) -> None:
        self.base_url, self.headers = base_url, {"Authorization": f"Bearer {token}", "User-Agent": agent}

    def change(self, resource_id: str, api_version: str, edit: Any) -> None:
        url = f"{self.base_url}{resource_id}"
        body = requests.get(url, params={"api-version": api_version}, headers=self.headers, timeout=30).json()
        edit(body)
        answer = requests.put(url, params={"api-version": api_version}, headers=self.headers, json=body, timeout=30)
        assert answer.status_code < 300, answer.text[:300]


@pytest.fixture
def served(dev_state: Path) -> Iterator[str]:
    with running_server(dev_state, faults=FaultConfig(throttle=False)) as server:
        yield server.base_url


def reconcile(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args], cwd=cwd, env=controller_env(**env),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )


def plan_json(state: Path, cwd: Path, **env: str) -> dict[str, Any]:
    done = reconcile("--env", "dev", "--dry-run", "--output", "json", "--emulator-state", str(state), cwd=cwd, **env)
    assert done.returncode == 0, done.stderr[-2000:]
    plan: dict[str, Any] = json.loads(done.stdout)
    return plan


def attribution_of(plan: dict[str, Any], address: str) -> dict[str, Any]:
    (change,) = [c for c in plan["changes"] if c["address"] == address]
    found: dict[str, Any] = change["attribution"]
    return found


def change_feed_requests(state: Path) -> list[str]:
    return [r.path for r in read_request_log(state)
            if "microsoft.resourcegraph" in r.path.lower() or "eventtypes/management" in r.path.lower()]


def test_a_portal_change_is_attributed_in_plan_telemetry_and_history(
    controllers: Controllers, dev_state: Path, served: str, tmp_path: Path
) -> None:
    cwd = dev_state.parent
    # A no-op plan asks nobody who changed anything.
    clear_request_log(dev_state)
    assert not any(c["attribution"] for c in plan_json(dev_state, cwd)["changes"])
    assert change_feed_requests(dev_state) == []

    alice = Person(served, ALICE, PORTAL_AGENT)
    alice.change(QUEUE_ID, QUEUE_API, lambda b: b["properties"].update(maxDeliveryCount=3))
    sql_address, sql_id = sql_server()
    secret = KNOWN_SECRETS["THIRDPARTY_API_KEY"]
    pipeline = Person(served, PIPELINE, "AZURECLI/2.61.0 (PIP) azsdk-python-core/1.30")
    # A careless pipeline puts a secret where it does not belong: it must not reach history or telemetry.
    pipeline.change(sql_id, SQL_API, lambda b: b["tags"].update({"cost-center": secret}))

    clear_request_log(dev_state)
    plan = plan_json(dev_state, cwd)
    # Both drifted resources are looked up with one query, and the Activity Log is not needed.
    assert len(change_feed_requests(dev_state)) == 1
    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "plan-schema.json").read_text())
    jsonschema.validate(plan, schema)
    queue = attribution_of(plan, QUEUE_ADDRESS)
    assert queue["known"] is True and queue["source"] == "resourcegraph"
    assert (queue["changed_by"], queue["changed_by_type"], queue["client_type"]) == ("alice@contoso.com", "User", "Azure Portal")
    assert queue["operation"] == "microsoft.servicebus/namespaces/queues/write"
    assert queue["properties"] == [{"path": "properties.maxDeliveryCount", "before": 10, "after": 3}]
    sql = attribution_of(plan, sql_address)
    assert (sql["changed_by"], sql["client_type"]) == (PIPELINE_APP, "Azure CLI")

    text = reconcile("--env", "dev", "--dry-run", "--emulator-state", str(dev_state), cwd=cwd)
    assert text.returncode == 0, text.stderr[-2000:]
    assert "# drifted: properties.maxDeliveryCount changed by alice@contoso.com via Azure Portal at " in text.stdout
    assert "#   properties.maxDeliveryCount: 10 -> 3" in text.stdout

    # The controller writes both back; its drift events carry the attribution as custom dimensions.
    (tmp_path / "tmp").mkdir()
    with IngestionServer() as ingestion:
        env = controller_env(
            APPLICATIONINSIGHTS_CONNECTION_STRING=(
                f"InstrumentationKey={uuid.uuid4()};IngestionEndpoint=http://127.0.0.1:{ingestion.port}/"
            ),
            TMPDIR=str(tmp_path / "tmp"),
        )
        controller = controllers.start(
            "--env", "dev", "--once", "--emulator-state", str(dev_state), "--health-port", "-1", env=env
        )
        assert controller.wait() == 0, controller.tail()
        events = {e["data"]["baseData"]["properties"]["address"]: e["data"]["baseData"]["properties"]
                  for e in ingestion.of_type("EventData") if e["data"]["baseData"]["name"] == DRIFT_EVENT_NAME}
        posted = b"".join(ingestion.raw_bodies)
    assert events[QUEUE_ADDRESS]["changedBy"] == "alice@contoso.com"
    assert events[QUEUE_ADDRESS]["clientType"] == "Azure Portal"
    assert events[QUEUE_ADDRESS]["attribution"] == "known"
    assert events[sql_address]["changedBy"] == PIPELINE_APP
    assert secret.encode() not in posted

    shown = reconcile("history", QUEUE_ADDRESS, "--env", "dev", "--emulator-state", str(dev_state), cwd=cwd)
    assert shown.returncode == 0, shown.stderr
    assert "changed by alice@contoso.com via Azure Portal" in shown.stdout
    assert "our write (update): applied" in shown.stdout
    assert "properties.maxDeliveryCount: 10 -> 3" in shown.stdout
    overwritten = reconcile("history", QUEUE_ADDRESS, "--env", "dev", "--emulator-state", str(dev_state),
                            "--show", "1", cwd=cwd)
    assert overwritten.returncode == 0, overwritten.stderr
    assert json.loads(overwritten.stdout)["properties"]["maxDeliveryCount"] == 3
    sql_body = reconcile("history", sql_address, "--env", "dev", "--emulator-state", str(dev_state), "--show", "1", cwd=cwd)
    assert json.loads(sql_body.stdout)["tags"]["cost-center"] == "***"  # masked, not dropped: it was there
    bad = reconcile("history", QUEUE_ADDRESS, "--env", "dev", "--emulator-state", str(dev_state), "--show", "9", cwd=cwd)
    assert bad.returncode == 1 and "--show 9" in bad.stderr and "events with one: 1" in bad.stderr

    # Secrets stay out of every file the controller keeps and of what history prints.
    kept = b"".join(p.read_bytes() for p in dev_state.parent.rglob("*.json"))
    for name, value in KNOWN_SECRETS.items():
        for where, data in (("files", kept), ("history", (shown.stdout + sql_body.stdout).encode()),
                            ("logs", "".join(controller.raw).encode())):
            assert value.encode() not in data, f"{name} in {where}"

    # Our own writes are never someone else's drift: a change made with the controller's own
    # identity is not attributed to anybody.
    ours = Person(served, EMULATOR_TOKEN, "azsdk-python-mgmt-servicebus/10.0")
    ours.change(QUEUE_ID, QUEUE_API, lambda b: b["properties"].update(maxDeliveryCount=5))
    again = attribution_of(plan_json(dev_state, cwd), QUEUE_ADDRESS)
    assert again["known"] is False and "no change by another identity" in again["reason"]


def test_denied_or_lagging_change_feed_leaves_the_plan_working(dev_state: Path, served: str) -> None:
    cwd = dev_state.parent
    Person(served, ALICE, PORTAL_AGENT).change(QUEUE_ID, QUEUE_API, lambda b: b["properties"].update(maxDeliveryCount=2))

    denied = attribution_of(
        plan_json(dev_state, cwd, RECONCILER_EMULATOR_CHANGES_FORBIDDEN="resourcegraph,activitylog"), QUEUE_ADDRESS
    )
    assert denied["known"] is False
    assert "not allowed to read Resource Graph (403 AuthorizationFailed)" in denied["reason"]
    assert "not allowed to read the Activity Log (403 AuthorizationFailed)" in denied["reason"]

    lagging = attribution_of(plan_json(dev_state, cwd, RECONCILER_EMULATOR_CHANGES_DELAY_SECONDS="600"), QUEUE_ADDRESS)
    assert lagging["known"] is False and "up to 5 minutes" in lagging["reason"]

    # Resource Graph denied, the Activity Log allowed: the fallback names the caller (no properties).
    fallback = attribution_of(plan_json(dev_state, cwd, RECONCILER_EMULATOR_CHANGES_FORBIDDEN="resourcegraph"),
                              QUEUE_ADDRESS)
    assert fallback["known"] is True and fallback["source"] == "activitylog"
    assert fallback["changed_by"] == "alice@contoso.com" and fallback["properties"] == []

    text = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "--env", "dev", "--dry-run", "--detailed-exitcode",
         "--emulator-state", str(dev_state)],
        cwd=cwd, env=controller_env(RECONCILER_EMULATOR_CHANGES_FORBIDDEN="resourcegraph,activitylog"),
        capture_output=True, text=True, timeout=300,
    )
    assert text.returncode == 2, text.stderr[-2000:]
    assert "# drifted: properties.maxDeliveryCount attribution unknown (not allowed to read Resource Graph" in text.stdout

