"""Injected faults: reproducible per seed, and each shaped as ARM answers it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceResponseError
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import Emulator, FaultConfig

from .conftest import BASE, SUB

Build = Callable[..., Any]
RG_URL = f"{BASE}/subscriptions/{SUB}/resourceGroups/rg1?api-version=2025-04-01"
ROLE = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"


def _statuses(path: Path, config: FaultConfig, count: int = 60) -> list[int]:
    emu = Emulator(path, faults=config)
    emu.handle("PUT", RG_URL, {}, b'{"location": "westus2"}')
    out = []
    for _ in range(count):
        out.append(emu.handle("GET", RG_URL, {}, None).status)
    emu.close()
    return out


def test_same_seed_gives_the_same_fault_sequence(tmp_path: Path) -> None:
    config = FaultConfig(seed=7, error_rate=0.3, throttle=False)
    first = _statuses(tmp_path / "a.db", config)
    second = _statuses(tmp_path / "b.db", config)
    other = _statuses(tmp_path / "c.db", FaultConfig(seed=8, error_rate=0.3, throttle=False))
    assert first == second
    assert first != other
    assert set(first) == {200, 500, 503}


def test_throttling_answers_429_with_retry_after_and_remaining_budget(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "s.db", faults=FaultConfig(throttle_scale=0.02))  # reads bucket of 5
    emu.handle("PUT", RG_URL, {}, b'{"location": "westus2"}')
    answers = [emu.handle("GET", RG_URL, {}, None) for _ in range(6)]
    assert [a.status for a in answers] == [200] * 5 + [429]
    assert [a.headers["x-ms-ratelimit-remaining-subscription-reads"] for a in answers] == ["4", "3", "2", "1", "0", "0"]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert json.loads(answers[-1].body)["error"]["code"] == "TooManyRequests"


def test_lro_fails_for_matching_names(tmp_path: Path, make_client: Build) -> None:
    emu = Emulator(tmp_path / "s.db", faults=FaultConfig(throttle=False, lro_fail_names=("doomed-*",)))
    make_client(ResourceManagementClient, emu).resource_groups.create_or_update("rg1", {"location": "westus2"})
    net = make_client(NetworkManagementClient, emu)
    body = {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    with pytest.raises(HttpResponseError):
        net.virtual_networks.begin_create_or_update("rg1", "doomed-vnet", body).result()
    assert net.virtual_networks.get("rg1", "doomed-vnet").properties.provisioning_state == "Failed"
    assert net.virtual_networks.begin_create_or_update("rg1", "fine-vnet", body).result().properties.provisioning_state == "Succeeded"


def test_principal_not_found_right_after_the_identity_is_created(tmp_path: Path, make_client: Build) -> None:
    emu = Emulator(tmp_path / "s.db", faults=FaultConfig(throttle=False, principal_delay_seconds=3600))
    make_client(ResourceManagementClient, emu).resource_groups.create_or_update("rg1", {"location": "westus2"})
    identity = make_client(ManagedServiceIdentityClient, emu).user_assigned_identities.create_or_update(
        "rg1", "id1", {"location": "westus2"}
    )
    auth = make_client(AuthorizationManagementClient, emu)
    scope = f"/subscriptions/{SUB}/resourceGroups/rg1"
    params = {"properties": {"roleDefinitionId": ROLE, "principalId": identity.principal_id}}
    with pytest.raises(HttpResponseError) as replication:
        auth.role_assignments.create(scope, "11111111-1111-1111-1111-111111111111", params)
    assert replication.value.status_code == 400
    assert replication.value.error is not None and replication.value.error.code == "PrincipalNotFound"
    params["properties"]["principalType"] = "ServicePrincipal"
    created = auth.role_assignments.create(scope, "11111111-1111-1111-1111-111111111111", params)
    assert created.scope == scope
    with pytest.raises(HttpResponseError) as duplicate:
        auth.role_assignments.create(scope, "22222222-2222-2222-2222-222222222222", params)
    assert duplicate.value.error is not None and duplicate.value.error.code == "RoleAssignmentExists"


def test_get_is_404_just_after_a_create(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "s.db", faults=FaultConfig(throttle=False, read_after_create_404_seconds=3600))
    assert emu.handle("PUT", RG_URL, {}, b'{"location": "westus2"}').status == 201
    assert emu.handle("GET", RG_URL, {}, None).status == 404


def test_dropped_connection_surfaces_as_a_service_response_error(tmp_path: Path, make_client: Build) -> None:
    emu = Emulator(tmp_path / "s.db", faults=FaultConfig(throttle=False, drop_rate=1.0))
    resources = make_client(ResourceManagementClient, emu, retry_total=0)
    with pytest.raises(ServiceResponseError):
        resources.resource_groups.get("rg1")
    assert emu.request_log[-1].status == 0


def test_random_conflicts_on_writes(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "s.db", faults=FaultConfig(throttle=False, conflict_rate=1.0))
    emu.handle("PUT", RG_URL, {}, b'{"location": "westus2"}')
    url = f"{BASE}/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i?api-version=2024-11-30"
    answer = emu.handle("PUT", url, {}, b'{"location": "westus2"}')
    assert answer.status == 409 and json.loads(answer.body)["error"]["code"] == "AnotherOperationInProgress"


def test_fault_config_from_environment() -> None:
    env = {
        "RECONCILER_EMULATOR_SEED": "3",
        "RECONCILER_EMULATOR_LATENCY_MS": "5",
        "RECONCILER_EMULATOR_LRO_SECONDS_BY_TYPE": "Microsoft.Sql/servers=2.5",
        "RECONCILER_EMULATOR_THROTTLE": "0",
        "RECONCILER_EMULATOR_LRO_FAIL_NAMES": "a*, b*",
    }
    config = FaultConfig.from_env(env)
    assert (config.seed, config.latency_ms, config.throttle) == (3, 5.0, False)
    assert config.lro_duration("microsoft.sql/servers") == 2.5 and config.lro_duration("x/y") == 0.0
    assert config.lro_fail_names == ("a*", "b*")


def test_a_hang_longer_than_the_read_timeout_times_out(tmp_path: Path, make_client: Build) -> None:
    from azure.core.exceptions import ServiceResponseTimeoutError

    emu = Emulator(tmp_path / "s.db", faults=FaultConfig(throttle=False, hang_rate=1.0, hang_seconds=3600))
    resources = make_client(ResourceManagementClient, emu, retry_total=0)
    with pytest.raises(ServiceResponseTimeoutError):
        resources.resource_groups.get("rg1", read_timeout=0.01)


def test_error_answers_carry_the_remaining_budget(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "s.db")
    answer = emu.handle("GET", RG_URL, {}, None)
    assert answer.status == 404 and answer.headers["x-ms-ratelimit-remaining-subscription-reads"] == "249"
