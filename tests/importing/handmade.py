"""A resource group made by hand, as a portal user makes one: HTTP requests to `reconcile emulator serve`.

The request bodies are Microsoft's REST examples (tests/fixtures/arm-examples, source and commit in each
file) with our names, region and references: a VNet with two subnets (one associated with the NSG and the
route table), an NSG with two rules, a route table with two routes, a public IP, a Log Analytics
workspace, a storage account with a blob container, a Service Bus namespace with a topic and a
subscription, and a Key Vault (its network rules point at a subnet) holding a secret: 18 resources of 15
ARM types in the group (8 of them top-level), none declared by any environment of the estate.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from emulator.changes import unsigned_token

SUB = "00000000-0000-0000-0000-000000000000"
GROUP = "rg-handmade-wus2"
LOCATION = "westus2"
GROUP_ID = f"/subscriptions/{SUB}/resourceGroups/{GROUP}"
#: A person in the portal (User-Agent of a browser; the claims Azure AD puts in a user's ARM token).
HEADERS = {
    "Authorization": "Bearer " + unsigned_token({"oid": "0a11ce00-0000-4000-8000-000000000001",
                                                 "upn": "alice@contoso.com", "idtyp": "user"}),
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Content-Type": "application/json",
}
#: The secret's value: a canary that must never appear in generated code or in any output.
SECRET_CANARY = "canary-7f3b9c1e-DO-NOT-PRINT"

NET = f"{GROUP_ID}/providers/Microsoft.Network"
VNET = f"{NET}/virtualNetworks/vnet-handmade"
NSG = f"{NET}/networkSecurityGroups/nsg-handmade"
ROUTES = f"{NET}/routeTables/rt-handmade"
STORAGE = f"{GROUP_ID}/providers/Microsoft.Storage/storageAccounts/sthandmade01"
BUS = f"{GROUP_ID}/providers/Microsoft.ServiceBus/namespaces/sb-handmade-01"
VAULT = f"{GROUP_ID}/providers/Microsoft.KeyVault/vaults/kv-handmade-01"

#: (id, api-version, body) in the order a person creates them (what a thing refers to first).
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    (GROUP_ID, "2021-04-01", {"location": LOCATION, "tags": {"team": "payments", "created-by": "alice"}}),
    # NetworkSecurityGroupCreateWithRule.json (2024-07-01), a second rule added.
    (NSG, "2024-07-01", {"location": LOCATION, "tags": {"team": "payments"}, "properties": {"securityRules": [
        {"name": "allow-http", "properties": {
            "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Allow",
            "destinationPortRange": "80", "sourcePortRange": "*", "priority": 130, "direction": "Inbound"}},
        {"name": "deny-rdp", "properties": {
            "protocol": "Tcp", "sourceAddressPrefix": "Internet", "destinationAddressPrefix": "*", "access": "Deny",
            "destinationPortRange": "3389", "sourcePortRange": "*", "priority": 200, "direction": "Inbound"}},
    ]}}),
    # RouteTableCreateWithRoute.json (2024-07-01): the table, then its routes as their own requests.
    (ROUTES, "2024-07-01", {"location": LOCATION, "properties": {"disableBgpRoutePropagation": True}}),
    (f"{ROUTES}/routes/to-internet", "2024-07-01",
     {"properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}}),
    (f"{ROUTES}/routes/to-onprem", "2024-07-01",
     {"properties": {"addressPrefix": "192.168.0.0/16", "nextHopType": "VirtualNetworkGateway"}}),
    # VirtualNetworkCreateWithBgpCommunities.json (2024-07-01): subnets inline, as the portal sends them.
    (VNET, "2024-07-01", {"location": LOCATION, "tags": {"team": "payments"}, "properties": {
        "addressSpace": {"addressPrefixes": ["10.40.0.0/16"]},
        "subnets": [
            {"name": "app", "properties": {"addressPrefix": "10.40.1.0/24",
                                           "networkSecurityGroup": {"id": NSG}, "routeTable": {"id": ROUTES}}},
            {"name": "data", "properties": {"addressPrefix": "10.40.2.0/24"}},
        ]}}),
    # PublicIpAddressCreateDns.json (2024-07-01), Standard and static as the portal's default.
    (f"{NET}/publicIPAddresses/pip-handmade", "2024-07-01", {
        "location": LOCATION, "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": "handmade-lbl"}}}),
    # WorkspacesCreate.json (2025-02-01).
    (f"{GROUP_ID}/providers/Microsoft.OperationalInsights/workspaces/log-handmade", "2025-02-01", {
        "location": LOCATION, "tags": {"tag1": "val1"},
        "properties": {"sku": {"name": "PerGB2018"}, "retentionInDays": 30}}),
    # StorageAccountCreate.json family (2024-01-01), without the edge zone.
    (STORAGE, "2024-01-01", {
        "sku": {"name": "Standard_GRS"}, "kind": "StorageV2", "location": LOCATION, "tags": {"key1": "value1"},
        "properties": {"allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2", "allowSharedKeyAccess": True,
                       "isHnsEnabled": True, "keyPolicy": {"keyExpirationPeriodInDays": 20}}}),
    # BlobContainersPut.json (2024-01-01).
    (f"{STORAGE}/blobServices/default/containers/invoices", "2024-01-01", {"properties": {}}),
    # SBNameSpaceCreate.json (2022-10-01-preview): a Standard namespace (topics need Standard).
    (BUS, "2022-10-01-preview", {"sku": {"name": "Standard", "tier": "Standard"}, "location": LOCATION,
                                 "tags": {"tag1": "value1"}, "properties": {"minimumTlsVersion": "1.2"}}),
    # SBTopicCreate.json, SBSubscriptionCreate.json (2022-10-01-preview).
    (f"{BUS}/topics/orders", "2022-10-01-preview", {"properties": {"enableExpress": True}}),
    (f"{BUS}/topics/orders/subscriptions/billing", "2022-10-01-preview",
     {"properties": {"enableBatchedOperations": True, "maxDeliveryCount": 7}}),
    # createVaultWithNetworkAcls.json (2024-11-01): its network rules name the app subnet.
    (VAULT, "2024-11-01", {"location": LOCATION, "properties": {
        "tenantId": SUB, "sku": {"family": "A", "name": "standard"},
        "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "124.56.78.91"}],
                        "virtualNetworkRules": [{"id": f"{VNET}/subnets/app"}]},
        "enabledForDeployment": True, "enabledForTemplateDeployment": True}}),
    # "Create a secret" (2024-11-01): the value is a canary.
    (f"{VAULT}/secrets/db-password", "2024-11-01",
     {"tags": {"rotation": "90d"}, "properties": {"value": SECRET_CANARY, "contentType": "text/plain"}}),
]



@contextmanager
def served(state: Path, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """`reconcile emulator serve --state STATE --port 0` in its own process; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "emulator", "serve", "--state", str(state), "--port", "0",
         "--no-throttle"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert " at http" in first, first
        yield first.rsplit(" at ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


def put(url: str, resource_id: str, api_version: str, body: dict[str, Any]) -> dict[str, Any]:
    """One PUT as a portal user sends it, followed to its end when it is long-running."""
    response = requests.put(f"{url}{resource_id}?api-version={api_version}", headers=HEADERS,
                            data=json.dumps(body), timeout=30)
    assert response.status_code in (200, 201, 202), (resource_id, response.status_code, response.text[:300])
    poll = response.headers.get("Azure-AsyncOperation") or response.headers.get("Location")
    deadline = time.monotonic() + 30
    while response.status_code in (201, 202) and poll and time.monotonic() < deadline:
        status = requests.get(poll, headers=HEADERS, timeout=30)
        if status.status_code == 200 and status.json().get("status", "Succeeded") in ("Succeeded", "Failed", "Canceled"):
            break
        time.sleep(0.05)
    got = requests.get(f"{url}{resource_id}?api-version={api_version}", headers=HEADERS, timeout=30)
    assert got.status_code == 200, (resource_id, got.status_code, got.text[:300])
    return dict(got.json())


def create(url: str) -> dict[str, dict[str, Any]]:
    """Every hand-made resource, by id: the bodies ARM answered."""
    return {rid: put(url, rid, version, body) for rid, version, body in REQUESTS}
