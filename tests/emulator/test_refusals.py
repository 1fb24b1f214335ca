"""The emulator refuses what Azure refuses (emulator/refusals.py), through the
real SDK clients: each refused write answers 400 with Azure's error code, and
the corrected write is accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.appcontainers import ContainerAppsAPIClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.servicebus import ServiceBusManagementClient
from azure.mgmt.sql import SqlManagementClient
from azure.mgmt.web import WebSiteManagementClient

from .conftest import SUB

Build = Callable[..., Any]
RG = f"/subscriptions/{SUB}/resourceGroups"
LOC = "westus2"


def _refused(call: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(HttpResponseError) as caught:
        call()
    assert caught.value.error is not None
    return int(caught.value.status_code or 0), str(caught.value.error.code)


def _subnet_id(make_client: Build, rg: str) -> str:
    net = make_client(NetworkManagementClient)
    vnet = {"location": LOC, "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                             "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}
    net.virtual_networks.begin_create_or_update(rg, "vnet", vnet).result()
    return f"{RG}/{rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/s"


def test_sql_server_with_a_login_and_no_password_is_refused_unless_entra_only(make_client: Build, rg: str) -> None:
    sql = make_client(SqlManagementClient, retry_total=0)
    login_only = {"location": LOC, "properties": {"administratorLogin": "sqladminuser", "version": "12.0"}}
    assert _refused(lambda: sql.servers.begin_create_or_update(rg, "sql1", login_only)) == (400, "InvalidParameterValue")
    entra_only = {"location": LOC, "properties": {"version": "12.0", "administrators": {
        "administratorType": "ActiveDirectory", "principalType": "Application", "login": "id-sqladmin",
        "sid": "11111111-1111-1111-1111-111111111111", "tenantId": "22222222-2222-2222-2222-222222222222",
        "azureADOnlyAuthentication": True}}}
    server = sql.servers.begin_create_or_update(rg, "sql1", entra_only).result()
    assert server.administrators.azure_ad_only_authentication is True


def test_named_value_with_neither_value_nor_key_vault_reference_is_refused(make_client: Build, rg: str) -> None:
    apim = make_client(ApiManagementClient, retry_total=0)
    service = {"location": LOC, "sku": {"name": "Developer", "capacity": 1},
               "properties": {"publisherEmail": "a@example.com", "publisherName": "a"}}
    apim.api_management_service.begin_create_or_update(rg, "apim1", service).result()
    empty = {"properties": {"displayName": "basic-auth-header", "secret": True}}
    assert _refused(lambda: apim.named_value.begin_create_or_update(rg, "apim1", "nv", empty).result()) == (
        400, "ValidationError")
    from_vault = {"properties": {"displayName": "basic-auth-header", "secret": True,
                                 "keyVault": {"secretIdentifier": "https://kv1.vault.azure.net/secrets/x"}}}
    assert apim.named_value.begin_create_or_update(rg, "apim1", "nv", from_vault).result().secret is True


@pytest.mark.parametrize("sku", ["Basic", "Standard", "Consumption"])
def test_vnet_mode_on_an_api_management_tier_without_one_is_refused(make_client: Build, rg: str, sku: str) -> None:
    subnet = _subnet_id(make_client, rg)
    apim = make_client(ApiManagementClient, retry_total=0)
    body = {"location": LOC, "sku": {"name": sku, "capacity": 1 if sku != "Consumption" else 0},
            "properties": {"publisherEmail": "a@example.com", "publisherName": "a", "virtualNetworkType": "External",
                           "virtualNetworkConfiguration": {"subnetResourceId": subnet}}}
    assert _refused(lambda: apim.api_management_service.begin_create_or_update(rg, "apim2", body).result()) == (
        400, "InvalidParameters")


def test_vnet_modes_the_tiers_support_are_accepted(make_client: Build, rg: str) -> None:
    subnet = _subnet_id(make_client, rg)
    apim = make_client(ApiManagementClient, retry_total=0)
    for name, sku in (("apimdev", "Developer"), ("apimv2", "StandardV2")):
        body = {"location": LOC, "sku": {"name": sku, "capacity": 1},
                "properties": {"publisherEmail": "a@example.com", "publisherName": "a", "virtualNetworkType": "External",
                               "virtualNetworkConfiguration": {"subnetResourceId": subnet}}}
        assert apim.api_management_service.begin_create_or_update(rg, name, body).result().virtual_network_type == "External"
    internal_v2 = {"location": LOC, "sku": {"name": "StandardV2", "capacity": 1},
                   "properties": {"publisherEmail": "a@example.com", "publisherName": "a", "virtualNetworkType": "Internal",
                                  "virtualNetworkConfiguration": {"subnetResourceId": subnet}}}
    assert _refused(lambda: apim.api_management_service.begin_create_or_update(rg, "apimv2i", internal_v2).result()) == (
        400, "InvalidParameters")


def test_internal_container_apps_environment_without_a_subnet_is_refused(make_client: Build, rg: str) -> None:
    aca = make_client(ContainerAppsAPIClient, retry_total=0)
    body = {"location": LOC, "properties": {"vnetConfiguration": {"internal": True},
                                            "workloadProfiles": [{"name": "Consumption", "workloadProfileType": "Consumption"}]}}
    assert _refused(lambda: aca.managed_environments.begin_create_or_update(rg, "cae1", body).result()) == (
        400, "ManagedEnvironmentInvalidNetworkConfiguration")
    body["properties"]["vnetConfiguration"]["infrastructureSubnetId"] = _subnet_id(make_client, rg)
    assert aca.managed_environments.begin_create_or_update(rg, "cae1", body).result().vnet_configuration.internal is True


@pytest.mark.parametrize(("tier", "refused"), [("Standard", True), ("Premium", False)])
def test_service_bus_private_endpoint_needs_premium(make_client: Build, rg: str, tier: str, refused: bool) -> None:
    subnet = _subnet_id(make_client, rg)
    sb = make_client(ServiceBusManagementClient, retry_total=0)
    sb.namespaces.begin_create_or_update(rg, "sbns1", {"location": LOC, "sku": {"name": tier, "tier": tier}}).result()
    target = f"{RG}/{rg}/providers/Microsoft.ServiceBus/namespaces/sbns1"
    net = make_client(NetworkManagementClient, retry_total=0)
    endpoint = {"location": LOC, "properties": {"subnet": {"id": subnet}, "privateLinkServiceConnections": [
        {"name": "sb", "properties": {"privateLinkServiceId": target, "groupIds": ["namespace"]}}]}}
    create = lambda: net.private_endpoints.begin_create_or_update(rg, "pe-sb", endpoint).result()  # noqa: E731
    if refused:
        assert _refused(create) == (400, "BadRequest")
    else:
        assert create().name == "pe-sb"


@pytest.mark.parametrize(("sku", "tier", "refused"), [("Y1", "Dynamic", True), ("EP1", "ElasticPremium", False)])
def test_function_app_vnet_integration_on_consumption_is_refused(
    make_client: Build, rg: str, sku: str, tier: str, refused: bool
) -> None:
    subnet = _subnet_id(make_client, rg)
    web = make_client(WebSiteManagementClient, retry_total=0)
    plan = web.app_service_plans.begin_create_or_update(
        rg, "plan1", {"location": LOC, "kind": "functionapp", "sku": {"name": sku, "tier": tier}, "properties": {"reserved": True}}
    ).result()
    site = {"location": LOC, "kind": "functionapp,linux",
            "properties": {"serverFarmId": plan.id, "virtualNetworkSubnetId": subnet}}
    create = lambda: web.web_apps.begin_create_or_update(rg, "func1", site).result()  # noqa: E731
    if refused:
        assert _refused(create) == (400, "BadRequest")
    else:
        assert create().virtual_network_subnet_id == subnet
