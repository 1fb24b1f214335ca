"""Adapters through the real SDK clients and requests transport, against
`responses` serving real ARM bodies: read, 404, write (LRO where the SDK has
one), delete, for at least one type of every service module."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import responses

from adapters.compare import compare
from adapters.registry import SERVICE_MODULES, AdapterRegistry, entry_for
from desired_state.resource import Resource
from tests.adapters.arm_double import ArmDouble, factory, make_id
from tests.adapters.examples import example

#: One type per service module (an LRO create where the service has one).
PER_SERVICE = {
    "network": "Microsoft.Network/virtualNetworks",
    "dns": "Microsoft.Network/dnsZones",
    "privatedns": "Microsoft.Network/privateDnsZones",
    "keyvault": "Microsoft.KeyVault/vaults",
    "msi": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "authorization": "Microsoft.Authorization/roleAssignments",
    "monitor": "Microsoft.Insights/metricAlerts",
    "loganalytics": "Microsoft.OperationalInsights/workspaces",
    "applicationinsights": "Microsoft.Insights/components",
    "sql": "Microsoft.Sql/servers",
    "servicebus": "Microsoft.ServiceBus/namespaces",
    "storage": "Microsoft.Storage/storageAccounts",
    "web": "Microsoft.Web/serverfarms",
    "appcontainers": "Microsoft.App/managedEnvironments",
    "apimanagement": "Microsoft.ApiManagement/service",
    "cdn": "Microsoft.Cdn/profiles",
    "datafactory": "Microsoft.DataFactory/factories",
    "redis": "Microsoft.Cache/redis",
    "cosmosdb": "Microsoft.DocumentDB/databaseAccounts",
    "resource": "Microsoft.Resources/resourceGroups",
}
#: Further types with their own call shapes (generic-resources route, record type, child LRO).
EXTRA = ["Microsoft.Insights/diagnosticSettings", "Microsoft.Network/dnsZones/CNAME",
         "Microsoft.Network/virtualNetworks/subnets", "Microsoft.ApiManagement/service/apis/policies",
         "Microsoft.Storage/storageAccounts/blobServices/containers"]
TYPES = list(PER_SERVICE.values()) + EXTRA


def test_every_service_module_is_covered() -> None:
    assert {m.__name__.rsplit(".", 1)[-1] for m in SERVICE_MODULES} == set(PER_SERVICE)
    assert {entry_for(t).service for t in PER_SERVICE.values()} >= set(PER_SERVICE) - {"monitor"}


def live_of(arm_type: str) -> dict[str, Any]:
    try:
        return example(arm_type, "GET").live_body()
    except LookupError:  # no resource-group GET example exists: the PUT's response is the live body
        return example(arm_type, "PUT").live_body()


def desired_of(arm_type: str) -> Resource:
    return Resource(address=f"test.{arm_type}", type=arm_type, id=make_id(arm_type), layer="test",
                    body=example(arm_type, "PUT").request_body())


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.mark.parametrize("arm_type", TYPES)
def test_read_returns_the_raw_live_body(arm_type: str, mock: Any) -> None:
    live = live_of(arm_type)
    double = ArmDouble(mock, make_id(arm_type), copy.deepcopy(live))
    double.install()
    adapter = AdapterRegistry(factory()).for_type(arm_type)
    assert adapter.read(make_id(arm_type)) == live
    [get] = double.sent("GET")
    assert "api-version=" in get.url


@pytest.mark.parametrize("arm_type", TYPES)
def test_read_of_a_missing_resource_is_none(arm_type: str, mock: Any) -> None:
    ArmDouble(mock, make_id(arm_type), None).install()
    assert AdapterRegistry(factory()).for_type(arm_type).read(make_id(arm_type)) is None


@pytest.mark.parametrize("arm_type", TYPES)
def test_write_sends_declared_fields_and_waits_for_the_operation(arm_type: str, mock: Any) -> None:
    entry = entry_for(arm_type)
    live = live_of(arm_type)
    final = example(arm_type, "PUT").live_body()
    codes = example(arm_type, "PUT").responses
    double = ArmDouble(mock, make_id(arm_type), copy.deepcopy(live), after_put=final, lro=entry.create_is_lro,
                       lro_status=next(int(c) for c in ("201", "202", "200") if c in codes))
    double.install()
    resource = desired_of(arm_type)
    tokens = RecordingTokens()

    result = AdapterRegistry(factory()).for_type(arm_type).write(resource, live, lro_tokens=tokens)

    assert result == final
    [put] = double.sent("PUT")
    sent = json.loads(put.body)
    assert compare(resource.body, sent, entry.rules).in_sync
    etag = live.get("etag")
    assert put.headers.get("If-Match") == (etag if entry.etag and etag else None)
    if entry.create_is_lro:
        assert [op for op, _ in tokens.calls] == ["get", "put", "clear"]
        assert any("operations/put1" in r.url for r in double.sent("GET"))


@pytest.mark.parametrize("arm_type", TYPES)
def test_delete_waits_and_treats_gone_as_done(arm_type: str, mock: Any) -> None:
    entry = entry_for(arm_type)
    double = ArmDouble(mock, make_id(arm_type), live_of(arm_type), lro=entry.delete_is_lro)
    double.install()
    adapter = AdapterRegistry(factory()).for_type(arm_type)
    adapter.delete(make_id(arm_type))
    adapter.delete(make_id(arm_type))  # already gone: 204 (or 404) is not an error
    assert len(double.sent("DELETE")) == 2
    if entry.delete_is_lro:
        assert any("operations/delete1" in r.url for r in double.sent("GET"))


class RecordingTokens:
    """An in-memory LroTokenStore that records its calls."""

    def __init__(self, existing: dict[str, str] | None = None) -> None:
        self.tokens = dict(existing or {})
        self.calls: list[tuple[str, str]] = []

    def get(self, resource_id: str) -> str | None:
        self.calls.append(("get", resource_id))
        return self.tokens.get(resource_id)

    def put(self, resource_id: str, token: str) -> None:
        self.calls.append(("put", resource_id))
        self.tokens[resource_id] = token

    def clear(self, resource_id: str) -> None:
        self.calls.append(("clear", resource_id))
        self.tokens.pop(resource_id, None)
