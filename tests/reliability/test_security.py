"""Security: no secret in anything a run emits; the emulator listens on
loopback only; foreign resources are never touched; prod destruction needs
its flags."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.request_log import clear_request_log, read_request_log
from reconciler.engine.safety import SafetyPolicy
from tests.reliability.bad_inputs import clean_environment
from tests.reliability.harness import (
    CLEAN,
    WRITE_METHODS,
    arm_call,
    copy_state,
    emulator_at,
    is_read_action,
    latest_api_version,
    run_once,
    stored_bodies,
)
from tests.reliability.secrets_scan import collect

SUB = "00000000-0000-0000-0000-000000000000"
EVERYTHING_ALLOWED = SafetyPolicy(allow_replace=True, prune=True, allow_data_loss=True, allow_prod_destroy=True)


# -- secrets --------------------------------------------------------------------------------------


def test_no_secret_in_any_output_of_a_full_set_of_runs(tmp_path: Path) -> None:
    collected, secrets = collect(tmp_path / "work")
    assert collected.codes == {
        "plan-json": 0, "failing-apply": 1, "apply": 0, "controller": 0,
        "password-rotated-plan": 0, "failing-apply-text": 1,
    }
    # The runs did use the secrets: a rotated third-party key shows as a change of its Key Vault secret.
    assert b"security.secret.thirdparty_api_key" in collected.outputs["password-rotated-plan/stdout"]
    assert b"ProvisioningFailed" in collected.outputs["failing-apply/stdout"]
    assert int(collected.outputs["telemetry-count"]) > 0
    assert json.loads(collected.outputs["plan-json/stdout"])  # the plan JSON was scanned
    assert collected.leaks(secrets) == []


# -- loopback -------------------------------------------------------------------------------------


def _listening_addresses(port: int) -> list[str]:
    """Local addresses of LISTEN sockets on `port`, from /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def _outbound_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # no packet is sent for UDP connect
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_emulator_http_server_binds_to_loopback_only(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "emulator", "serve", "--port", "0", "--state", str(tmp_path / "s.db")],
        cwd=tmp_path, env=clean_environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:"), line
        port = int(url.rsplit(":", 1)[-1])
        assert _listening_addresses(port) == ["0100007F"]  # 127.0.0.1, and nothing else
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        outbound = _outbound_address()
        if outbound is not None:
            with pytest.raises(OSError), socket.create_connection((outbound, port), timeout=2):
                pass
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- foreign resources ----------------------------------------------------------------------------

FOREIGN_TYPES: dict[str, dict[str, Any]] = {
    "Microsoft.ManagedIdentity/userAssignedIdentities": {"location": "westus2"},
    "Microsoft.Network/networkSecurityGroups": {"location": "westus2", "properties": {}},
    "Microsoft.Network/publicIPAddresses": {
        "location": "westus2", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"},
    },
    "Microsoft.Network/privateDnsZones": {"location": "global"},
}
NOT_OURS = st.sampled_from([
    None,
    {"owner": "someone-else"},
    {"managed-by": "azure-reconciler"},
    {"managed-by": "azure-reconciler", "reconciler-environment": "prod"},
    {"managed-by": "terraform", "reconciler-environment": "dev"},
    {"managed-by": "Azure-Reconciler", "reconciler-environment": "DEV"},
    {"reconciler-environment": "dev"},
])
#: Desired, tagged resources whose ownership tags someone removes (and whose
#: tags then differ from desired: an update the engine must not make).
STRIPPABLE = ("messaging.namespace", "functions.app.queue_worker", "observability.log_analytics", "security.key_vault")


@st.composite
def foreign_estates(draw: st.DrawFn) -> tuple[list[tuple[str, str, dict[str, Any]]], list[str]]:
    count = draw(st.integers(min_value=1, max_value=5))
    foreign = []
    for index in range(count):
        arm_type = draw(st.sampled_from(sorted(FOREIGN_TYPES)))
        label = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12))
        name = f"foreign{index}-{label}" + (".example.com" if arm_type.endswith("privateDnsZones") else "")
        body = dict(FOREIGN_TYPES[arm_type])
        tags = draw(NOT_OURS)
        if tags is not None:
            body["tags"] = tags
        foreign.append((arm_type, name, body))
    stripped = draw(st.lists(st.sampled_from(STRIPPABLE), unique=True, max_size=2))
    return foreign, stripped


@pytest.fixture(scope="module")
def dev_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("dev") / "template.db"
    assert not run_once("dev", state, CLEAN).failed
    return state


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(estate=foreign_estates())
def test_resources_without_our_ownership_tags_are_never_modified_or_deleted(
    estate: tuple[list[tuple[str, str, dict[str, Any]]], list[str]], dev_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    foreign, stripped = estate
    state = copy_state(dev_template, tmp_path_factory.mktemp("foreign") / "emulator.db")
    from tests.reliability.drift import desired_by_address

    desired = desired_by_address("dev")
    group = next(r for r in desired.values() if r.type == "Microsoft.Resources/resourceGroups").id
    protected: list[str] = []
    with emulator_at(state) as emu:
        for arm_type, name, body in foreign:
            rid = f"{group}/providers/{arm_type}/{name}"
            answer = arm_call(emu, "PUT", rid, latest_api_version(arm_type), body)
            assert answer.status in (200, 201), answer.body[:300]
            protected.append(rid.lower())
        for address in stripped:
            r = desired[address]
            version = latest_api_version(r.type)
            live = arm_call(emu, "GET", r.id, version).json()
            live["tags"] = {"owner": "another-team"}
            assert arm_call(emu, "PUT", r.id, version, live).status in (200, 201)
            protected.append(r.id.lower())
    clear_request_log(state)
    before = stored_bodies(state)
    record = run_once("dev", state, CLEAN, safety=EVERYTHING_ALLOWED)
    touched = [
        f"{r.method} {r.path}" for r in read_request_log(state)
        if r.method in WRITE_METHODS and not is_read_action(r.method, r.path)
        and any(r.path.lower() == p or r.path.lower().startswith(p + "/") for p in protected)
    ]
    assert touched == []
    after = stored_bodies(state)
    for rid in protected:
        assert after.get(rid) == before.get(rid), f"{rid} changed"
    assert record.failed == {}


# -- prod destruction -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prod_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("prod") / "template.db"
    assert not run_once("prod", state, CLEAN).failed
    return state


def _add_owned_strays(state: Path) -> dict[str, str]:
    from tests.reliability.drift import desired_by_address

    group = next(r for r in desired_by_address("prod").values() if r.type == "Microsoft.Resources/resourceGroups").id
    ours = {"managed-by": "azure-reconciler", "reconciler-environment": "prod"}
    strays = {
        f"{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-no-longer-desired":
            "Microsoft.ManagedIdentity/userAssignedIdentities",
        f"{group}/providers/Microsoft.Storage/storageAccounts/stnolongerdesired": "Microsoft.Storage/storageAccounts",
    }
    bodies = {
        "Microsoft.ManagedIdentity/userAssignedIdentities": {"location": "westus2", "tags": ours},
        "Microsoft.Storage/storageAccounts": {
            "location": "westus2", "tags": ours, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
        },
    }
    with emulator_at(state) as emu:
        for rid, arm_type in strays.items():
            assert arm_call(emu, "PUT", rid, latest_api_version(arm_type), bodies[arm_type]).status in (200, 201, 202)
    clear_request_log(state)
    return strays


@pytest.mark.parametrize(
    "policy",
    [
        SafetyPolicy(),
        SafetyPolicy(prune=True),
        SafetyPolicy(prune=True, allow_data_loss=True),
        SafetyPolicy(prune=True, allow_replace=True, allow_data_loss=True),
    ],
    ids=["no-flags", "prune", "prune+data-loss", "prune+replace+data-loss"],
)
def test_prod_deletes_are_refused_without_allow_prod_destroy(
    policy: SafetyPolicy, prod_template: Path, tmp_path: Path
) -> None:
    state = copy_state(prod_template, tmp_path / "emulator.db")
    strays = _add_owned_strays(state)
    run_once("prod", state, CLEAN, safety=policy)
    assert [r.path for r in read_request_log(state) if r.method == "DELETE"] == []
    assert {rid.lower() for rid in strays} <= set(stored_bodies(state))


def test_prod_deletes_run_with_every_flag_and_data_holders_need_data_loss(prod_template: Path, tmp_path: Path) -> None:
    state = copy_state(prod_template, tmp_path / "emulator.db")
    strays = _add_owned_strays(state)
    run_once("prod", state, CLEAN, safety=SafetyPolicy(prune=True, allow_prod_destroy=True))
    left = set(stored_bodies(state))
    identity, storage = (rid.lower() for rid in strays)
    assert identity not in left  # the control: the flags do allow the delete
    assert storage in left  # a data-holding type also needs --allow-data-loss
