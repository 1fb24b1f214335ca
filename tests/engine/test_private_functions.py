"""Private function apps (issue 28), applied from empty with the real CLI (once per session:
tests/estates.py) and read back with the real SDK clients from the emulator: on Elastic
Premium (staging, prod) each app is closed to the internet, reached through its private endpoint,
runs from a package in its private, keyless host storage account (no Azure Files
content share, so no connection string anywhere), and the next dry run writes
nothing; on Consumption (dev) the app and its SCM site deny every public caller."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.storage import StorageManagementClient
from azure.mgmt.web import WebSiteManagementClient

from desired_state import build
from desired_state.settings import ZERO_SUBSCRIPTION
from emulator import Emulator, FaultConfig
from emulator.request_log import clear_request_log
from emulator.transport import EmulatorTransport
from reconciler.cli.main import main
from tests.emulator.conftest import FakeCredential
from tests.engine.test_e2e import writes
from tests.estates import AppliedEstates


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.chdir(tmp_path)
    yield


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_function_apps_are_private_and_run_from_a_package_in_keyless_storage(
    env: str, tmp_path: Path, applied_estates: AppliedEstates
) -> None:
    applied = applied_estates[env]  # applied from empty once for the session (tests/estates.py)
    assert applied.exit_code == 0, applied.output
    assert "0 failed, 0 skipped" in applied.output
    state = applied.copy(tmp_path / f"{env}.db")

    desired = build(env)
    group = desired.by_address("core.resource_group").name
    account = desired.by_address("functions.storage").name
    private = env == "staging"
    emulator = Emulator(state, faults=FaultConfig(throttle=False))
    try:
        common = {"credential": FakeCredential(), "transport": EmulatorTransport(emulator), "polling_interval": 0}
        storage = StorageManagementClient(subscription_id=ZERO_SUBSCRIPTION, **common)
        web = WebSiteManagementClient(subscription_id=ZERO_SUBSCRIPTION, **common)
        network = NetworkManagementClient(subscription_id=ZERO_SUBSCRIPTION, **common)
        host = storage.storage_accounts.get_properties(group, account)
        assert host.allow_shared_key_access is False
        assert host.public_network_access == ("Disabled" if private else "Enabled")
        identity = desired.by_address("security.identity.functions").id
        for app in [r for r in desired.resources if r.type == "Microsoft.Web/sites"]:
            site = web.web_apps.get(group, app.name)
            assert site.public_network_access == ("Disabled" if private else "Enabled")
            settings = web.web_apps.list_application_settings(group, app.name).properties
            assert settings["WEBSITE_RUN_FROM_PACKAGE"] == (
                f"https://{account}.blob.core.windows.net/function-packages/{app.name}.zip"
            )
            assert settings["WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"].lower() == identity.lower()
            assert not [name for name in settings if name.startswith("WEBSITE_CONTENT")]
            config = web.web_apps.get_configuration(group, app.name)
            if private:
                endpoint = desired.by_address(app.address.replace("functions.app.", "functions.private_endpoint."))
                live = network.private_endpoints.get(group, endpoint.name)
                (connection,) = live.private_link_service_connections
                assert connection.private_link_service_id.lower() == app.id.lower() and connection.group_ids == ["sites"]
            else:
                # Consumption has no private endpoint: every public caller of the app and of its SCM site is denied.
                assert config.ip_security_restrictions_default_action == "Deny"
                assert config.scm_ip_security_restrictions_use_main is True
        assert [s.name for s in storage.file_shares.list(group, account)] == []
    finally:
        emulator.close()

    clear_request_log(state)
    assert main(["--dry-run", "--detailed-exitcode", "--env", env, "--emulator-state", str(state)]) == 0
    assert writes(state) == []
