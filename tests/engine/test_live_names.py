"""Names known after apply (reconciler/engine/live_names.py): the private DNS zone of an
internal Container Apps environment is named after the environment's generated
default domain. From empty the plan shows the name as known after apply; apply
creates the zone under the real name (after the environment); the next dry run
resolves that name, reads the zone and plans nothing. Real CLI and SDK clients
against the embedded emulator."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.privatedns import PrivateDnsManagementClient

from desired_state import build
from desired_state.settings import ZERO_SUBSCRIPTION
from emulator import Emulator, FaultConfig
from emulator.request_log import clear_request_log
from emulator.transport import EmulatorTransport
from reconciler.cli.main import main
from reconciler.engine.plan import KNOWN_AFTER_APPLY
from tests.emulator.conftest import FakeCredential
from tests.engine.test_e2e import writes

ZONE, RECORD, LINK = "microservices.dns.zone", "microservices.dns.record.wildcard", "microservices.dns.link"
PRIVATE = ("staging", "prod")


pytestmark = pytest.mark.usefixtures("cli_isolated")  # tests/engine/conftest.py


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def dry_run_json(capsys: pytest.CaptureFixture[str], env: str, state: Path) -> dict[str, dict[str, Any]]:
    code, out = run(capsys, "--dry-run", "--env", env, "--output", "json", "--emulator-state", str(state))
    assert code == 0, out
    return {c["address"]: c for c in json.loads(out)["changes"]}


class Live:
    """Reads over real SDK clients on the emulator's state file."""

    def __init__(self, state: Path) -> None:
        self.emulator = Emulator(state, faults=FaultConfig(throttle=False))
        common: dict[str, Any] = {
            "credential": FakeCredential(), "transport": EmulatorTransport(self.emulator), "polling_interval": 0,
        }
        self.apps = ContainerAppsAPIClient(subscription_id=ZERO_SUBSCRIPTION, **common)
        self.dns = PrivateDnsManagementClient(subscription_id=ZERO_SUBSCRIPTION, **common)


@pytest.fixture
def live_of() -> Iterator[Any]:
    opened: list[Live] = []

    def open_(state: Path) -> Live:
        opened.append(Live(state))
        return opened[-1]

    yield open_
    for live in opened:
        live.emulator.close()


@pytest.mark.parametrize("env", PRIVATE)
def test_zone_named_after_the_default_domain_is_known_after_apply_then_created_and_stable(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], live_of: Any
) -> None:
    state = tmp_path / f"{env}.db"
    before = dry_run_json(capsys, env, state)
    assert before[ZONE]["action"] == "create"
    assert before[ZONE]["id"].endswith(f"/providers/Microsoft.Network/privateDnsZones/{KNOWN_AFTER_APPLY}")
    assert before[RECORD]["id"].endswith(f"/privateDnsZones/{KNOWN_AFTER_APPLY}/A/*")
    assert before[LINK]["id"].endswith(f"/privateDnsZones/{KNOWN_AFTER_APPLY}/virtualNetworkLinks/link-vnet-platform-{env}-wus2")
    assert {"path": "properties.aRecords[0].ipv4Address", "before": None, "after": KNOWN_AFTER_APPLY} in before[RECORD]["diff"]
    code, text = run(capsys, "--dry-run", "--env", env, "--emulator-state", str(state))
    assert f"privateDnsZones/{KNOWN_AFTER_APPLY}/A/*" in text

    code, out = run(capsys, "--yes", "--env", env, "--emulator-state", str(state))
    assert code == 0, out
    assert "0 failed, 0 skipped" in out

    live = live_of(state)
    desired = build(env)
    cae = desired.by_address("microservices.environment")
    environment = live.apps.managed_environments.get(cae.resource_group, cae.name)
    assert environment.vnet_configuration.internal is True
    domain, ip = environment.default_domain, environment.static_ip
    assert domain.endswith(".westus2.azurecontainerapps.io") and domain != f"{cae.name}.k4apps.io"
    # An internal environment's load balancer takes an address of its infrastructure subnet.
    assert ipaddress.ip_address(ip) in ipaddress.ip_network(desired.by_address("networking.subnet.app").body["properties"]["addressPrefix"])
    zone = live.dns.private_zones.get(cae.resource_group, domain)
    assert zone.name == domain and zone.tags["reconciler-environment"] == env
    record = live.dns.record_sets.get(cae.resource_group, domain, "A", "*")
    assert [a.ipv4_address for a in record.a_records] == [ip]
    link = live.dns.virtual_network_links.get(cae.resource_group, domain, f"link-vnet-platform-{env}-wus2")
    assert link.virtual_network.id == desired.by_address("networking.vnet").id
    live.emulator.close()

    clear_request_log(state)
    after = dry_run_json(capsys, env, state)
    assert after[ZONE]["id"] == f"{desired.by_address('core.resource_group').id}/providers/Microsoft.Network/privateDnsZones/{domain}"
    assert after[RECORD]["id"] == f"{after[ZONE]['id']}/A/*"
    assert {c["action"] for c in after.values()} == {"noop"}
    code, out = run(capsys, "--dry-run", "--detailed-exitcode", "--env", env, "--emulator-state", str(state))
    assert code == 0, out
    assert writes(state) == []


@pytest.mark.parametrize("env", ["dev", "qa", "staging", "prod"])
def test_show_lists_the_default_domain_zone_where_the_environment_is_internal(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "show", "--env", env)
    assert code == 0
    for address, arm_type in ((ZONE, "privateDnsZones"), (RECORD, "privateDnsZones/A"), (LINK, "privateDnsZones/virtualNetworkLinks")):
        # Every environment is internal since issue 28 (the services are reached over the VNet only).
        assert f"  {address}  (Microsoft.Network/{arm_type})" in out


def test_a_saved_plan_from_empty_applies_the_zone_under_its_real_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "staging.db"
    code, out = run(capsys, "--dry-run", "--env", "staging", "--emulator-state", str(state), "--out", "plan.json")
    assert code == 0, out
    saved = {c["address"]: c for c in json.loads((tmp_path / "plan.json").read_text())["changes"]}
    assert saved[ZONE]["id"].endswith(f"/privateDnsZones/{KNOWN_AFTER_APPLY}")
    code, out = run(capsys, "apply", "plan.json", "--emulator-state", str(state))
    assert code == 0, out
    assert "0 failed (0 stale), 0 skipped" in out
    after = dry_run_json(capsys, "staging", state)
    assert after[ZONE]["action"] == "noop" and after[ZONE]["id"].endswith(".westus2.azurecontainerapps.io")


def test_a_zone_deleted_out_of_band_is_planned_under_its_real_name_and_recreated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], live_of: Any
) -> None:
    state = tmp_path / "staging.db"
    code, out = run(capsys, "--yes", "--env", "staging", "--emulator-state", str(state))
    assert code == 0, out
    live = live_of(state)
    cae = build("staging").by_address("microservices.environment")
    domain = live.apps.managed_environments.get(cae.resource_group, cae.name).default_domain
    live.dns.private_zones.begin_delete(cae.resource_group, domain).result()
    live.emulator.close()

    plan = dry_run_json(capsys, "staging", state)
    # The source is live, so the name is known: the zone is a create under its real name.
    assert plan[ZONE]["action"] == "create" and plan[ZONE]["id"].endswith(f"/privateDnsZones/{domain}")
    assert KNOWN_AFTER_APPLY not in json.dumps(plan[ZONE])
    code, out = run(capsys, "--yes", "--env", "staging", "--emulator-state", str(state))
    assert code == 0, out
    clear_request_log(state)
    code, out = run(capsys, "--dry-run", "--detailed-exitcode", "--env", "staging", "--emulator-state", str(state))
    assert code == 0, out
    assert writes(state) == []


def test_a_saved_plan_changing_only_a_child_of_the_zone_writes_it_under_the_real_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], live_of: Any
) -> None:
    state = tmp_path / "staging.db"
    code, out = run(capsys, "--yes", "--env", "staging", "--emulator-state", str(state))
    assert code == 0, out
    live = live_of(state)
    desired = build("staging")
    cae = desired.by_address("microservices.environment")
    domain = live.apps.managed_environments.get(cae.resource_group, cae.name).default_domain
    link_name = "link-vnet-platform-staging-wus2"
    link = live.dns.virtual_network_links.get(cae.resource_group, domain, link_name)
    link.registration_enabled = True  # someone turned on auto-registration by hand
    live.dns.virtual_network_links.begin_create_or_update(cae.resource_group, domain, link_name, link).result()
    live.emulator.close()

    code, out = run(capsys, "--dry-run", "--env", "staging", "--emulator-state", str(state), "--out", "plan.json")
    assert code == 0, out
    saved = [c for c in json.loads((tmp_path / "plan.json").read_text())["changes"] if c["action"] != "noop"]
    # The link's dependencies are the zone and the VNet: the environment naming the zone is not among them.
    assert [(c["address"], c["id"].endswith(f"/privateDnsZones/{domain}/virtualNetworkLinks/{link_name}")) for c in saved] == [
        (LINK, True)
    ]
    code, out = run(capsys, "apply", "plan.json", "--emulator-state", str(state))
    assert code == 0, out
    assert "Apply complete: 1 applied, 0 failed (0 stale), 0 skipped." in out
    assert dry_run_json(capsys, "staging", state)[LINK]["action"] == "noop"
