"""Every real PUT example: the emulator's GET body has the real response's keys at every depth."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.rest import HttpRequest

from emulator import Emulator, FaultConfig
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.transport import EmulatorTransport

from .conftest import BASE, EXAMPLES, SUB

# Differences between the emulator's body and the real example response, each with its reason.
# (type, key path prefix) -> reason. Keep short: server defaults belong in emulator/types.py.
ALLOWED: dict[tuple[str, str], str] = {
    ("microsoft.resources/resourcegroups", "type"): "real ARM returns type on resource groups; the example omits it",
    ("microsoft.network/virtualnetworks/subnets", "properties.delegations"): "example shows a delegation never sent",
    ("microsoft.network/virtualnetworks/subnets", "properties.purpose"): "purpose follows the unsent delegation",
    ("microsoft.insights/metricalerts", "tags"): "example response carries an unrelated hidden-link tag",
    ("microsoft.insights/metricalerts", "name"): "example response lacks name, which real ARM always returns",
    ("microsoft.web/staticsites/customdomains", "name"): "example response lacks name, which real ARM always returns",
    ("microsoft.insights/workbooks", "properties.sourceId"):
        "the example sends sourceId as a query parameter the emulator does not read; the estate sends it in the body",
    ("microsoft.network/azurefirewalls", "properties.hubIPAddresses.publicIPs.addresses"):
        "the service allocates public IP addresses for the requested count; the emulator allocates none",
    ("microsoft.cache/redis", "properties.shardCount"): "example response omits fields real Redis echoes",
    ("microsoft.cache/redis", "properties.subnetId"): "example response omits fields real Redis echoes",
    ("microsoft.cache/redis", "properties.staticIP"): "example response omits fields real Redis echoes",
    ("microsoft.web/sites", "properties.siteConfig"):
        "real ARM answers a site GET with siteConfig fields null and no appSettings (recordings: "
        "web/test_cli_mgmt_web_app.test_web_app_slot.yaml); the configuration is in sites/config",
    # The example's own estate (foreign ids, placeholder names/addresses) never reaches a body:
    # these fields exist only when the resource is linked/attached to something (emulator.bodies).
    ("microsoft.insights/components", "properties.LinkedStorages"): "example links its own storage account",
    ("microsoft.insights/components", "properties.WorkspaceResourceId"): "example links its own workspace",
    ("microsoft.network/natgateways", "properties.subnets"): "back-reference to subnets using the gateway; none here",
    ("microsoft.network/privateendpoints", "properties.customDnsConfigs"): "example's placeholder FQDNs and addresses",
    ("microsoft.network/publicipaddresses", "properties.ipConfiguration"): "an unattached public IP has none",
    ("microsoft.sql/servers", "properties.privateEndpointConnections[].properties.privateEndpoint"):
        "example's own private endpoint id",
    ("microsoft.web/sites", "properties.workloadProfileName"): "example's own workload profile; set only when the site runs in one",
    # Recorded live traffic (tests/fixtures/recordings): Service Bus children return the namespace's location
    ("microsoft.servicebus/namespaces/queues", "location"): "recorded: the namespace's location, display name",
    ("microsoft.servicebus/namespaces/topics", "location"): "recorded: the namespace's location, display name",
    ("microsoft.servicebus/namespaces/topics/subscriptions", "location"): "recorded: the namespace's location",
}

PUT_EXAMPLES = sorted(p.name for p in EXAMPLES.glob("*__PUT.json"))


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value; list items share the path ``name[]``."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            out |= key_paths(child, path)
    elif isinstance(value, list):
        for item in value:
            out |= key_paths(item, prefix + "[]")
    return out


def _allowed(type_key: str, path: str) -> bool:
    return any(t == type_key and (path == p or path.startswith(p + ".") or path.startswith(p + "[]"))
               for t, p in ALLOWED)


#: Types Azure names by GUID ("Naming rules and restrictions for Azure resources").
_GUID_NAMED = {"workbooks": "deadb33f-5e0d-4064-8ebb-1a4ed0313eb2"}


def _segment_name(segment: str, index: int) -> str:
    return _GUID_NAMED.get(segment) or re.sub("[^a-z0-9]", "", segment.lower())[:10] + str(index)


def _example_url(file_name: str) -> tuple[str, str, list[str]]:
    """(type key, resource path, parent paths to create first) for an example file."""
    parts = file_name[: -len("__PUT.json")].split("__")
    namespace, types = parts[0], parts[1:]
    type_key = "/".join([namespace, *types]).lower()
    rg_path = f"/subscriptions/{SUB}/resourceGroups/rg1"
    if type_key == "microsoft.resources/resourcegroups":
        return type_key, f"/subscriptions/{SUB}/resourceGroups/examplerg", []
    if type_key in ("microsoft.authorization/roleassignments", "microsoft.insights/diagnosticsettings"):
        scope = f"{rg_path}/providers/Microsoft.Logic/workflows/flow1"
        return type_key, f"{scope}/providers/{namespace}/{types[0]}/ext1", [scope]
    path = f"{rg_path}/providers/{namespace}"
    parents: list[str] = []
    for i, segment in enumerate(types):
        if i:
            parents.append(path)
        path += f"/{segment}/{_segment_name(segment, i)}"
        if segment == "blobServices":
            path = path.rsplit("/", 1)[0] + "/default"
    return type_key, path, [p for p in parents if not p.endswith("/blobServices/default")]


#: Parents whose empty body Azure refuses (emulator/refusals.py): a SQL server needs an admin.
_PARENT_PROPERTIES: dict[str, dict[str, Any]] = {
    "microsoft.sql/servers": {"administrators": {
        "administratorType": "ActiveDirectory", "principalType": "Group", "login": "sql-admins",
        "sid": "00000011-1111-2222-2222-123456789111", "tenantId": "00000011-1111-2222-2222-123456789111",
        "azureADOnlyAuthentication": True,
    }},
}


def _parent_body(path: str) -> dict[str, Any]:
    segs = path.split("/providers/")[-1].split("/")
    type_key = "/".join([segs[0], *segs[1::2]]).lower()
    return {"location": "westus2", "properties": dict(_PARENT_PROPERTIES.get(type_key, {}))}


def _send(client: PipelineClient[Any, Any], method: str, path: str, version: str, body: Any = None) -> Any:
    request = HttpRequest(method, f"{BASE}{path}", params={"api-version": version}, json=body)
    return client.send_request(request)


def _any_version(path: str) -> str:
    segs = path.split("/providers/")[-1].split("/")
    type_key = "/".join([segs[0], *segs[1::2]]).lower()
    return sorted(KNOWN_API_VERSIONS.get(type_key, {"2024-01-01"}))[-1]


@pytest.mark.parametrize("file_name", PUT_EXAMPLES)
def test_get_after_put_has_the_real_response_keys(file_name: str, tmp_path: Path) -> None:
    data = json.loads((EXAMPLES / file_name).read_text())
    example = data["example"]
    request_body = next(v for k, v in example["parameters"].items() if isinstance(v, dict) and k != "extendedLocation")
    type_key, path, parents = _example_url(file_name)
    emulator = Emulator(tmp_path / "state.db", faults=FaultConfig(throttle=False))
    client: PipelineClient[Any, Any] = PipelineClient(base_url=BASE, transport=EmulatorTransport(emulator))
    assert _send(client, "PUT", f"/subscriptions/{SUB}/resourceGroups/rg1", "2025-04-01", {"location": "westus2"}).status_code == 201
    for parent in parents:
        created = _send(client, "PUT", parent, _any_version(parent), _parent_body(parent))
        assert created.status_code in (200, 201, 202), created.text()

    put = _send(client, "PUT", path, data["api_version"], request_body)
    assert put.status_code in (200, 201, 202), put.text()
    got = _send(client, "GET", path, data["api_version"])
    assert got.status_code == 200

    def comparable(body: dict[str, Any]) -> set[str]:
        return {p for p in key_paths(body) if not _allowed(type_key, p)}

    mine = comparable(got.json())
    real = [comparable(r["body"]) for s, r in example["responses"].items() if s in ("200", "201") and r.get("body")]
    assert any(mine == keys for keys in real), (
        f"missing: {sorted(real[0] - mine)}\nextra: {sorted(mine - real[0])}"
    )
