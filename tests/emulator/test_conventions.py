"""Answers by convention (emulator/shapes.py, learned from both recorded corpora): a type nobody
recorded answers as its provider's types do, a provider nobody recorded as ARM's common convention,
a type that departs from its provider as recorded; and the conventions any provider follows
(tenant-level catalogues, actions on collections, server-owned children, inline sub-resources)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import Emulator, shapes
from tests.emulator.conftest import BASE, SUB

Build = Callable[..., Any]


def _send(make_client: Build, method: str, path: str, version: str, body: Any = None) -> Any:
    client = make_client(ResourceManagementClient)
    url = f"{BASE}{path}?api-version={version}"
    return client._client.send_request(HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url))


def test_a_type_nobody_recorded_answers_as_its_providers_types_do(emulator: Emulator, rg: str, make_client: Build) -> None:
    """Compute availability sets and host groups were recorded, proximity placement groups' siblings too;
    dedicated host groups are no emulated type: the recorded Compute convention for its class decides."""
    assert "microsoft.compute/capacityreservationgroups" not in shapes.CONVENTIONS["recorded"]
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Compute/capacityReservationGroups/crg1"
    answer = _send(make_client, "PUT", path, "2024-07-01", {"location": "westus2"})
    expected = shapes.recorded("microsoft.compute/capacityreservationgroups", "PUT-create", "2024-07-01")
    assert expected is not None
    assert answer.status_code == expected.status
    assert ("Azure-AsyncOperation" in answer.headers) is expected.async_operation


def test_a_provider_nobody_recorded_gets_arms_common_convention(emulator: Emulator, rg: str, make_client: Build) -> None:
    """App Configuration stores carry a provisioningState (a long-running type for ARM): ARM's common
    convention for that class is a 201 with Azure-AsyncOperation, polled to done."""
    assert "microsoft.appconfiguration" not in shapes.CONVENTIONS["providers"]
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.AppConfiguration/configurationStores/cs1"
    answer = _send(make_client, "PUT", path, "2024-05-01", {"location": "westus2", "sku": {"name": "standard"}})
    common = shapes.arm_common("microsoft.appconfiguration/configurationstores", "PUT-create", "2024-05-01")
    assert (answer.status_code, "Azure-AsyncOperation" in answer.headers) == (common.status, common.async_operation)
    assert common.running
    got = _send(make_client, "GET", path, "2024-05-01").json()
    assert got["sku"]["name"] == "standard"  # the enum's canonical casing is `standard`


def test_a_type_that_departs_from_its_provider_answers_as_recorded(emulator: Emulator, rg: str, make_client: Build) -> None:
    """Compute disks answer a create with 202 and both headers (compute/test_mgmt_compute_disks), where
    Compute's other long-running types answer 201 with Azure-AsyncOperation."""
    departure = shapes.CONVENTIONS["types"]["microsoft.compute/disks"]["PUT-create"]
    assert departure["recordings"]
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/d1"
    answer = _send(make_client, "PUT", path, "2020-12-01",
                   {"location": "westus2", "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 1}})
    assert (answer.status_code, "Azure-AsyncOperation" in answer.headers, "Location" in answer.headers) == (
        departure["status"], departure["async_operation"], departure["location"])


def test_every_provider_lists_its_operations_at_tenant_level(make_client: Build) -> None:
    answer = _send(make_client, "GET", "/providers/Microsoft.EventHub/operations", "2017-04-01")
    assert answer.status_code == 200
    names = {op["name"] for op in answer.json()["value"]}
    assert "Microsoft.EventHub/namespaces/write" in names


def test_a_post_on_a_collection_is_an_action_on_it(emulator: Emulator, rg: str, make_client: Build) -> None:
    """`.../disasterRecoveryConfigs/checkNameAvailability` has a name's place: still an action (recorded 200)."""
    namespace = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.EventHub/namespaces/ehns-conv"
    assert _send(make_client, "PUT", namespace, "2017-04-01", {"location": "westus2", "sku": {"name": "Standard"}}).status_code in (200, 201)
    answer = _send(make_client, "POST", f"{namespace}/disasterRecoveryConfigs/checkNameAvailability", "2017-04-01", {"name": "alias1"})
    assert answer.status_code == 200 and answer.json()["nameAvailable"] is True
    missing = _send(make_client, "POST", f"{namespace}-nope/disasterRecoveryConfigs/checkNameAvailability", "2017-04-01", {"name": "a"})
    assert missing.status_code == 404


def test_a_server_owned_child_exists_with_its_parent(emulator: Emulator, rg: str, make_client: Build) -> None:
    """SQL `automaticTuning` is readable but writable at no scope (ARM type index): the service makes it."""
    server = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Sql/servers/sqlconv1"
    tuning = f"{server}/automaticTuning/current"
    assert _send(make_client, "GET", tuning, "2017-03-01-preview").status_code == 404  # no server yet
    body = {"location": "westus2", "properties": {"administrators": {
        "administratorType": "ActiveDirectory", "azureADOnlyAuthentication": True, "principalType": "Application",
        "login": "admin", "sid": "00000000-0000-0000-0000-0000000000a1", "tenantId": "00000000-0000-0000-0000-0000000000b2"}}}
    client = make_client(ResourceManagementClient)
    client.resources.begin_create_or_update_by_id(server.lstrip("/"), body, api_version="2021-11-01").result()
    assert _send(make_client, "GET", tuning, "2017-03-01-preview").status_code == 200
    patched = _send(make_client, "PATCH", tuning, "2017-03-01-preview", {"properties": {"desiredState": "Auto"}})
    assert patched.status_code == 200
    assert _send(make_client, "GET", tuning, "2017-03-01-preview").json()["properties"]["desiredState"] == "Auto"


def test_a_sub_resource_declared_inline_is_served_at_its_own_path(emulator: Emulator, rg: str, make_client: Build) -> None:
    lb = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/loadBalancers/lb1"
    body = {"location": "westus2", "properties": {"probes": [{"name": "p1", "properties": {"protocol": "Tcp", "port": 80}}]}}
    client = make_client(ResourceManagementClient)
    client.resources.begin_create_or_update_by_id(lb.lstrip("/"), body, api_version="2024-07-01").result()
    probe = _send(make_client, "GET", f"{lb}/probes/p1", "2024-07-01")
    assert probe.status_code == 200 and probe.json()["properties"]["port"] == 80
    assert _send(make_client, "GET", f"{lb}/probes/p2", "2024-07-01").status_code == 404
