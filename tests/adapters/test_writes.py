"""Read-merge-write through the real SDK: what the PUT carries, and how a write ends."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import responses
from azure.core.exceptions import HttpResponseError
from pydantic import SecretStr

from adapters.clients import LroTimeout
from adapters.generic import ConcurrentModification
from adapters.registry import AdapterRegistry
from desired_state.resource import Resource
from tests.adapters.arm_double import ArmDouble, factory, make_id, url_of
from tests.adapters.examples import example
from tests.adapters.test_adapters_http import RecordingTokens

VNET = "Microsoft.Network/virtualNetworks"


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def vnet_live_with_two_subnets() -> dict[str, Any]:
    live = example(VNET, "GET").live_body()
    other = copy.deepcopy(live["properties"]["subnets"][0])
    other["name"] = "managed-elsewhere"
    other["properties"] = {"addressPrefix": "10.0.9.0/24", "provisioningState": "Succeeded"}
    live["properties"]["subnets"].append(other)
    live["etag"] = 'W/"live-etag"'
    return live


def test_vnet_update_keeps_live_subnets_the_desired_body_does_not_name(mock: Any) -> None:
    live = vnet_live_with_two_subnets()
    double = ArmDouble(mock, make_id(VNET), copy.deepcopy(live), after_put=live)
    double.install()
    desired = Resource(address="net.vnet", type=VNET, id=make_id(VNET), layer="networking", body={
        "location": "westus",
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.1.0.0/16"]},
                       "subnets": [{"name": "app", "properties": {"addressPrefix": "10.1.0.0/24"}}]},
    })

    AdapterRegistry(factory()).for_type(VNET).write(desired, live)

    [put] = double.sent("PUT")
    sent = json.loads(put.body)
    subnets = {s["name"]: s["properties"]["addressPrefix"] for s in sent["properties"]["subnets"]}
    assert subnets == {"subnet1": "10.0.1.0/24", "managed-elsewhere": "10.0.9.0/24", "app": "10.1.0.0/24"}
    assert sent["properties"]["addressSpace"]["addressPrefixes"] == ["10.0.0.0/16", "10.1.0.0/16"]
    assert put.headers["If-Match"] == 'W/"live-etag"'
    assert "etag" not in sent and "provisioningState" not in sent["properties"]


def test_vnet_update_without_subnets_in_desired_keeps_them_all(mock: Any) -> None:
    live = vnet_live_with_two_subnets()
    double = ArmDouble(mock, make_id(VNET), copy.deepcopy(live), after_put=live)
    double.install()
    desired = Resource(address="net.vnet", type=VNET, id=make_id(VNET), layer="networking",
                       body={"location": "westus", "tags": {"env": "dev"}})
    AdapterRegistry(factory()).for_type(VNET).write(desired, live)
    sent = json.loads(double.sent("PUT")[0].body)
    assert [s["name"] for s in sent["properties"]["subnets"]] == ["subnet1", "managed-elsewhere"]
    assert sent["tags"] == {"env": "dev"}


def test_a_412_becomes_concurrent_modification(mock: Any) -> None:
    live = vnet_live_with_two_subnets()
    mock.add(responses.PUT, url_of(make_id(VNET)), status=412,
             json={"error": {"code": "PreconditionFailed", "message": "etag mismatch"}})
    desired = Resource(address="net.vnet", type=VNET, id=make_id(VNET), layer="networking", body={"location": "westus"})
    with pytest.raises(ConcurrentModification) as caught:
        AdapterRegistry(factory()).for_type(VNET).write(desired, live)
    assert caught.value.resource_id == make_id(VNET)


def test_secrets_are_merged_into_the_request_only(mock: Any) -> None:
    server = "Microsoft.Sql/servers"
    final = example(server, "PUT").live_body()
    double = ArmDouble(mock, make_id(server), None, after_put=final)
    double.install()
    desired = Resource(address="db.server", type=server, id=make_id(server), layer="database",
                       body={"location": "japaneast", "properties": {"administratorLogin": "dummylogin"}},
                       secrets={"properties.administratorLoginPassword": SecretStr("s3cret-Value")})
    AdapterRegistry(factory()).for_type(server).write(desired, None)
    sent = json.loads(double.sent("PUT")[0].body)
    assert sent["properties"]["administratorLoginPassword"] == "s3cret-Value"
    assert "administratorLoginPassword" not in json.dumps(desired.body)
    assert "s3cret" not in repr(desired)


def test_a_write_resumes_from_a_stored_continuation_token(mock: Any) -> None:
    # First process: the PUT starts, its token is stored, then the process "dies".
    live = example(VNET, "PUT").live_body()
    double = ArmDouble(mock, make_id(VNET), None, after_put=live)
    double.install()
    desired = Resource(address="net.vnet", type=VNET, id=make_id(VNET), layer="networking",
                       body=example(VNET, "PUT").request_body())
    clients = factory()
    entry = AdapterRegistry(clients).for_type(VNET)
    poller = clients.client("network").virtual_networks.begin_create_or_update(
        "rg1", "virtualnetworks1", desired.body)
    tokens = RecordingTokens({desired.id: poller.continuation_token()})
    puts_before = len(double.sent("PUT"))

    # Second process: resumes polling instead of sending the PUT again.
    result = entry.write(desired, None, lro_tokens=tokens)

    assert len(double.sent("PUT")) == puts_before
    assert result == live
    assert tokens.tokens == {}


def vnet_resource() -> Resource:
    return Resource(address="net.vnet", type=VNET, id=make_id(VNET), layer="networking",
                    body=example(VNET, "PUT").request_body())


def test_a_token_that_no_longer_resolves_is_discarded_and_the_write_starts_over(mock: Any) -> None:
    final = example(VNET, "PUT").live_body()
    double = ArmDouble(mock, make_id(VNET), None, after_put=final)
    double.install()
    tokens = RecordingTokens({make_id(VNET): "not-a-continuation-token"})
    result = AdapterRegistry(factory()).for_type(VNET).write(vnet_resource(), None, lro_tokens=tokens)
    assert result == final
    assert len(double.sent("PUT")) == 1
    assert tokens.tokens == {}


def test_a_failed_operation_clears_its_token_and_raises(mock: Any) -> None:
    ArmDouble(mock, make_id(VNET), None, after_put=example(VNET, "PUT").live_body(), operation_status="Failed").install()
    tokens = RecordingTokens()
    with pytest.raises(HttpResponseError):
        AdapterRegistry(factory()).for_type(VNET).write(vnet_resource(), None, lro_tokens=tokens)
    assert [op for op, _ in tokens.calls] == ["get", "put", "clear"]


def test_an_operation_that_times_out_keeps_its_token_for_the_next_cycle(mock: Any) -> None:
    ArmDouble(mock, make_id(VNET), None, after_put=example(VNET, "PUT").live_body()).install()
    clients = factory()

    def too_slow(poller: Any, what: str) -> Any:
        raise LroTimeout(f"{what}: long-running operation not finished after 1 s")

    clients.wait = too_slow  # type: ignore[method-assign]
    tokens = RecordingTokens()
    with pytest.raises(LroTimeout):
        AdapterRegistry(clients).for_type(VNET).write(vnet_resource(), None, lro_tokens=tokens)
    assert list(tokens.tokens) == [make_id(VNET)]


def test_a_delete_resumes_from_its_token(mock: Any) -> None:
    double = ArmDouble(mock, make_id(VNET), example(VNET, "GET").live_body())
    double.install()
    clients = factory()
    poller = clients.client("network").virtual_networks.begin_delete("rg1", "virtualnetworks1")
    tokens = RecordingTokens({make_id(VNET): poller.continuation_token()})
    poller.result()
    AdapterRegistry(clients).for_type(VNET).delete(make_id(VNET), lro_tokens=tokens)
    assert len(double.sent("DELETE")) == 1
    assert tokens.tokens == {}
