"""One resource inspectable, as `terraform state show` / `az resource show` make it: `reconcile show
ADDRESS [--live]`, `reconcile history --env E --since 24h` across resources, and `reconcile graph
--target-resource ADDRESS [--reverse]` with address labels. The real CLI and SDK clients against
an applied dev estate in the emulator; the drift is a PUT over the emulator's HTTP API by a named
caller, as `az network nsg rule create` sends it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.changes import unsigned_token
from emulator.request_log import clear_request_log, read_request_log
from emulator.server import running_server
from reconciler.cli.main import main
from reconciler.cli.show_command import with_secrets_masked
from reconciler.controller.history import History, document_name, stamp
from reconciler.engine.plan import Change
from reconciler.runtime.documents import FileDocuments
from tests.engine.conftest import applied_dev
from tests.estates import copy_state

__all__ = ["applied_dev"]  # a module fixture: the dev estate applied once

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform-dev-wus2/providers"
NSG = f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-platform-app-dev-wus2"
RULE = f"{NSG}/securityRules/allow-rdp-debug"
NETWORK_API = "2024-07-01"
ALICE = unsigned_token({"oid": "0a11ce00-0000-4000-8000-000000000001", "upn": "alice@contoso.com", "idtyp": "user"})
AZ_CLI = "AZURECLI/2.67.0 (PIP) azsdk-python-core/1.31.0 Python/3.12.7"
RDP_RULE = {"properties": {
    "priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "Internet",
    "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "3389"}}


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE", "RECONCILER_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def state(applied_dev: Path, tmp_path: Path) -> Path:
    return copy_state(applied_dev, tmp_path / "dev.db")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add_rule_as_alice(state: Path) -> None:
    """`az network nsg rule create -g rg-platform-dev-wus2 --nsg-name nsg-platform-app-dev-wus2 -n allow-rdp-debug ...`"""
    with running_server(state) as server:
        answer = requests.put(f"{server.base_url}{RULE}", params={"api-version": NETWORK_API}, json=RDP_RULE,
                              headers={"Authorization": f"Bearer {ALICE}", "User-Agent": AZ_CLI}, timeout=30)
    assert answer.status_code == 201, answer.text


def test_show_address_prints_the_desired_body_and_reads_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "networking.nsg.app", "--env", "dev")
    assert code == 0, err
    assert out.startswith("# networking.nsg.app (Microsoft.Network/networkSecurityGroups)\nid: ")
    assert '"name": "DenyInternetInbound"' in out
    assert "--live reads the live resource" in out
    assert not Path(".reconciler").exists()  # no state opened
    code, out, _ = run(capsys, "show", "networking.nsg.app", "--env", "dev", "--output", "json")
    document = json.loads(out)
    assert document["address"] == "networking.nsg.app" and "live" not in document
    names = [r["name"] for r in document["desired"]["properties"]["securityRules"]]
    assert "DenyInternetInbound" in names


def test_show_masks_secrets_in_the_desired_body(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIRDPARTY_API_KEY", "k3y-that-must-not-show")
    code, out, err = run(capsys, "show", "security.secret.thirdparty_api_key", "--env", "dev", "--output", "json")
    assert code == 0, err
    assert json.loads(out)["desired"]["properties"]["value"] == "(sensitive)"
    assert "k3y-that-must-not-show" not in out + err


def test_show_live_reads_by_id_and_shows_the_diff_and_who(capsys: pytest.CaptureFixture[str], state: Path) -> None:
    add_rule_as_alice(state)
    clear_request_log(state)
    code, out, err = run(capsys, "show", "networking.nsg.app", "--live", "--env", "dev", "--emulator-state", str(state),
                         "--detailed-exitcode")
    assert code == 2, err
    assert "\nlive (read now, by id):\n" in out and '"name": "allow-rdp-debug"' in out
    diff = out[out.index("diff (what `reconcile plan` would do):"):]
    assert "      - properties.securityRules[name=allow-rdp-debug]\n" in diff
    assert '          - properties.destinationPortRange = "3389"\n' in diff
    assert "changed by alice@contoso.com" in diff and "on its child securityRules/allow-rdp-debug" in diff
    # Read by id: the NSG and what it depends on, and the two change records; no listing of the estate.
    reads = {r.path.lower() for r in read_request_log(state)}
    assert NSG.lower() in reads
    assert not any(p.endswith("/resources") and "/resourcegroups/" in p for p in reads)
    assert reads == {NSG.lower(), "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-platform-dev-wus2",
                     "/providers/microsoft.resourcegraph/resources",
                     "/subscriptions/00000000-0000-0000-0000-000000000000/providers/microsoft.insights/eventtypes/management/values"}


def test_show_live_json(capsys: pytest.CaptureFixture[str], state: Path) -> None:
    add_rule_as_alice(state)
    code, out, err = run(capsys, "show", "networking.nsg.app", "--live", "--env", "dev", "--emulator-state", str(state),
                         "--output", "json")
    assert code == 0, err
    assert err.startswith("Target: local ARM emulator (embedded)")  # stdout is the JSON alone
    document = json.loads(out)
    assert document["action"] == "update"
    assert any(r["name"] == "allow-rdp-debug" for r in document["live"]["properties"]["securityRules"])
    assert document["diff"] == [{"path": "properties.securityRules[name=allow-rdp-debug]",
                                 "before": next(r for r in document["live"]["properties"]["securityRules"]
                                                if r["name"] == "allow-rdp-debug"),
                                 "after": None}]
    assert document["attribution"]["changed_by"] == "alice@contoso.com"


def test_show_live_of_a_resource_in_sync(capsys: pytest.CaptureFixture[str], state: Path) -> None:
    code, out, err = run(capsys, "show", "core.resource_group", "--live", "--env", "dev", "--emulator-state", str(state),
                         "--detailed-exitcode")
    assert code == 0, err
    assert out.rstrip().endswith("In sync: the live resource satisfies the desired state.")


def test_show_live_needs_an_address(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "--live", "--env", "dev")
    assert code == 1 and "--live and --detailed-exitcode show one resource: pass its ADDRESS" in err


def record(history: History, address: str, outcome: str, at: datetime | None = None) -> None:
    """Our write of `address`, as the controller records it; stamped `at` when given (an older event)."""
    history.record_write(Change(address=address, id=f"{SUB}/x/{address}", type="X.Y/z", action="update"), outcome)
    if at is not None:
        def back(current: Any) -> Any:
            return {**current, "events": [*current["events"][:-1], {**current["events"][-1], "at": stamp(at)}]}

        history.documents.update(document_name("dev", address), back)


def test_history_since_lists_every_resource(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    Path("s.db").touch()  # an empty state file: the work directory the controller keeps its history in
    history = History(FileDocuments(tmp_path), "dev")
    record(history, "networking.nsg.app", "applied")
    record(history, "messaging.queue.orders", "failed: 409 Conflict")
    record(history, "core.resource_group", "applied", at=datetime.now(UTC) - timedelta(days=3))
    code, out, err = run(capsys, "history", "--env", "dev", "--since", "24h", "--emulator-state", "s.db")
    assert code == 0, err
    assert out.startswith("History of dev since 24h (newest first):\n")
    assert re.search(r"  #1 \S+Z networking\.nsg\.app our write \(update\): applied", out)
    assert re.search(r"  #1 \S+Z messaging\.queue\.orders our write \(update\): failed: 409 Conflict", out)
    assert "core.resource_group" not in out
    code, out, _ = run(capsys, "history", "--env", "dev", "--since", "7d", "--emulator-state", "s.db", "--output", "json")
    events = json.loads(out)["events"]
    assert [e["address"] for e in events][-1] == "core.resource_group"  # newest first
    assert {e["address"] for e in events} == {"networking.nsg.app", "messaging.queue.orders", "core.resource_group"}
    code, out, _ = run(capsys, "history", "core.resource_group", "--env", "dev", "--since", "1h", "--emulator-state", "s.db")
    assert "No history for core.resource_group yet" in out


def test_history_since_needs_a_when(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "history", "--env", "dev")
    assert code == 1 and "without an ADDRESS, pass --since WHEN (e.g. --since 24h)" in err
    code, _, err = run(capsys, "history", "--env", "dev", "--since", "yesterday")
    assert code == 1 and "--since 'yesterday': not a duration or a time; use e.g. 30m, 24h, 7d" in err


def mermaid_nodes(text: str) -> set[str]:
    return set(re.findall(r'^    (\w+)\["', text, flags=re.MULTILINE))


def test_graph_around_one_resource_with_address_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "graph", "--env", "dev", "--target-resource", "networking.subnet.app")
    assert code == 0, err
    nodes = mermaid_nodes(out)
    assert {"networking_subnet_app", "networking_vnet", "networking_nsg_app", "core_resource_group"} <= nodes
    assert not any(n.startswith(("messaging", "gateway")) for n in nodes)
    assert "  networking_nsg_app --> networking_subnet_app" in out
    assert not re.search(r"\bn\d+\b", out)  # no opaque n36 --> n38
    code, out, _ = run(capsys, "graph", "--env", "dev", "--target-resource", "networking.nsg.app", "--reverse",
                       "--format", "dot")
    assert '  "networking.nsg.app" -> "networking.subnet.app";' in out
    assert '"core.resource_group"' not in out  # what the NSG depends on is not what depends on it


def test_graph_reverse_needs_a_target(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "graph", "--reverse")
    assert code == 1 and "--reverse turns --target-resource around" in err


def test_secret_paths_are_masked_in_both_bodies_and_not_invented_in_the_live_one() -> None:
    desired = with_secrets_masked({"properties": {"contentType": "text/plain"}}, ["properties.value"], desired=True)
    assert desired == {"properties": {"contentType": "text/plain", "value": "(sensitive)"}}
    returned = {"properties": {"value": "s3cr3t", "attributes": {"enabled": True}}}
    assert with_secrets_masked(returned, ["properties.value"], desired=False) == {
        "properties": {"value": "(sensitive)", "attributes": {"enabled": True}}}
    assert returned["properties"]["value"] == "s3cr3t"  # a copy: the body read is not changed
    not_returned = {"properties": {"attributes": {"enabled": True}}}  # Key Vault never returns a secret's value
    assert with_secrets_masked(not_returned, ["properties.value", "x.y.z"], desired=False) == not_returned
