"""The emulator answers as real ARM does, through the real SDK clients.

PATCH semantics, no template marker or example placeholder in a body, unknown fields
dropped, required fields refused, and the real status codes of Service Bus / Event Hubs
authorization rules and Cosmos DB SQL databases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.cosmosdb import CosmosDBManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.servicebus import ServiceBusManagementClient
from azure.mgmt.web import WebSiteManagementClient

from emulator import Emulator
from tests.emulator.conftest import SUB

Build = Callable[..., Any]
TENANT = "72f988bf-0000-4000-8000-00000000e111"


def _last(emulator: Emulator, method: str) -> int:
    """Status of the latest request of that method."""
    return next(r.status for r in reversed(emulator.request_log) if r.method == method)


def _texts(node: Any) -> list[str]:
    """Every key and string value in a body."""
    if isinstance(node, dict):
        return [k for k in node] + [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return [node] if isinstance(node, str) else []


# -- PATCH ---------------------------------------------------------------------


def test_update_tags_on_network_types_is_a_synchronous_200_with_the_body(
    emulator: Emulator, rg: str, make_client: Build
) -> None:
    net = make_client(NetworkManagementClient)
    net.virtual_networks.begin_create_or_update(
        rg, "v1", {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    ).result()
    vnet = net.virtual_networks.update_tags(rg, "v1", {"tags": {"team": "a"}})
    assert _last(emulator, "PATCH") == 200
    assert vnet.tags == {"team": "a"} and vnet.address_space.address_prefixes == ["10.0.0.0/16"]
    net.public_ip_addresses.begin_create_or_update(rg, "ip1", {"location": "westus2"}).result()
    ip = net.public_ip_addresses.update_tags(rg, "ip1", {"tags": {"team": "b"}})
    assert _last(emulator, "PATCH") == 200 and ip.tags == {"team": "b"}


def test_key_vault_and_web_app_update_answer_200_with_the_body(emulator: Emulator, rg: str, make_client: Build) -> None:
    kv = make_client(KeyVaultManagementClient)
    kv.vaults.begin_create_or_update(
        rg,
        "kv-fidelity-1",
        {"location": "westus2", "properties": {"tenantId": TENANT, "sku": {"family": "A", "name": "standard"}}},
    ).result()
    vault = kv.vaults.update(rg, "kv-fidelity-1", {"tags": {"t": "1"}})
    assert _last(emulator, "PATCH") == 200 and vault.tags == {"t": "1"}

    web = make_client(WebSiteManagementClient)
    plan = web.app_service_plans.begin_create_or_update(
        rg, "plan1", {"location": "westus2", "sku": {"name": "B1"}}
    ).result()
    web.web_apps.begin_create_or_update(rg, "app-fidelity-1", {"location": "westus2", "properties": {"serverFarmId": plan.id}}).result()
    site = web.web_apps.update(rg, "app-fidelity-1", {"tags": {"t": "2"}})
    assert _last(emulator, "PATCH") == 200
    assert site.tags == {"t": "2"} and site.server_farm_id == plan.id


# -- template markers and example placeholders --------------------------------------


def test_a_put_without_properties_gets_no_template_markers(emulator: Emulator, rg: str, make_client: Build) -> None:
    net = make_client(NetworkManagementClient)
    net.virtual_networks.begin_create_or_update(rg, "bare", {"location": "westus2"}).result()
    body = emulator.handle(
        "GET", f"https://management.azure.com/subscriptions/{SUB}/resourceGroups/{rg}/providers/"
        "Microsoft.Network/virtualNetworks/bare?api-version=2024-07-01", {}, None
    ).json()
    leaks = [t for t in _texts(body) if t.endswith("?") or t == "__each__" or "${" in t]
    assert not leaks, leaks
    assert "bgpCommunities" not in body["properties"]


def test_private_endpoint_and_public_ip_values_come_from_the_resource(
    emulator: Emulator, rg: str, make_client: Build
) -> None:
    net = make_client(NetworkManagementClient)
    net.virtual_networks.begin_create_or_update(
        rg,
        "v1",
        {
            "location": "westus2",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "pe", "properties": {"addressPrefix": "10.0.1.0/24"}}],
            },
        },
    ).result()
    subnet = net.subnets.get(rg, "v1", "pe")
    target = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/st1"
    endpoint = net.private_endpoints.begin_create_or_update(
        rg,
        "pe-st1",
        {
            "location": "westus2",
            "properties": {
                "subnet": {"id": subnet.id},
                "privateLinkServiceConnections": [
                    {"name": "to-blob", "properties": {"privateLinkServiceId": target, "groupIds": ["blob"]}}
                ],
            },
        },
    ).result()
    text = json.dumps(endpoint.as_dict())
    for placeholder in ("provders", "abc.cosmos.com", "192.168.0.4", "plsconnection1", "subId", "testPe"):
        assert placeholder not in text, placeholder
    nic = endpoint.network_interfaces[0].id
    assert nic.startswith(f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/pe-st1.nic.")
    assert endpoint.private_link_service_connections[0].id == f"{endpoint.id}/privateLinkServiceConnections/to-blob"

    ip = net.public_ip_addresses.begin_create_or_update(
        rg, "ip1", {"location": "westus2", "properties": {"dnsSettings": {"domainNameLabel": "myapp"}}}
    ).result()
    assert ip.ip_configuration is None  # unattached: no back-reference, least of all another estate's
    assert ip.dns_settings.fqdn == "myapp.westus2.cloudapp.azure.com"


# -- unknown and required fields ---------------------------------------------


def test_unknown_fields_are_dropped_and_read_only_ones_ignored(emulator: Emulator, rg: str, make_client: Build) -> None:
    client = make_client(ResourceManagementClient)
    url = (
        f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/ip2"
        "?api-version=2024-07-01"
    )
    body = {
        "location": "westus2",
        "colour": "blue",
        "systemData": {"createdBy": "me"},
        "id": "/subscriptions/other/whatever",
        "properties": {"provisioningState": "Failed"},
    }
    answer = client.send_request(HttpRequest("PUT", url, json=body))
    assert answer.status_code in (200, 201)
    stored = client.send_request(HttpRequest("GET", url)).json()
    assert "colour" not in stored and "systemData" not in stored
    assert stored["id"].endswith("/publicIPAddresses/ip2")
    assert stored["properties"]["provisioningState"] == "Succeeded"


def test_a_missing_location_is_refused_with_the_provider_code(emulator: Emulator, rg: str, make_client: Build) -> None:
    net = make_client(NetworkManagementClient)
    with pytest.raises(HttpResponseError) as refused:
        net.virtual_networks.begin_create_or_update(
            rg, "nowhere", {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
        ).result()
    assert refused.value.status_code == 400
    assert refused.value.error is not None and refused.value.error.code == "LocationRequired"


# -- real status codes of authorization rules and Cosmos SQL databases ---------------


def test_service_bus_and_event_hubs_authorization_rules_answer_200(emulator: Emulator, rg: str, make_client: Build) -> None:
    sb = make_client(ServiceBusManagementClient)
    sb.namespaces.begin_create_or_update(rg, "sbns-fid", {"location": "westus2", "sku": {"name": "Standard"}}).result()
    assert _last(emulator, "PUT") == 200  # recorded: synchronous 200, provisioningState Created
    sb.namespaces.create_or_update_authorization_rule(rg, "sbns-fid", "send", {"properties": {"rights": ["Send"]}})
    assert _last(emulator, "PUT") == 200
    keys = sb.namespaces.list_keys(rg, "sbns-fid", "send")
    assert keys.key_name == "send" and "sbns-fid.servicebus.windows.net" in keys.primary_connection_string

    client = make_client(ResourceManagementClient)
    base = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.EventHub/namespaces/ehns-fid"
    version = "?api-version=2024-01-01"
    client.send_request(HttpRequest("PUT", base + version, json={"location": "westus2", "sku": {"name": "Standard"}}))
    rule = client.send_request(
        HttpRequest("PUT", f"{base}/authorizationRules/listen{version}", json={"properties": {"rights": ["Listen"]}})
    )
    assert rule.status_code == 200
    assert "provisioningState" not in rule.json()["properties"]


def test_cosmos_sql_database_create_is_a_202_with_both_headers(emulator: Emulator, rg: str, make_client: Build) -> None:
    cosmos = make_client(CosmosDBManagementClient)
    cosmos.database_accounts.begin_create_or_update(
        rg,
        "cosmos-fid",
        {"location": "westus2", "properties": {"databaseAccountOfferType": "Standard", "locations": [{"locationName": "westus2"}]}},
    ).result()
    database = cosmos.sql_resources.begin_create_update_sql_database(
        rg, "cosmos-fid", "db1", {"properties": {"resource": {"id": "db1"}, "options": {}}}
    ).result()
    assert database.name == "db1"
    put = next(r for r in reversed(emulator.request_log) if r.method == "PUT")
    assert put.status == 202


# -- read-back: locations as each provider spells them ---------------------------


def test_locations_come_back_as_the_provider_spells_them(emulator: Emulator, rg: str, make_client: Build) -> None:
    sb = make_client(ServiceBusManagementClient)
    sb.namespaces.begin_create_or_update(rg, "sbns-loc", {"location": "westus2", "sku": {"name": "Standard"}}).result()
    sb.queues.create_or_update(rg, "sbns-loc", "q1", {})
    assert sb.namespaces.get(rg, "sbns-loc").location == "West US 2"  # recorded: display name
    queue = client_json(make_client, f"/resourceGroups/{rg}/providers/Microsoft.ServiceBus/namespaces/sbns-loc/queues/q1")
    assert queue["location"] == "West US 2"  # recorded: the parent's, although none was sent
    net = make_client(NetworkManagementClient)
    net.public_ip_addresses.begin_create_or_update(rg, "ip-loc", {"location": "West Europe"}).result()
    assert net.public_ip_addresses.get(rg, "ip-loc").location == "westeurope"  # recorded: short name
    kv = make_client(KeyVaultManagementClient)
    kv.vaults.begin_create_or_update(
        rg,
        "kv-loc-1",
        {"location": "westus2", "properties": {"tenantId": TENANT, "sku": {"family": "A", "name": "standard"}}},
    ).result()
    assert kv.vaults.get(rg, "kv-loc-1").location == "westus2"  # recorded: as sent


def client_json(make_client: Build, path: str) -> Any:
    client = make_client(ResourceManagementClient)
    answer = client.send_request(HttpRequest("GET", f"/subscriptions/{SUB}{path}?api-version=2017-04-01"))
    assert answer.status_code == 200, answer.text()
    return answer.json()


def test_values_the_provider_rewrites_come_back_rewritten(emulator: Emulator, rg: str, make_client: Build) -> None:
    net = make_client(NetworkManagementClient)
    net.virtual_networks.begin_create_or_update(
        rg, "v-rb", {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    ).result()
    net.subnets.begin_create_or_update(
        rg, "v-rb", "s1", {"properties": {"addressPrefix": "10.0.1.0/24", "privateEndpointNetworkPolicies": "disabled"}}
    ).result()
    assert net.subnets.get(rg, "v-rb", "s1").private_endpoint_network_policies == "Disabled"  # recorded casing
    web = make_client(WebSiteManagementClient)
    plan = web.app_service_plans.begin_create_or_update(
        rg, "plan-rb", {"location": "westus2", "sku": {"name": "S1", "tier": "STANDARD"}}
    ).result()
    assert plan.sku.tier == "Standard" and plan.location == "West US 2"
    cosmos = make_client(CosmosDBManagementClient)
    account = cosmos.database_accounts.begin_create_or_update(
        rg,
        "cosmos-rb",
        {"location": "westus2", "properties": {"databaseAccountOfferType": "Standard", "locations": [{"locationName": "westus2"}]}},
    ).result()
    assert account.location == "West US 2"
    assert cosmos.database_accounts.get(rg, "cosmos-rb").locations[0].location_name == "West US 2"


def test_a_route_write_moves_the_route_tables_etag(emulator: Emulator, rg: str, make_client: Build) -> None:
    net = make_client(NetworkManagementClient)
    before = net.route_tables.begin_create_or_update(rg, "rt1", {"location": "westus2"}).result().etag
    net.routes.begin_create_or_update(
        rg, "rt1", "r1", {"properties": {"addressPrefix": "10.1.0.0/16", "nextHopType": "VnetLocal"}}
    ).result()
    assert net.route_tables.get(rg, "rt1").etag != before  # recorded: routeTables etag moved after a route PUT
