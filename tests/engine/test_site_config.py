"""Function apps' settings and siteConfig live in their `sites/config`
resources, as on real Azure: a site GET shows neither (siteConfig fields null,
no appSettings), settings are read with `POST .../config/appsettings/list`,
compared as a map owned wholly, and the estate converges with no perpetual
drift. The real CLI against the emulator; out-of-band changes over ARM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desired_state import build
from tests.engine.test_e2e import reconcile
from tests.reliability.harness import arm_call, emulator_at

WEB = "2025-05-01"
APP = "functions.app.queue_worker"


@pytest.fixture(autouse=True)
def _no_azure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.setenv("RECONCILER_WORK_DIR", str(tmp_path / "work"))


def _site_id() -> str:
    return next(r.id for r in build("dev").resources if r.address == APP)


def test_settings_live_in_config_resources_and_hand_edits_are_undone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "dev.db")
    code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", state)
    assert code == 0, out
    site = _site_id()
    with emulator_at(Path(state)) as emu:
        body = arm_call(emu, "GET", site, WEB).json()
        assert body["properties"]["siteConfig"]["linuxFxVersion"] is None  # as real ARM answers
        assert body["properties"]["siteConfig"]["appSettings"] is None
        settings = arm_call(emu, "POST", f"{site}/config/appsettings/list", WEB).json()["properties"]
        assert settings["FUNCTIONS_WORKER_RUNTIME"] == "python"
        web = arm_call(emu, "GET", f"{site}/config/web", WEB).json()["properties"]
        assert web["linuxFxVersion"] == "Python|3.11"
        # Someone edits the settings in the portal: adds one, changes one.
        changed = {**settings, "ADDED_BY_HAND": "x", "FUNCTIONS_WORKER_RUNTIME": "node"}
        assert arm_call(emu, "PUT", f"{site}/config/appsettings", WEB, {"properties": changed}).status == 200
    code, out, _ = reconcile(capsys, "--dry-run", "--env", "dev", "--output", "json", "--emulator-state", state)
    plan = json.loads(out)
    changes = {c["address"]: c for c in plan["changes"] if c["action"] != "noop"}
    assert set(changes) == {f"{APP}.appsettings"}
    diff = {d["path"]: (d["before"], d["after"]) for d in changes[f"{APP}.appsettings"]["diff"]}
    assert diff == {"properties.ADDED_BY_HAND": ("x", None), "properties.FUNCTIONS_WORKER_RUNTIME": ("node", "python")}
    code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", state)
    assert code == 0, out
    with emulator_at(Path(state)) as emu:
        settings = arm_call(emu, "POST", f"{site}/config/appsettings/list", WEB).json()["properties"]
    assert "ADDED_BY_HAND" not in settings
    assert settings["FUNCTIONS_WORKER_RUNTIME"] == "python"
    code, out, _ = reconcile(capsys, "--dry-run", "--detailed-exitcode", "--env", "dev", "--emulator-state", state)
    assert code == 0, out


def test_a_site_put_with_site_config_writes_the_config_resources(tmp_path: Path) -> None:
    """Real ARM takes `siteConfig` in a site PUT (Microsoft's examples do) and
    applies it to the config resources; a later site PUT with the GET's null
    siteConfig changes nothing."""
    site = _site_id()
    rg = site.split("/providers/")[0]
    with emulator_at(tmp_path / "s.db") as emu:
        assert arm_call(emu, "PUT", rg, "2025-04-01", {"location": "westus2"}).status == 201
        sent = {"location": "westus2", "kind": "functionapp,linux", "properties": {"siteConfig": {
            "linuxFxVersion": "Python|3.11", "appSettings": [{"name": "A", "value": "1"}]}}}
        assert arm_call(emu, "PUT", site, WEB, sent).status in (200, 201)
        got = arm_call(emu, "GET", site, WEB).json()
        assert got["properties"]["siteConfig"]["appSettings"] is None
        assert arm_call(emu, "POST", f"{site}/config/appsettings/list", WEB).json()["properties"] == {"A": "1"}
        got.pop("id"), got.pop("name"), got.pop("type")
        assert arm_call(emu, "PUT", site, WEB, got).status == 200  # read-merge-write of the site
        assert arm_call(emu, "POST", f"{site}/config/appsettings/list", WEB).json()["properties"] == {"A": "1"}
        assert arm_call(emu, "GET", f"{site}/config/web", WEB).json()["properties"]["linuxFxVersion"] == "Python|3.11"


def test_sql_database_create_mode_is_never_returned(tmp_path: Path) -> None:
    rg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1"
    server = f"{rg}/providers/Microsoft.Sql/servers/sqlsrv1"
    with emulator_at(tmp_path / "s.db") as emu:
        assert arm_call(emu, "PUT", rg, "2025-04-01", {"location": "westus2"}).status == 201
        entra_only = {"administrators": {
            "administratorType": "ActiveDirectory", "azureADOnlyAuthentication": True, "principalType": "Application",
            "login": "sqladmin-id", "sid": "00000000-0000-0000-0000-0000000000a1",
            "tenantId": "00000000-0000-0000-0000-0000000000b2"}}
        # A server needs an administrator (the emulator refuses one without, as Azure does): Entra-only.
        assert arm_call(emu, "PUT", server, "2023-08-01", {"location": "westus2", "properties": entra_only}).status < 300
        db = f"{server}/databases/db1"
        put = arm_call(emu, "PUT", db, "2023-08-01", {"location": "westus2", "properties": {"createMode": "Default"}})
        assert put.status in (200, 201, 202), put.body[:200]
        got = arm_call(emu, "GET", db, "2023-08-01").json()
        assert "createMode" not in got["properties"]
