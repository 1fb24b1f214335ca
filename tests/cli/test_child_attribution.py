"""Who changed it, when the change was made through a child or a parent: `az network nsg rule create`
(a PUT on `securityRules/NAME`) and `az network nsg rule delete` show as drift of the NSG that
declares its rules inline, but Azure records them under the rule's id, in the Activity Log only
(Resource Graph's change feed does not track child types); a subnet changed by a PUT of its VNet is
recorded under the VNet's id. The plan names the caller, and an unknown attribution says what was
checked. The real CLI and SDK clients; the callers send unsigned JWTs naming them, over the
emulator's HTTP API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator.changes import unsigned_token
from emulator.server import running_server
from reconciler.cli.main import main
from tests.engine.conftest import applied_dev
from tests.estates import copy_state

__all__ = ["applied_dev"]  # a module fixture: the dev estate applied once

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform-dev-wus2/providers"
NSG_APP = f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-platform-app-dev-wus2"
NSG_DATA = f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-platform-data-dev-wus2"
NSG_GATEWAY = f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-platform-gateway-dev-wus2"
VNET = f"{SUB}/Microsoft.Network/virtualNetworks/vnet-platform-dev-wus2"
NETWORK_API = "2024-07-01"
AZ_CLI = "AZURECLI/2.67.0 (PIP) azsdk-python-core/1.31.0 Python/3.12.7"
PORTAL = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Edg/131.0"


def caller(upn: str, oid: str, agent: str) -> dict[str, str]:
    token = unsigned_token({"oid": oid, "upn": upn, "idtyp": "user"})
    return {"Authorization": f"Bearer {token}", "User-Agent": agent}


ALICE = caller("alice@contoso.com", "0a11ce00-0000-4000-8000-000000000001", AZ_CLI)
BOB = caller("bob@contoso.com", "0b0b0000-0000-4000-8000-000000000003", PORTAL)


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE", "RECONCILER_ENV",
                 "RECONCILER_EMULATOR_CHANGES_FORBIDDEN", "RECONCILER_EMULATOR_GRAPH_CHANGES_ALL_TYPES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def state(applied_dev: Path, tmp_path: Path) -> Path:
    return copy_state(applied_dev, tmp_path / "dev.db")


def send(state: Path, method: str, resource_id: str, headers: dict[str, str], body: Any = None) -> Any:
    with running_server(state) as server:
        answer = requests.request(method, f"{server.base_url}{resource_id}", params={"api-version": NETWORK_API},
                                  headers=headers, json=body, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def plan(capsys: pytest.CaptureFixture[str], state: Path, output: str = "json") -> Any:
    code = main(["plan", "--env", "dev", "--emulator-state", str(state), "--output", output])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out) if output == "json" else captured.out


def attribution(document: Any, address: str) -> dict[str, Any]:
    (change,) = [c for c in document["changes"] if c["address"] == address]
    assert change["action"] == "update"
    found: dict[str, Any] = change["attribution"]
    return found


RDP_RULE = {"properties": {
    "priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "Internet",
    "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "3389"}}


def test_az_network_nsg_rule_create_is_attributed_to_its_caller(capsys: pytest.CaptureFixture[str], state: Path) -> None:
    send(state, "PUT", f"{NSG_APP}/securityRules/allow-rdp-debug", ALICE, RDP_RULE)
    found = attribution(plan(capsys, state), "networking.nsg.app")
    assert found["known"] is True, found["reason"]
    assert found["changed_by"] == "alice@contoso.com"
    assert found["operation"] == "microsoft.network/networksecuritygroups/securityrules/write"
    assert found["source"] == "activitylog"  # Resource Graph does not track the rule's type
    assert found["resource_id"] == f"{NSG_APP}/securityRules/allow-rdp-debug"
    text = plan(capsys, state, "text")
    assert "# drifted: properties.securityRules[name=allow-rdp-debug] changed by alice@contoso.com at " in text
    assert " on its child securityRules/allow-rdp-debug\n" in text


def test_az_network_nsg_rule_delete_is_attributed_to_its_caller(capsys: pytest.CaptureFixture[str], state: Path) -> None:
    send(state, "DELETE", f"{NSG_DATA}/securityRules/AllowFunctionsToData", BOB)
    found = attribution(plan(capsys, state), "networking.nsg.data")
    assert found["changed_by"] == "bob@contoso.com"
    assert found["operation"] == "microsoft.network/networksecuritygroups/securityrules/delete"


def test_a_subnet_changed_through_its_vnet_is_attributed_to_that_caller(
    capsys: pytest.CaptureFixture[str], state: Path
) -> None:
    vnet = send(state, "GET", VNET, BOB)
    (subnet,) = [s for s in vnet["properties"]["subnets"] if s["name"] == "snet-app"]
    subnet["properties"]["networkSecurityGroup"] = {"id": NSG_GATEWAY}
    send(state, "PUT", VNET, BOB, vnet)
    found = attribution(plan(capsys, state), "networking.subnet.app")
    assert found["changed_by"] == "bob@contoso.com" and found["client_type"] == "Azure Portal"
    assert found["operation"] == "microsoft.network/virtualnetworks/write"
    assert found["resource_id"] == VNET
    assert " on its parent virtualNetworks/vnet-platform-dev-wus2\n" in plan(capsys, state, "text")


def test_our_own_rewrite_ends_the_search(capsys: pytest.CaptureFixture[str], state: Path) -> None:
    """Once we wrote the NSG back, alice's rule is history: a later drift is not hers."""
    send(state, "PUT", f"{NSG_APP}/securityRules/allow-rdp-debug", ALICE, RDP_RULE)
    assert main(["apply", "--env", "dev", "--emulator-state", str(state), "--auto-approve",
                 "--target-resource", "networking.nsg.app"]) == 0
    nsg = send(state, "GET", NSG_APP, BOB)
    assert not any(r["name"] == "allow-rdp-debug" for r in nsg["properties"]["securityRules"])
    # The same child, changed again: now by bob, and alice's earlier write no longer counts.
    send(state, "PUT", f"{NSG_APP}/securityRules/allow-rdp-debug", BOB, RDP_RULE)
    capsys.readouterr()
    assert attribution(plan(capsys, state), "networking.nsg.app")["changed_by"] == "bob@contoso.com"


def test_an_unknown_attribution_says_what_was_checked(
    capsys: pytest.CaptureFixture[str], state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    send(state, "PUT", f"{NSG_APP}/securityRules/allow-rdp-debug", ALICE, RDP_RULE)
    monkeypatch.setenv("RECONCILER_EMULATOR_CHANGES_FORBIDDEN", "activitylog")
    found = attribution(plan(capsys, state), "networking.nsg.app")
    assert found["known"] is False
    assert found["reason"].startswith(
        "no change by another identity to it or its 1 changed child since our last write (looked up in Resource "
        "Graph); not allowed to read the Activity Log (403 AuthorizationFailed); "
    )
