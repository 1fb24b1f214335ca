"""ARM semantics through the real SDK clients, in-process via EmulatorTransport."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.sql import SqlManagementClient
from azure.mgmt.storage import StorageManagementClient

from emulator import Emulator, FaultConfig

from .conftest import BASE, SUB

Build = Callable[..., Any]


def _status(pipeline_response: Any, deserialized: Any, headers: Any) -> int:
    return int(pipeline_response.http_response.status_code)


def _vnet(subnets: list[str] | None = None, location: str = "westus2") -> dict[str, Any]:
    props: dict[str, Any] = {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}
    if subnets is not None:
        props["subnets"] = [
            {"name": name, "properties": {"addressPrefix": f"10.0.{i}.0/24"}} for i, name in enumerate(subnets)
        ]
    return {"location": location, "properties": props}


def test_missing_api_version_is_400(make_client: Build, rg: str) -> None:
    client = make_client(ResourceManagementClient)
    response = client._client.send_request(HttpRequest("GET", f"{BASE}/subscriptions/{SUB}/resourceGroups/{rg}"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_unknown_api_version_of_a_known_type_is_400(make_client: Build, rg: str) -> None:
    client = make_client(ResourceManagementClient)
    url = f"{BASE}/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/v?api-version=1999-01-01"
    response = client._client.send_request(HttpRequest("GET", url))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NoRegisteredProviderFound"


def test_put_answers_201_on_create_and_200_on_update(make_client: Build, rg: str) -> None:
    msi = make_client(ManagedServiceIdentityClient)
    first = msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2"}, cls=_status)
    second = msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2"}, cls=_status)
    assert (first, second) == (201, 200)


def test_identity_gets_stable_server_generated_ids(make_client: Build, rg: str) -> None:
    msi = make_client(ManagedServiceIdentityClient)
    one = msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2"})
    again = msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2", "tags": {"a": "b"}})
    other = msi.user_assigned_identities.create_or_update(rg, "id2", {"location": "westus2"})
    assert one.principal_id == again.principal_id and one.client_id == again.client_id
    assert one.principal_id != other.principal_id
    assert one.tenant_id


def test_missing_resource_group_and_resource_and_parent_are_404(make_client: Build, rg: str) -> None:
    net = make_client(NetworkManagementClient)
    with pytest.raises(ResourceNotFoundError) as missing:
        net.virtual_networks.get(rg, "nope")
    assert missing.value.error is not None and missing.value.error.code == "ResourceNotFound"
    with pytest.raises(HttpResponseError) as no_group:
        net.virtual_networks.begin_create_or_update("no-such-rg", "v1", _vnet()).result()
    assert no_group.value.status_code == 404
    assert no_group.value.error is not None and no_group.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as no_parent:
        net.subnets.get(rg, "no-such-vnet", "s1")
    assert no_parent.value.error is not None and no_parent.value.error.code == "ParentResourceNotFound"
    with pytest.raises(HttpResponseError) as put_no_parent:
        net.subnets.begin_create_or_update(rg, "no-such-vnet", "s1", {"properties": {"addressPrefix": "10.0.0.0/24"}}).result()
    assert put_no_parent.value.error is not None and put_no_parent.value.error.code == "ParentResourceNotFound"


def test_lro_through_azure_async_operation_completes_in_the_poller(state_path: Path, make_client: Build) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False, lro_seconds={"Microsoft.Network/virtualNetworks": 0.3}))
    make_client(ResourceManagementClient, emu).resource_groups.create_or_update("rg1", {"location": "westus2"})
    net = make_client(NetworkManagementClient, emu)
    vnet = net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet(["a"])).result()
    assert vnet.properties.provisioning_state == "Succeeded"
    status_polls = [r for r in emu.request_log if "/operationStatuses/" in r.path]
    assert status_polls and all(r.status == 200 for r in status_polls)
    first_put = next(r for r in emu.request_log if r.method == "PUT" and r.path.endswith("/v1"))
    assert first_put.status == 201


def test_lro_through_location_completes_in_the_poller(make_client: Build, rg: str, emulator: Emulator) -> None:
    storage = make_client(StorageManagementClient)
    account = storage.storage_accounts.begin_create(
        rg, "emustore1", {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    assert account.provisioning_state == "Succeeded"
    assert account.primary_endpoints.blob == "https://emustore1.blob.core.windows.net/"
    resources = make_client(ResourceManagementClient)
    resources.resource_groups.begin_delete(rg).result()
    assert not resources.resource_groups.check_existence(rg)
    results = [r for r in emulator.request_log if "/operationResults/" in r.path]
    assert {r.status for r in results} <= {200, 202, 204} and len(results) >= 2
    with pytest.raises(ResourceNotFoundError):
        storage.storage_accounts.get_properties(rg, "emustore1")


def test_if_match_and_if_none_match(make_client: Build, rg: str) -> None:
    msi = make_client(ManagedServiceIdentityClient)
    body = {"location": "westus2"}
    with pytest.raises(HttpResponseError) as star_on_missing:
        msi.user_assigned_identities.create_or_update(rg, "id1", body, headers={"If-Match": "*"})
    assert star_on_missing.value.status_code == 412
    msi.user_assigned_identities.create_or_update(rg, "id1", body, headers={"If-None-Match": "*"})
    with pytest.raises(HttpResponseError) as none_match_on_existing:
        msi.user_assigned_identities.create_or_update(rg, "id1", body, headers={"If-None-Match": "*"})
    assert none_match_on_existing.value.status_code == 412
    with pytest.raises(HttpResponseError) as wrong:
        msi.user_assigned_identities.create_or_update(rg, "id1", body, headers={"If-Match": 'W/"wrong"'})
    assert wrong.value.status_code == 412
    etag = msi.user_assigned_identities.get(rg, "id1", cls=lambda r, d, h: r.http_response.headers["ETag"])
    assert msi.user_assigned_identities.create_or_update(rg, "id1", body, headers={"If-Match": etag}, cls=_status) == 200
    with pytest.raises(HttpResponseError) as stale:
        msi.user_assigned_identities.create_or_update(rg, "id1", body, headers={"If-Match": etag})
    assert stale.value.status_code == 412


def test_second_write_during_an_lro_is_409(state_path: Path, make_client: Build) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False, lro_seconds={"Microsoft.Sql/servers": 60}))
    make_client(ResourceManagementClient, emu).resource_groups.create_or_update("rg1", {"location": "westus2"})
    sql = make_client(SqlManagementClient, emu, retry_total=0)
    body = {"location": "westus2", "properties": {"administratorLogin": "boss", "administratorLoginPassword": "S3cret!x"}}
    sql.servers.begin_create_or_update("rg1", "sql1", body)
    with pytest.raises(HttpResponseError) as busy:
        sql.servers.begin_create_or_update("rg1", "sql1", body)
    assert busy.value.status_code == 409
    assert busy.value.error is not None and busy.value.error.code == "AnotherOperationInProgress"


def test_network_answers_a_concurrent_write_with_429(state_path: Path, make_client: Build) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False, lro_seconds={"Microsoft.Network/virtualNetworks": 60}))
    make_client(ResourceManagementClient, emu).resource_groups.create_or_update("rg1", {"location": "westus2"})
    net = make_client(NetworkManagementClient, emu, retry_total=0)
    net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet())
    with pytest.raises(HttpResponseError) as busy:
        net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet())
    assert busy.value.status_code == 429
    assert busy.value.error is not None and busy.value.error.code == "RetryableErrorDueToAnotherOperation"


def test_names_match_case_insensitively_and_return_the_latest_casing(make_client: Build, rg: str) -> None:
    msi = make_client(ManagedServiceIdentityClient)
    msi.user_assigned_identities.create_or_update(rg, "MyIdentity", {"location": "westus2"})
    assert msi.user_assigned_identities.get(rg.upper(), "myidentity").name == "MyIdentity"
    assert msi.user_assigned_identities.create_or_update(rg, "MYIDENTITY", {"location": "westus2"}, cls=_status) == 200
    assert msi.user_assigned_identities.get(rg, "myidentity").name == "MYIDENTITY"
    assert [i.name for i in msi.user_assigned_identities.list_by_resource_group(rg)] == ["MYIDENTITY"]


def test_location_spellings_are_one_region(make_client: Build) -> None:
    resources = make_client(ResourceManagementClient)
    resources.resource_groups.create_or_update("rg1", {"location": "West US 2"})
    again = resources.resource_groups.create_or_update("rg1", {"location": "westus2"}, cls=_status)
    assert again == 200
    assert resources.resource_groups.get("rg1").location == "westus2"
    with pytest.raises(HttpResponseError) as moved:
        resources.resource_groups.create_or_update("rg1", {"location": "eastus"})
    assert moved.value.error is not None and moved.value.error.code == "InvalidResourceGroupLocation"
    net = make_client(NetworkManagementClient)
    net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet(location="West us 2")).result()
    assert net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet(location="westus2")).result().location == "westus2"
    with pytest.raises(HttpResponseError) as elsewhere:
        net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet(location="eastus")).result()
    assert elsewhere.value.error is not None and elsewhere.value.error.code == "InvalidResourceLocation"


def test_vnet_put_replaces_its_subnet_list(make_client: Build, rg: str) -> None:
    net = make_client(NetworkManagementClient)
    net.virtual_networks.begin_create_or_update(rg, "v1", _vnet(["a", "b"])).result()
    assert net.subnets.get(rg, "v1", "b").properties.address_prefix == "10.0.1.0/24"
    net.subnets.begin_create_or_update(rg, "v1", "c", {"properties": {"addressPrefix": "10.0.9.0/24"}}).result()
    assert [s.name for s in net.virtual_networks.get(rg, "v1").properties.subnets] == ["a", "b", "c"]
    net.virtual_networks.begin_create_or_update(rg, "v1", _vnet(["a"])).result()
    with pytest.raises(ResourceNotFoundError):
        net.subnets.get(rg, "v1", "b")
    net.virtual_networks.begin_create_or_update(rg, "v1", _vnet()).result()
    assert net.virtual_networks.get(rg, "v1").properties.subnets == []


def test_write_only_secrets_are_never_returned(make_client: Build, rg: str, emulator: Emulator) -> None:
    sql = make_client(SqlManagementClient)
    body = {"location": "westus2", "properties": {"administratorLogin": "boss", "administratorLoginPassword": "S3cret!x"}}
    server = sql.servers.begin_create_or_update(rg, "sql1", body).result()
    assert server.administrator_login == "boss" and server.administrator_login_password is None
    assert server.fully_qualified_domain_name == "sql1.database.windows.net"
    assert all(b"S3cret!x" not in r.path.encode() for r in emulator.request_log)
    raw = emulator.handle("GET", f"{BASE}{server.id}?api-version=2023-08-01", {}, None)
    assert b"S3cret!x" not in raw.body and b"administratorLoginPassword" not in raw.body


def test_apim_secret_named_value_hides_its_value(make_client: Build, rg: str) -> None:
    from azure.mgmt.apimanagement import ApiManagementClient

    apim = make_client(ApiManagementClient)
    service = {"location": "westus2", "sku": {"name": "Consumption", "capacity": 0},
               "properties": {"publisherEmail": "a@b.c", "publisherName": "n"}}
    apim.api_management_service.begin_create_or_update(rg, "apim1", service).result()
    secret = apim.named_value.begin_create_or_update(
        rg, "apim1", "nv1", {"properties": {"displayName": "nv1", "value": "hush", "secret": True}}
    ).result()
    plain = apim.named_value.begin_create_or_update(
        rg, "apim1", "nv2", {"properties": {"displayName": "nv2", "value": "open", "secret": False}}
    ).result()
    assert secret.value is None and plain.value == "open"


def test_patch_merges_properties_and_replaces_tags(make_client: Build, rg: str) -> None:
    msi = make_client(ManagedServiceIdentityClient)
    msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2", "tags": {"a": "1", "b": "2"}})
    patched = msi.user_assigned_identities.update(rg, "id1", {"tags": {"c": "3"}})
    assert patched.tags == {"c": "3"} and patched.principal_id


def test_delete_answers_200_then_204(make_client: Build, rg: str) -> None:
    msi = make_client(ManagedServiceIdentityClient)
    msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2"})
    assert msi.user_assigned_identities.delete(rg, "id1", cls=_status) == 200
    assert msi.user_assigned_identities.delete(rg, "id1", cls=_status) == 204


def test_generic_resource_list_filters_on_tags_and_type(make_client: Build, rg: str) -> None:
    msi = make_client(ManagedServiceIdentityClient)
    msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2", "tags": {"owner": "me"}})
    msi.user_assigned_identities.create_or_update(rg, "id2", {"location": "westus2", "tags": {"owner": "you"}})
    make_client(NetworkManagementClient).virtual_networks.begin_create_or_update(rg, "v1", _vnet(["a"])).result()
    resources = make_client(ResourceManagementClient)
    mine = list(resources.resources.list_by_resource_group(rg, filter="tagName eq 'owner' and tagValue eq 'me'"))
    assert [(r.name, r.type, r.tags) for r in mine] == [("id1", "Microsoft.ManagedIdentity/userAssignedIdentities", {"owner": "me"})]
    vnets = list(resources.resources.list(filter="resourceType eq 'Microsoft.Network/virtualNetworks'"))
    assert [r.name for r in vnets] == ["v1"]
    assert len(list(resources.resources.list_by_resource_group(rg))) == 3  # subnets are not top-level


def test_a_damaged_stored_body_does_not_break_the_group_listing(state_path: Path, make_client: Build, rg: str) -> None:
    """ARM lists a group's resources from its own index: a provider body that is no JSON object
    (the hardening harness stores `[]`) still lists by id, name and type, not as a 500 the
    client retries for half a minute."""
    msi = make_client(ManagedServiceIdentityClient)
    msi.user_assigned_identities.create_or_update(rg, "id1", {"location": "westus2"})
    msi.user_assigned_identities.create_or_update(rg, "id2", {"location": "westus2", "tags": {"a": "b"}})
    with closing(sqlite3.connect(state_path)) as conn:
        conn.execute("UPDATE resources SET body = '[]' WHERE key LIKE ?", ("%userassignedidentities/id1",))
        conn.commit()
    listed = make_client(ResourceManagementClient).resources.list_by_resource_group(rg)
    assert sorted((r.name, r.type) for r in listed) == [
        ("id1", "Microsoft.ManagedIdentity/userAssignedIdentities"),
        ("id2", "Microsoft.ManagedIdentity/userAssignedIdentities"),
    ]


def test_lists_page_with_next_link(state_path: Path, make_client: Build) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False), page_size=2)
    resources = make_client(ResourceManagementClient, emu)
    for i in range(5):
        resources.resource_groups.create_or_update(f"rg{i}", {"location": "westus2"})
    assert sorted(g.name for g in resources.resource_groups.list()) == [f"rg{i}" for i in range(5)]
    assert sum(1 for r in emu.request_log if r.path.endswith("/resourcegroups")) == 3


def test_unknown_provider_types_work_generically(make_client: Build, rg: str) -> None:
    """A provider ARM does not publish (not `Microsoft.Contoso`: the REST specs' sample provider is
    published, with one type) accepts any version and answers with ARM's common convention."""
    client = make_client(ResourceManagementClient)
    url = f"{BASE}/subscriptions/{SUB}/resourceGroups/{rg}/providers/Fabrikam.Widgets/widgets/w1?api-version=2024-01-01"
    created = client._client.send_request(HttpRequest("PUT", url, json={"location": "westus2", "properties": {"size": 3}}))
    assert created.status_code == 201
    body = client._client.send_request(HttpRequest("GET", url)).json()
    assert body["type"] == "Fabrikam.Widgets/widgets" and body["properties"] == {"size": 3, "provisioningState": "Succeeded"}


def test_name_rules_are_400(make_client: Build, rg: str) -> None:
    client = make_client(ResourceManagementClient)
    bad = f"{BASE}/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a%26b?api-version=2024-11-30"
    response = client._client.send_request(HttpRequest("PUT", bad, json={"location": "westus2"}))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "InvalidResourceName")
    with pytest.raises(HttpResponseError) as storage_name:
        make_client(StorageManagementClient).storage_accounts.begin_create(
            rg, "Not_Valid", {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
        )
    assert storage_name.value.error is not None and storage_name.value.error.code == "AccountNameInvalid"
    with pytest.raises(HttpResponseError) as group_name:
        client.resource_groups.create_or_update("x" * 91, {"location": "westus2"})
    assert group_name.value.status_code == 400


def test_patch_of_an_async_type_answers_200_with_the_body(emulator: Emulator, rg: str, make_client: Build) -> None:
    # Recorded live traffic: a VNet-family PATCH (UpdateTags) answers a synchronous 200 with the body.
    net = make_client(NetworkManagementClient)
    vnet = net.virtual_networks.begin_create_or_update(rg, "v1", _vnet(["a"])).result()
    answer = emulator.handle("PATCH", f"{BASE}{vnet.id}?api-version=2024-07-01", {}, b'{"tags": {"t": "1"}}')
    assert answer.status == 200 and "Location" not in answer.headers
    assert answer.json()["tags"] == {"t": "1"}
    assert [s.name for s in net.subnets.list(rg, "v1")] == ["a"]


def test_provider_registration_endpoints(emulator: Emulator) -> None:
    url = f"{BASE}/subscriptions/{SUB}/providers/Microsoft.Network"
    assert emulator.handle("POST", f"{url}/register?api-version=2016-02-01", {}, None).json()["registrationState"] == "Registered"
    assert emulator.handle("GET", f"{url}?api-version=2016-02-01", {}, None).json()["namespace"] == "Microsoft.Network"


def test_async_delete_hides_the_resource_and_its_children(state_path: Path, make_client: Build) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False, lro_seconds={"Microsoft.Network/virtualNetworks": 0.2}))
    make_client(ResourceManagementClient, emu).resource_groups.create_or_update("rg1", {"location": "westus2"})
    net = make_client(NetworkManagementClient, emu)
    net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet(["a"])).result()
    net.virtual_networks.begin_delete("rg1", "v1").result()
    with pytest.raises(ResourceNotFoundError):
        net.subnets.get("rg1", "v1", "a")
    with pytest.raises(ResourceNotFoundError):
        net.virtual_networks.get("rg1", "v1")
    recreated = net.virtual_networks.begin_create_or_update("rg1", "v1", _vnet()).result()
    assert recreated.properties.subnets == []


def test_extension_and_nested_types_through_their_sdks(make_client: Build, rg: str) -> None:
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.dns import DnsManagementClient

    identity = make_client(ManagedServiceIdentityClient).user_assigned_identities.create_or_update(
        rg, "id1", {"location": "westus2"}
    )
    auth = make_client(AuthorizationManagementClient)
    role = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
    params = {"properties": {"roleDefinitionId": role, "principalId": identity.principal_id, "principalType": "ServicePrincipal"}}
    assignment = auth.role_assignments.create(identity.id, "33333333-3333-3333-3333-333333333333", params)
    assert assignment.scope == identity.id
    assert auth.role_assignments.get_by_id(assignment.id).principal_id == identity.principal_id
    assert [a.name for a in auth.role_assignments.list_for_scope(identity.id)] == [assignment.name]
    assert [a.name for a in auth.role_assignments.list_for_subscription()] == [assignment.name]

    # azure-mgmt-monitor 7 has no diagnostic settings operations: write them through the generic client by id.
    resources = make_client(ResourceManagementClient)
    workspace = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/w1"
    diag_id = f"{identity.id}/providers/Microsoft.Insights/diagnosticSettings/diag1"
    body = {"properties": {"workspaceId": workspace, "logs": [], "metrics": []}}
    resources.resources.begin_create_or_update_by_id(diag_id, body, api_version="2021-05-01-preview").result()
    got = resources.resources.get_by_id(diag_id, api_version="2021-05-01-preview")
    assert got.properties["workspaceId"] == workspace and got.type == "Microsoft.Insights/diagnosticSettings"
    with pytest.raises(ResourceNotFoundError):
        resources.resources.begin_create_or_update_by_id(
            f"{identity.id}-gone/providers/Microsoft.Insights/diagnosticSettings/diag1", body, api_version="2021-05-01-preview"
        ).result()

    dns = make_client(DnsManagementClient)
    dns.zones.create_or_update(rg, "example.com", {"location": "global"})
    record = dns.record_sets.create_or_update(
        rg, "example.com", "www", "CNAME", {"properties": {"TTL": 300, "CNAMERecord": {"cname": "x.example.net"}}}
    )
    assert record.cname_record.cname == "x.example.net" and record.etag

    storage = make_client(StorageManagementClient)
    storage.storage_accounts.begin_create(
        rg, "emustore2", {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    ).result()
    container = storage.blob_containers.create(rg, "emustore2", "data", {})
    assert container.name == "data"
    with pytest.raises(ResourceNotFoundError) as no_account:
        storage.blob_containers.get(rg, "nosuchacct", "data")
    assert no_account.value.error is not None and no_account.value.error.code == "ParentResourceNotFound"
