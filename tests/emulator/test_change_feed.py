"""The emulator records who wrote what and serves it as Resource Graph `resourcechanges` and the
Activity Log, read here through the real `azure-mgmt-resourcegraph` and `azure-mgmt-monitor` clients."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.monitor import MonitorManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from emulator import Emulator
from emulator.changes import ChangeFeedConfig, caller_of, token_claims, unsigned_token
from emulator.transport import EmulatorTransport
from tests.emulator.conftest import BASE, SUB, FakeCredential

ALICE = unsigned_token({"oid": "0a11ce00-0000-4000-8000-000000000001", "upn": "alice@contoso.com", "idtyp": "user"})
PIPELINE = unsigned_token({"oid": "0b0b0000-0000-4000-8000-000000000002", "appid": "c1c1c1c1-0000-4000-8000-0000000000ff",
                           "idtyp": "app"})
RG_API = "2025-04-01"


class _As(SansIOHTTPPolicy[Any, Any]):
    """Sends a given token and User-Agent (the SDK's own credential is not what is tested here)."""

    def __init__(self, token: str, agent: str) -> None:
        self.token, self.agent = token, agent

    def on_request(self, request: Any) -> None:
        request.http_request.headers["Authorization"] = f"Bearer {self.token}"
        request.http_request.headers["User-Agent"] = self.agent


def _put_group(emu: Emulator, name: str, token: str, agent: str, tags: dict[str, str]) -> None:
    answer = emu.handle(
        "PUT", f"{BASE}/subscriptions/{SUB}/resourcegroups/{name}?api-version={RG_API}",
        {"Authorization": f"Bearer {token}", "User-Agent": agent},
        json.dumps({"location": "westus2", "tags": tags}).encode(),
    )
    assert answer.status in (200, 201), answer.body


def _graph(emu: Emulator) -> ResourceGraphClient:
    return ResourceGraphClient(FakeCredential(), base_url=BASE, transport=EmulatorTransport(emu))  # type: ignore[arg-type]


def _query(ids: list[str]) -> str:
    listed = ", ".join(f"'{i}'" for i in ids)
    return (
        "resourcechanges | extend targetResourceId = tostring(properties.targetResourceId), "
        "changeTime = todatetime(properties.changeAttributes.timestamp) "
        f"| where targetResourceId in~ ({listed}) and changeTime > datetime(2020-01-01T00:00:00Z) "
        "| order by changeTime desc | project targetResourceId, changeTime, properties"
    )


def test_token_claims_and_client_type_name_the_caller() -> None:
    caller = caller_of({"authorization": f"Bearer {ALICE}", "user-agent": "Mozilla/5.0 (X11)"})
    assert (caller.changed_by, caller.changed_by_type, caller.client_type) == ("alice@contoso.com", "User", "Azure Portal")
    app = caller_of({"authorization": f"Bearer {PIPELINE}", "user-agent": "AZURECLI/2.61.0 azsdk-python"})
    assert (app.changed_by, app.changed_by_type, app.client_type) == ("c1c1c1c1-0000-4000-8000-0000000000ff", "Application", "Azure CLI")
    assert token_claims("an-opaque-token") == {}
    assert caller_of({"authorization": "Bearer an-opaque-token"}).changed_by == ""


def test_resource_graph_serves_changes_with_before_after_and_pages(state_path: Path) -> None:
    emu = Emulator(state_path, change_feed=ChangeFeedConfig())
    rg_id = f"/subscriptions/{SUB}/resourceGroups/rg-a"
    _put_group(emu, "rg-a", PIPELINE, "azure-cli/2.61", {"env": "dev"})
    _put_group(emu, "rg-a", ALICE, "Mozilla/5.0", {"env": "prod"})
    _put_group(emu, "rg-b", ALICE, "Mozilla/5.0", {})
    client = _graph(emu)
    answer = client.resources(QueryRequest(subscriptions=[SUB], query=_query([rg_id.upper()])))
    assert answer.total_records == 2
    newest, oldest = answer.data
    assert newest["targetResourceId"] == rg_id
    attrs = newest["properties"]["changeAttributes"]
    assert (attrs["changedBy"], attrs["clientType"], attrs["changedByType"]) == ("alice@contoso.com", "Azure Portal", "User")
    assert attrs["operation"] == "microsoft.resources/resourcegroups/write"
    assert newest["properties"]["changeType"] == "Update"
    assert newest["properties"]["changes"]["tags.env"] == {
        "newValue": "prod", "previousValue": "dev", "changeCategory": "User",
        "propertyChangeType": "Update", "isTruncated": "false",
    }
    assert oldest["properties"]["changeType"] == "Create"
    assert oldest["properties"]["changeAttributes"]["clientType"] == "Azure CLI"

    # Paging: $top 1 gives a $skipToken that reads the rest.
    first = client.resources(QueryRequest(subscriptions=[SUB], query=_query([rg_id]), options=QueryRequestOptions(top=1)))
    assert first.count == 1 and first.skip_token
    second = client.resources(QueryRequest(
        subscriptions=[SUB], query=_query([rg_id]), options=QueryRequestOptions(top=1, skip_token=first.skip_token)
    ))
    assert second.data[0]["changeTime"] == oldest["changeTime"] and not second.skip_token


def test_resource_graph_refuses_what_it_does_not_understand(state_path: Path) -> None:
    client = _graph(Emulator(state_path, change_feed=ChangeFeedConfig()))
    with pytest.raises(HttpResponseError) as raised:
        client.resources(QueryRequest(subscriptions=[SUB], query="resourcechanges | summarize count() by type"))
    assert raised.value.status_code == 400 and "summarize" in str(raised.value)


def test_delay_hides_fresh_changes_and_forbidden_is_403(state_path: Path) -> None:
    _put_group(Emulator(state_path), "rg-a", ALICE, "Mozilla/5.0", {})
    rg_id = f"/subscriptions/{SUB}/resourceGroups/rg-a"
    delayed = _graph(Emulator(state_path, change_feed=ChangeFeedConfig(delay_seconds=300)))
    assert delayed.resources(QueryRequest(subscriptions=[SUB], query=_query([rg_id]))).total_records == 0
    denied = _graph(Emulator(state_path, change_feed=ChangeFeedConfig(forbidden=frozenset({"resourcegraph"}))))
    with pytest.raises(HttpResponseError) as raised:
        denied.resources(QueryRequest(subscriptions=[SUB], query=_query([rg_id])))
    assert raised.value.status_code == 403 and raised.value.error is not None
    assert raised.value.error.code == "AuthorizationFailed"


def test_activity_log_lists_writes_with_caller_and_claims(state_path: Path) -> None:
    emu = Emulator(state_path, change_feed=ChangeFeedConfig())
    _put_group(emu, "rg-a", ALICE, "Mozilla/5.0", {})
    _put_group(emu, "rg-b", PIPELINE, "azure-cli/2.61", {})
    client = MonitorManagementClient(FakeCredential(), SUB, base_url=BASE, transport=EmulatorTransport(emu))  # type: ignore[arg-type]
    since = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rg_a = f"/subscriptions/{SUB}/resourceGroups/rg-a"
    events = list(client.activity_logs.list(filter=f"eventTimestamp ge '{since}' and resourceUri eq '{rg_a}'"))
    assert len(events) == 1
    (event,) = events
    assert event.caller == "alice@contoso.com"
    assert event.claims["oid"] == "0a11ce00-0000-4000-8000-000000000001"
    assert event.operation_name.value == "microsoft.resources/resourcegroups/write"
    assert event.status.value == "Succeeded" and event.resource_id == rg_a
    assert len(list(client.activity_logs.list(filter=f"eventTimestamp ge '{since}'"))) == 2
    with pytest.raises(HttpResponseError) as raised:
        list(client.activity_logs.list(filter=f"resourceUri eq '{rg_a}'"))
    assert raised.value.status_code == 400 and "eventTimestamp" in str(raised.value)
