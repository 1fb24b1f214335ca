"""Elastic Premium content share (staging, prod), applied from empty with the
real CLI and read back with the real SDK clients from the emulator: each app's
Azure Files share exists before the app, its settings name it and take the
connection string from Key Vault, the value is never printed, and the next dry
run writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.mgmt.storage import StorageManagementClient
from azure.mgmt.web import WebSiteManagementClient

from desired_state import build
from desired_state.settings import ZERO_SUBSCRIPTION, get_secrets
from emulator import Emulator, FaultConfig
from emulator.request_log import clear_request_log
from emulator.transport import EmulatorTransport
from reconciler.cli.main import main
from tests.emulator.conftest import FakeCredential
from tests.engine.test_e2e import writes

CONNECTION = "DefaultEndpointsProtocol=https;AccountName=stcontent;AccountKey=c2hvdWxkLW5ldmVyLWJlLXByaW50ZWQ="


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.setenv("FUNCTIONS_CONTENT_CONNECTION_STRING", CONNECTION)
    monkeypatch.chdir(tmp_path)
    # The process reads its secrets once (get_secrets); this test's secret must not outlive it.
    get_secrets.cache_clear()
    yield
    get_secrets.cache_clear()


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_each_elastic_premium_app_gets_its_share_and_a_key_vault_reference(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / f"{env}.db"
    assert main(["--dry-run", "--env", env, "--output", "json", "--emulator-state", str(state)]) == 0
    planned = capsys.readouterr().out
    assert main(["--yes", "--env", env, "--emulator-state", str(state)]) == 0
    applied = capsys.readouterr().out
    assert "0 failed, 0 skipped" in applied
    assert CONNECTION not in planned + applied
    secret = next(c for c in json.loads(planned)["changes"] if c["address"] == "security.secret.functions_content_connection")
    assert {"path": "properties.value", "before": None, "after": "(sensitive)"} in secret["diff"]

    desired = build(env)
    group = desired.by_address("core.resource_group").name
    account = desired.by_address("functions.storage").name
    emulator = Emulator(state, faults=FaultConfig(throttle=False))
    try:
        common = {"credential": FakeCredential(), "transport": EmulatorTransport(emulator), "polling_interval": 0}
        storage = StorageManagementClient(subscription_id=ZERO_SUBSCRIPTION, **common)
        web = WebSiteManagementClient(subscription_id=ZERO_SUBSCRIPTION, **common)
        vault = desired.by_address("security.key_vault").name
        for app in [r for r in desired.resources if r.type == "Microsoft.Web/sites"]:
            assert storage.file_shares.get(group, account, app.name).name == app.name
            settings = web.web_apps.list_application_settings(group, app.name).properties
            assert settings["WEBSITE_CONTENTSHARE"] == app.name
            assert settings["WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"] == (
                f"@Microsoft.KeyVault(SecretUri=https://{vault}.vault.azure.net/secrets/functions-content-connection/)"
            )
            assert settings["WEBSITE_SKIP_CONTENTSHARE_VALIDATION"] == "1"
    finally:
        emulator.close()

    clear_request_log(state)
    assert main(["--dry-run", "--detailed-exitcode", "--env", env, "--emulator-state", str(state)]) == 0
    assert CONNECTION not in capsys.readouterr().out
    assert writes(state) == []
