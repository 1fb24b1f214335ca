"""The reconcile engine end to end: the real CLI, desired state, adapters and
SDK clients against the emulator; out-of-band changes made over the
emulator's HTTP API, as someone in the portal would."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from desired_state import build
from desired_state.settings import AppSecrets
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.request_log import clear_request_log, read_request_log
from emulator.server import running_server
from reconciler.cli.main import main
from tests.estates import AppliedEstates, copy_state

ROOT = Path(__file__).resolve().parents[2]
WRITES = {"PUT", "PATCH", "DELETE", "POST"}


def reconcile(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def writes(state: Path) -> list[str]:
    """Requests that change something: a `POST .../list` is a read (App Service
    settings are read only that way), every other non-GET is a write."""
    return [
        f"{r.method} {r.path}" for r in read_request_log(state)
        if r.method in WRITES and not (r.method == "POST" and r.path.rstrip("/").endswith("/list"))
    ]


pytestmark = pytest.mark.usefixtures("cli_isolated")  # tests/engine/conftest.py


@pytest.fixture
def dev_state(applied_dev: Path, tmp_path: Path) -> Path:
    return copy_state(applied_dev, tmp_path / "dev.db")


class Portal:
    """Out-of-band changes over the emulator's HTTP API."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.headers = {"Authorization": "Bearer portal-user", "Content-Type": "application/json"}

    def _url(self, rid: str, arm_type: str) -> str:
        version = sorted(KNOWN_API_VERSIONS.get(arm_type.lower(), {"2024-01-01"}))[-1]
        return f"{self.base}{rid}?api-version={version}"

    def get(self, rid: str, arm_type: str) -> dict[str, Any]:
        r = requests.get(self._url(rid, arm_type), headers=self.headers, timeout=10)
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    def put(self, rid: str, arm_type: str, body: dict[str, Any]) -> None:
        r = requests.put(self._url(rid, arm_type), headers=self.headers, data=json.dumps(body), timeout=10)
        assert r.status_code in (200, 201, 202), r.text

    def delete(self, rid: str, arm_type: str) -> None:
        r = requests.delete(self._url(rid, arm_type), headers=self.headers, timeout=10)
        assert r.status_code in (200, 202, 204), r.text


@pytest.fixture
def portal(dev_state: Path) -> Iterator[Portal]:
    with running_server(dev_state) as server:
        yield Portal(server.base_url)


def resource(address: str, env: str = "dev") -> Any:
    return build(env).by_address(address)


def plan_json(capsys: pytest.CaptureFixture[str], state: Path, env: str = "dev") -> dict[str, Any]:
    code, out, _ = reconcile(capsys, "--dry-run", "--env", env, "--output", "json", "--emulator-state", str(state))
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    return document


def changes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["address"]: c for c in document["changes"] if c["action"] != "noop"}


@pytest.mark.parametrize("env", ["dev", "qa", "staging", "prod"])
def test_apply_from_empty_converges_and_the_next_dry_run_writes_nothing(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], applied_estates: AppliedEstates
) -> None:
    # `reconcile --yes --env ENV` from empty, run once for the session (tests/estates.py)
    applied = applied_estates[env]
    code, out = applied.exit_code, applied.output
    assert code == 0, out
    created = len(build(env).resources)
    assert f"Apply complete: {created} applied, 0 failed, 0 skipped." in out
    state = applied.copy(tmp_path / f"{env}.db")
    code, out, _ = reconcile(capsys, "--dry-run", "--detailed-exitcode", "--env", env, "--emulator-state", str(state))
    assert code == 0, out
    assert f"No changes. {env} matches the desired state ({created} resources)." in out
    assert writes(state) == []


def test_a_changed_property_is_planned_as_an_update_with_its_path_and_fixed(
    dev_state: Path, portal: Portal, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = resource("messaging.queue.orders")
    live = portal.get(queue.id, queue.type)
    desired = queue.body["properties"]["maxDeliveryCount"]
    live["properties"]["maxDeliveryCount"] = desired + 7
    portal.put(queue.id, queue.type, live)

    plan = changes(plan_json(capsys, dev_state))
    assert list(plan) == ["messaging.queue.orders"]
    assert plan["messaging.queue.orders"]["action"] == "update"
    assert plan["messaging.queue.orders"]["diff"] == [
        {"path": "properties.maxDeliveryCount", "before": desired + 7, "after": desired}
    ]
    assert_fixed(capsys, dev_state, portal_writes=1)
    assert portal.get(queue.id, queue.type)["properties"]["maxDeliveryCount"] == desired


def test_a_deleted_resource_is_planned_as_a_create_and_recreated(
    dev_state: Path, portal: Portal, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = resource("security.identity.functions")
    portal.delete(identity.id, identity.type)
    plan = changes(plan_json(capsys, dev_state))
    assert plan["security.identity.functions"]["action"] == "create"
    assert_fixed(capsys, dev_state)


def test_a_changed_tag_is_planned_with_its_path_and_fixed(
    dev_state: Path, portal: Portal, capsys: pytest.CaptureFixture[str]
) -> None:
    vnet = resource("networking.vnet")
    live = portal.get(vnet.id, vnet.type)
    live["tags"]["environment"] = "prod"
    live["tags"]["added-by-hand"] = "yes"
    portal.put(vnet.id, vnet.type, live)
    plan = changes(plan_json(capsys, dev_state))
    assert list(plan) == ["networking.vnet"]
    diff = {d["path"]: (d["before"], d["after"]) for d in plan["networking.vnet"]["diff"]}
    assert diff == {"tags.environment": ("prod", "dev"), "tags.added-by-hand": ("yes", None)}
    assert_fixed(capsys, dev_state)
    # The VNet update kept the subnets that are managed as their own resources.
    assert len(portal.get(vnet.id, vnet.type)["properties"]["subnets"]) == 6


def test_an_nsg_rule_added_in_the_portal_is_removed(
    dev_state: Path, portal: Portal, capsys: pytest.CaptureFixture[str]
) -> None:
    nsg = resource("networking.nsg.data")
    live = portal.get(nsg.id, nsg.type)
    live["properties"]["securityRules"].append(
        {
            "name": "allow-rdp-from-anywhere",
            "properties": {
                "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourceAddressPrefix": "*", "sourcePortRange": "*",
                "destinationAddressPrefix": "*", "destinationPortRange": "3389",
            },
        }
    )
    portal.put(nsg.id, nsg.type, live)
    plan = changes(plan_json(capsys, dev_state))
    assert list(plan) == ["networking.nsg.data"]
    paths = [d["path"] for d in plan["networking.nsg.data"]["diff"]]
    assert paths and all("allow-rdp-from-anywhere" in p for p in paths)
    assert_fixed(capsys, dev_state)
    names = [r["name"] for r in portal.get(nsg.id, nsg.type)["properties"]["securityRules"]]
    assert "allow-rdp-from-anywhere" not in names


def test_a_deleted_queue_is_recreated(dev_state: Path, portal: Portal, capsys: pytest.CaptureFixture[str]) -> None:
    queue = resource("messaging.queue.etl")
    portal.delete(queue.id, queue.type)
    plan = changes(plan_json(capsys, dev_state))
    assert list(plan) == ["messaging.queue.etl"]
    assert plan["messaging.queue.etl"]["action"] == "create"
    assert_fixed(capsys, dev_state, portal_writes=1)


def assert_fixed(capsys: pytest.CaptureFixture[str], state: Path, portal_writes: int | None = None) -> None:
    clear_request_log(state)
    code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", str(state))
    assert code == 0, out
    if portal_writes is not None:
        assert len([w for w in writes(state) if w.startswith("PUT")]) == portal_writes, writes(state)
    code, out, _ = reconcile(capsys, "--dry-run", "--detailed-exitcode", "--env", "dev", "--emulator-state", str(state))
    assert code == 0, out


def test_a_resource_we_do_not_own_is_never_touched_by_apply_or_prune(
    dev_state: Path, portal: Portal, capsys: pytest.CaptureFixture[str]
) -> None:
    vnet = resource("networking.vnet")
    group = vnet.id.split("/providers/")[0]
    foreign_ip = f"{group}/providers/Microsoft.Network/publicIPAddresses/pip-someone-else"
    portal.put(foreign_ip, "Microsoft.Network/publicIPAddresses",
               {"location": "westus2", "tags": {"owner": "another-team"}, "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static"}})
    # A desired resource that someone else created first, without our tags.
    identity = resource("security.identity.datafactory")
    portal.delete(identity.id, identity.type)
    portal.put(identity.id, identity.type, {"location": "westus2", "tags": {"owner": "another-team"}})
    before = portal.get(identity.id, identity.type)

    clear_request_log(state := dev_state)
    code, out, _ = reconcile(capsys, "--yes", "--prune", "--allow-data-loss", "--env", "dev",
                             "--emulator-state", str(state))
    assert code == 0, out
    assert "security.identity.datafactory" in out and "--adopt security.identity.datafactory" in out
    touched = [w for w in writes(state) if "pip-someone-else" in w.lower() or identity.name.lower() in w.lower()]
    assert touched == []
    assert portal.get(foreign_ip, "Microsoft.Network/publicIPAddresses")["tags"] == {"owner": "another-team"}
    assert portal.get(identity.id, identity.type)["tags"] == before["tags"]

    # Adopting is explicit: with --adopt the identity gets our tags.
    code, out, _ = reconcile(capsys, "--yes", "--adopt", "security.identity.datafactory", "--env", "dev",
                             "--emulator-state", str(state))
    assert code == 0, out
    assert portal.get(identity.id, identity.type)["tags"]["managed-by"] == "azure-reconciler"


def test_pruning_needs_its_flag_and_data_holding_types_need_another(
    dev_state: Path, portal: Portal, capsys: pytest.CaptureFixture[str]
) -> None:
    vnet = resource("networking.vnet")
    group = vnet.id.split("/providers/")[0]
    tags = dict(vnet.body["tags"])
    stray_ip = f"{group}/providers/Microsoft.Network/publicIPAddresses/pip-no-longer-desired"
    stray_sa = f"{group}/providers/Microsoft.Storage/storageAccounts/stnolongerdesired"
    portal.put(stray_ip, "Microsoft.Network/publicIPAddresses",
               {"location": "westus2", "tags": tags, "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static"}})
    portal.put(stray_sa, "Microsoft.Storage/storageAccounts",
               {"location": "westus2", "tags": tags, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}})

    plan = changes(plan_json(capsys, dev_state))
    assert plan[f"pruned:{stray_ip}"]["action"] == "delete"
    assert "--prune" in plan[f"pruned:{stray_ip}"]["blocked"]

    code, out, _ = reconcile(capsys, "--yes", "--prune", "--env", "dev", "--emulator-state", str(dev_state))
    assert code == 0, out
    assert requests.get(portal._url(stray_ip, "Microsoft.Network/publicIPAddresses"),
                        headers=portal.headers, timeout=10).status_code == 404
    sa = requests.get(portal._url(stray_sa, "Microsoft.Storage/storageAccounts"), headers=portal.headers, timeout=10)
    assert sa.status_code == 200, "a storage account needs --allow-data-loss as well"

    code, out, _ = reconcile(capsys, "--yes", "--prune", "--allow-data-loss", "--env", "dev",
                             "--emulator-state", str(dev_state))
    assert code == 0, out
    sa = requests.get(portal._url(stray_sa, "Microsoft.Storage/storageAccounts"), headers=portal.headers, timeout=10)
    assert sa.status_code == 404


def test_an_lro_failure_skips_only_dependents_and_a_second_run_completes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "dev.db"
    sb_name = resource("messaging.namespace").name
    monkeypatch.setenv("RECONCILER_EMULATOR_LRO_FAIL_NAMES", sb_name)
    code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", str(state))
    assert code == 1
    failed_line = next(line for line in out.splitlines() if line.startswith("  ! messaging.namespace:"))
    assert failed_line.endswith("[transient; retryable]"), failed_line  # an LRO that ended Failed twice
    assert "- messaging.queue.orders: skipped (depends on messaging.namespace) [dependency-failed]" in out
    independent = resource("networking.vnet")
    assert "networking.vnet" not in out.split("Apply complete")[1]  # neither failed nor skipped
    summary = next(line for line in out.splitlines() if line.startswith("Apply complete"))
    applied, failed, skipped = (int(x.split()[0]) for x in summary.removeprefix("Apply complete: ").split(", "))
    assert failed == 1 and skipped >= 5 and applied + failed + skipped == len(build("dev").resources)
    assert independent.id

    monkeypatch.delenv("RECONCILER_EMULATOR_LRO_FAIL_NAMES")
    code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--emulator-state", str(state))
    assert code == 0, out
    assert f"Apply complete: {failed + skipped} applied, 0 failed, 0 skipped." in out
    code, out, _ = reconcile(capsys, "--dry-run", "--detailed-exitcode", "--env", "dev", "--emulator-state", str(state))
    assert code == 0, out


def test_target_resource_reconciles_a_part_of_the_graph_with_its_dependencies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "dev.db"
    code, out, _ = reconcile(capsys, "--yes", "--env", "dev", "--target-resource", "messaging.queue.orders",
                             "--emulator-state", str(state))
    assert code == 0, out
    # the queue, its namespace, and the namespace's resource group
    assert "Apply complete: 3 applied, 0 failed, 0 skipped." in out


def test_a_real_plan_validates_against_the_documented_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = json.loads((ROOT / "docs" / "plan-schema.json").read_text(encoding="utf-8"))
    document = plan_json(capsys, tmp_path / "empty.db", env="prod")
    jsonschema.validate(document, schema)
    assert document["target"] == "emulator" and document["environment"] == "prod"
    assert document["summary"]["create"] == len(build("prod").resources)


def test_secrets_never_appear_in_plans_logs_or_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    password = f"Key-{uuid.uuid4().hex}!"
    monkeypatch.setenv("THIRDPARTY_API_KEY", password)
    state = tmp_path / "dev.db"
    outputs = []
    for argv in (
        ["--dry-run", "--env", "dev"],
        ["--dry-run", "--env", "dev", "--output", "json"],
        ["--yes", "--env", "dev", "--log-level", "DEBUG", "--log-format", "json"],
        ["--dry-run", "--env", "dev", "--log-level", "DEBUG"],
    ):
        code, out, err = reconcile(capsys, *argv, "--emulator-state", str(state))
        assert code == 0, out + err
        outputs.append(out + err)
    monkeypatch.setenv("THIRDPARTY_API_KEY", password + "-rotated")
    code, out, err = reconcile(capsys, "--dry-run", "--env", "dev", "--output", "json", "--emulator-state", str(state))
    outputs.append(out + err)
    rotated = changes(json.loads(out))
    # The rotated Key Vault secret is detected through its fingerprint, not its value.
    assert rotated["security.secret.thirdparty_api_key"]["action"] == "update"
    assert [d["path"] for d in rotated["security.secret.thirdparty_api_key"]["diff"]] == ["tags.reconciler-secret-fp"]
    for text in outputs:
        assert password not in text
    # ...and the emulator never stored it where a GET would return it.
    secret = build("dev", secrets=AppSecrets(_env_file=None)).by_address("security.secret.thirdparty_api_key")
    with running_server(state) as server:
        assert password not in json.dumps(Portal(server.base_url).get(secret.id, secret.type))


def test_apply_without_a_terminal_and_without_yes_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "dev.db"
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = reconcile(capsys, "--env", "dev", "--emulator-state", str(state))
    assert code == 1
    assert err.startswith("reconcile: error: refusing to apply without confirmation")
    assert not state.exists()
