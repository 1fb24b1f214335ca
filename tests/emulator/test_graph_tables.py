"""Resource Graph's resources, resourcecontainers and authorizationresources tables, read through
the real `azure-mgmt-resourcegraph` client: rows, filters, paging, the per-user quota and staleness."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions, QueryResponse

from emulator import Emulator, FaultConfig
from emulator.changes import ChangeFeedConfig, unsigned_token
from emulator.transport import EmulatorTransport
from tests.emulator.conftest import BASE, SUB, FakeCredential

Build = Callable[..., Any]
ROLE = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
ALICE = unsigned_token({"oid": "0a11ce00-0000-4000-8000-000000000001", "upn": "alice@contoso.com", "idtyp": "user"})
BOB = unsigned_token({"oid": "0b0b0000-0000-4000-8000-000000000002", "upn": "bob@contoso.com", "idtyp": "user"})
IDENTITY_API = "2023-01-31"


class _As(SansIOHTTPPolicy[Any, Any]):
    """Sends the given token (the caller the quota counts)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def on_request(self, request: Any) -> None:
        request.http_request.headers["Authorization"] = f"Bearer {self.token}"


def _graph(emu: Emulator, token: str | None = None) -> ResourceGraphClient:
    kwargs: dict[str, Any] = {"retry_total": 0}
    if token is not None:
        kwargs["authentication_policy"] = _As(token)
    return ResourceGraphClient(FakeCredential(), base_url=BASE, transport=EmulatorTransport(emu), **kwargs)  # type: ignore[arg-type]


def _query(client: ResourceGraphClient, query: str, **options: Any) -> QueryResponse:
    result: QueryResponse = client.resources(
        QueryRequest(subscriptions=[SUB], query=query, options=QueryRequestOptions(result_format="objectArray", **options))
    )
    return result


def _with_headers(client: ResourceGraphClient, query: str) -> tuple[QueryResponse, dict[str, str]]:
    answer: tuple[QueryResponse, dict[str, str]] = client.resources(
        QueryRequest(subscriptions=[SUB], query=query),
        cls=lambda pipeline_response, deserialized, _: (deserialized, dict(pipeline_response.http_response.headers)),
    )
    return answer


def _put_identity(emu: Emulator, rg: str, name: str, tags: dict[str, str] | None = None) -> str:
    resource_id = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    answer = emu.handle("PUT", f"{BASE}{resource_id}?api-version={IDENTITY_API}", {},
                        json.dumps({"location": "westus2", "tags": tags or {}}).encode())
    assert answer.status in (200, 201), answer.body
    return resource_id


def _vnet() -> dict[str, Any]:
    return {
        "location": "West US 2",
        "tags": {"managed-by": "reconciler", "env": "test"},
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "app", "properties": {"addressPrefix": "10.0.1.0/24"}}],
        },
    }


class _Clock:
    """The emulator's wall clock, moved by the test: staleness and the quota window are checked without sleeping."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def estate(emulator: Emulator, make_client: Build) -> Emulator:
    """rg-a (a tagged VNet with a subnet, an identity with a role assignment), RG-B (an untagged identity)."""
    groups = make_client(ResourceManagementClient).resource_groups
    groups.create_or_update("rg-a", {"location": "westus2", "tags": {"managed-by": "reconciler"}})
    groups.create_or_update("RG-B", {"location": "eastus"})
    make_client(NetworkManagementClient).virtual_networks.begin_create_or_update("rg-a", "vnet1", _vnet()).result()
    msi = make_client(ManagedServiceIdentityClient).user_assigned_identities
    identity = msi.create_or_update("rg-a", "id-a", {"location": "westus2", "tags": {"managed-by": "reconciler"}})
    msi.create_or_update("RG-B", "id-b", {"location": "eastus"})
    params = {"properties": {"roleDefinitionId": ROLE, "principalId": identity.principal_id, "principalType": "ServicePrincipal"}}
    make_client(AuthorizationManagementClient).role_assignments.create(
        f"/subscriptions/{SUB}/resourceGroups/rg-a", "33333333-3333-3333-3333-333333333333", params
    )
    return emulator


def test_resources_rows_are_shaped_as_resource_graph_shows_them(estate: Emulator) -> None:
    data = _query(_graph(estate), "resources | order by id asc").data
    assert [row["name"] for row in data] == ["id-b", "id-a", "vnet1"]  # ids sort RG-B before rg-a
    vnet = data[2]
    assert vnet["type"] == "microsoft.network/virtualnetworks"  # lower-cased, unlike GET
    assert vnet["location"] == "westus2" and vnet["resourceGroup"] == "rg-a"
    assert vnet["subscriptionId"] == SUB and vnet["tenantId"]
    assert vnet["tags"] == {"managed-by": "reconciler", "env": "test"}
    assert [s["name"] for s in vnet["properties"]["subnets"]] == ["app"]  # properties are GET's
    assert set(vnet) == {"id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
                         "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"}
    assert data[0]["resourceGroup"] == "rg-b" and data[0]["id"].startswith(f"/subscriptions/{SUB}/resourceGroups/RG-B/")


def test_child_types_and_role_assignments_are_not_rows_of_resources(estate: Emulator) -> None:
    client = _graph(estate)
    subnets = "resources | where type in~ ('microsoft.network/virtualnetworks/subnets') | project id"
    assert _query(client, subnets).total_records == 0
    assert not [r for r in _query(client, "resources | project id, type").data if "/roleassignments" in r["type"]]


def test_resourcecontainers_holds_the_subscription_and_its_groups(estate: Emulator) -> None:
    data = _query(_graph(estate), "resourcecontainers | project id, name, type, location, resourceGroup, tags").data
    assert [(r["type"], r["name"]) for r in data] == [
        ("microsoft.resources/subscriptions", "Emulated subscription"),
        ("microsoft.resources/subscriptions/resourcegroups", "rg-a"),
        ("microsoft.resources/subscriptions/resourcegroups", "RG-B"),
    ]
    assert data[2]["resourceGroup"] == "rg-b" and data[2]["location"] == "eastus"
    assert data[1]["tags"] == {"managed-by": "reconciler"}


def test_authorizationresources_holds_role_assignments(estate: Emulator) -> None:
    data = _query(_graph(estate), "authorizationresources | project id, type, resourceGroup, properties").data
    assert len(data) == 1
    assert data[0]["type"] == "microsoft.authorization/roleassignments" and data[0]["resourceGroup"] == "rg-a"
    assert data[0]["properties"]["roleDefinitionId"] == ROLE


def test_where_stages_filter_by_scope_type_id_and_tag(estate: Emulator) -> None:
    client = _graph(estate)
    vnet_id = f"/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet1"

    def names(query: str) -> list[str]:
        return [r["name"] for r in _query(client, query).data]

    assert names(f"resources | where subscriptionId =~ '{SUB.upper()}' and resourceGroup in~ ('RG-A') "
                 "| project id, name | order by name asc") == ["id-a", "vnet1"]
    assert names("resources | where type in~ ('Microsoft.ManagedIdentity/userAssignedIdentities') "
                 "| project id, name | order by name desc") == ["id-b", "id-a"]
    assert names(f"resources | where id in~ ('{vnet_id.upper()}') | project id, name") == ["vnet1"]
    assert names("resources | where tags['managed-by'] =~ 'Reconciler' | project id, name | order by id asc") == ["id-a", "vnet1"]
    assert names("resources | where tostring(tags['env']) =~ 'test' | project id, name") == ["vnet1"]
    assert names("resources | where isnotempty(tags['managed-by']) | project id, name | order by id asc") == ["id-a", "vnet1"]
    assert names("resources | where type == 'microsoft.network/virtualnetworks' | where resourceGroup in ('rg-a') "
                 "| project id, name") == ["vnet1"]
    assert names("resources | where type == 'Microsoft.Network/virtualNetworks' | project id, name") == []  # == is exact
    projected = _query(client, "resources | where name =~ 'vnet1' | project id, name, managedBy, zones").data
    assert projected == [{"id": vnet_id, "name": "vnet1", "managedBy": "", "zones": None}]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("resources | summarize count() by type", "summarize"),
        ("resources | where location startswith 'west'", "startswith"),
        ("resources | where type =~ 'a' or type =~ 'b'", "or type"),
        ("resources | where colour =~ 'blue'", "colour"),
        ("resources | project id, colour", "colour"),
        ("securityresources | project id", "securityresources"),
        ("resources | join (resourcecontainers) on subscriptionId", "join"),
    ],
)
def test_kql_outside_the_subset_is_400_naming_the_stage(estate: Emulator, query: str, named: str) -> None:
    with pytest.raises(HttpResponseError) as raised:
        _query(_graph(estate), query)
    assert raised.value.status_code == 400 and raised.value.error is not None
    assert raised.value.error.code == "BadRequest" and named in str(raised.value.error.message)


def test_paging_reads_more_than_a_thousand_rows_with_skip_tokens(state_path: Path) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False))
    emu.handle("PUT", f"{BASE}/subscriptions/{SUB}/resourcegroups/rg-big?api-version=2025-04-01", {},
               json.dumps({"location": "westus2"}).encode())
    made = {_put_identity(emu, "rg-big", f"id{i:04d}", {"managed-by": "reconciler"}).lower() for i in range(1_150)}
    client = _graph(emu)
    query = "resources | where tags['managed-by'] =~ 'reconciler' | project id, name | order by id asc"
    first = _query(client, query)  # no $top: Resource Graph answers 1000 rows
    assert (first.total_records, first.count, first.result_truncated) == (1_150, 1_000, "false")
    assert first.skip_token
    second = _query(client, query, skip_token=first.skip_token)
    assert second.count == 150 and not second.skip_token
    ids = [r["id"].lower() for r in [*first.data, *second.data]]
    assert ids == sorted(made)
    small = _query(client, query, top=400)
    assert small.count == 400 and small.skip_token

    # Paging is impossible when every output column is dynamic, or with limit: truncated, no token.
    dynamic = _query(client, "resources | project tags, properties")
    assert (dynamic.count, dynamic.result_truncated, dynamic.skip_token) == (1_000, "true", None)
    limited = _query(client, "resources | project id | limit 1100")
    assert (limited.total_records, limited.count, limited.result_truncated, limited.skip_token) == (1_100, 1_000, "true", None)


def test_every_answer_carries_the_user_quota_and_the_sixteenth_query_is_429(state_path: Path) -> None:
    clock = _Clock()
    emu = Emulator(state_path, faults=FaultConfig(), clock=clock)
    alice = _graph(emu, ALICE)
    remaining = [int(_with_headers(alice, "resources | project id")[1]["x-ms-user-quota-remaining"]) for _ in range(15)]
    assert remaining == list(range(14, -1, -1))
    _, headers = _with_headers(_graph(emu, BOB), "resources | project id")  # another user, another quota
    assert headers["x-ms-user-quota-remaining"] == "14"
    assert headers["x-ms-user-quota-resets-after"] == "00:00:05"
    clock.now += 1.5
    with pytest.raises(HttpResponseError) as raised:
        _query(alice, "resources | project id")
    assert raised.value.status_code == 429 and raised.value.error is not None
    assert raised.value.error.code == "RateLimiting"
    assert raised.value.response is not None
    assert raised.value.response.headers["Retry-After"] == "4"
    assert raised.value.response.headers["x-ms-user-quota-remaining"] == "0"
    assert raised.value.response.headers["x-ms-user-quota-resets-after"] == "00:00:04"
    clock.now += 3.5  # the window is over: a full quota again
    assert _with_headers(alice, "resources | project id")[1]["x-ms-user-quota-remaining"] == "14"


def test_the_quota_is_configurable_and_resource_graph_leaves_the_arm_read_bucket_alone(state_path: Path) -> None:
    emu = Emulator(state_path, faults=FaultConfig.from_env({"RECONCILER_EMULATOR_GRAPH_QUOTA": "3"}))
    group = f"{BASE}/subscriptions/{SUB}/resourcegroups/rg-q?api-version=2025-04-01"
    emu.handle("PUT", group, {}, json.dumps({"location": "westus2"}).encode())
    before = int(emu.handle("GET", group, {}, None).headers["x-ms-ratelimit-remaining-subscription-reads"])
    client = _graph(emu, ALICE)
    for _ in range(3):
        _query(client, "resourcecontainers | project id")
    with pytest.raises(HttpResponseError) as raised:
        _query(client, "resourcecontainers | project id")
    assert raised.value.status_code == 429
    after = int(emu.handle("GET", group, {}, None).headers["x-ms-ratelimit-remaining-subscription-reads"])
    assert after >= before - 1  # only the GET itself was spent (the bucket may have refilled meanwhile)
    unlimited = _graph(Emulator(state_path, faults=FaultConfig(graph_quota=0)), ALICE)
    for _ in range(20):
        _query(unlimited, "resourcecontainers | project id")


def test_writes_show_in_the_tables_only_after_the_staleness(state_path: Path) -> None:
    clock = _Clock()
    emu = Emulator(state_path, faults=FaultConfig(throttle=False, graph_staleness_seconds=2.0), clock=clock)
    emu.handle("PUT", f"{BASE}/subscriptions/{SUB}/resourcegroups/rg-s?api-version=2025-04-01", {},
               json.dumps({"location": "westus2"}).encode())
    client = _graph(emu)
    ids = "resources | project id, tags"
    containers = "resourcecontainers | where type =~ 'microsoft.resources/subscriptions/resourcegroups' | project id"
    assert _query(client, containers).total_records == 0  # the group itself is not there yet
    identity = _put_identity(emu, "rg-s", "id-s", {"v": "1"})
    assert _query(client, ids).total_records == 0
    clock.now += 1.0
    assert _query(client, ids).total_records == 0
    clock.now += 1.5
    assert _query(client, ids).data == [{"id": identity, "tags": {"v": "1"}}]
    assert _query(client, containers).total_records == 1

    _put_identity(emu, "rg-s", "id-s", {"v": "2"})  # an update shows the old body until it is visible
    assert _query(client, ids).data == [{"id": identity, "tags": {"v": "1"}}]
    changes = ("resourcechanges | extend changeTime = todatetime(properties.changeAttributes.timestamp) "
               "| where resourceGroup in~ ('rg-s') | project changeTime, properties")
    assert [r["properties"]["changeType"] for r in _query(client, changes).data] == ["Create", "Create"]
    clock.now += 2.5
    assert _query(client, ids).data == [{"id": identity, "tags": {"v": "2"}}]
    assert len(_query(client, changes).data) == 3

    assert emu.handle("DELETE", f"{BASE}{identity}?api-version={IDENTITY_API}", {}, None).status in (200, 204)
    assert _query(client, ids).data == [{"id": identity, "tags": {"v": "2"}}]  # deleted, still listed
    clock.now += 2.5
    assert _query(client, ids).total_records == 0


def test_the_change_feed_delay_also_delays_the_tables(state_path: Path) -> None:
    clock = _Clock()
    emu = Emulator(state_path, faults=FaultConfig(throttle=False), change_feed=ChangeFeedConfig(delay_seconds=30),
                   clock=clock)
    emu.handle("PUT", f"{BASE}/subscriptions/{SUB}/resourcegroups/rg-d?api-version=2025-04-01", {},
               json.dumps({"location": "westus2"}).encode())
    _put_identity(emu, "rg-d", "id-d")
    client = _graph(emu)
    assert _query(client, "resources | project id").total_records == 0
    clock.now += 31
    assert _query(client, "resources | project id").total_records == 1


def test_resourcechanges_filters_by_scope_and_time_and_tracks_only_table_types(estate: Emulator, make_client: Build) -> None:
    net = make_client(NetworkManagementClient)
    net.subnets.begin_create_or_update("rg-a", "vnet1", "data", {"address_prefix": "10.0.2.0/24"}).result()
    client = _graph(estate)
    since = "2020-01-01T00:00:00Z"
    query = (
        "resourcechanges | extend targetResourceId = tostring(properties.targetResourceId), "
        "changeTime = todatetime(properties.changeAttributes.timestamp) "
        f"| where subscriptionId =~ '{SUB}' and resourceGroup in~ ('RG-A') and changeTime > datetime({since}) "
        "| order by changeTime asc | project targetResourceId, changeTime, properties"
    )
    targets = [r["targetResourceId"].rsplit("/", 1)[-1] for r in _query(client, query).data]
    # The group, the VNet and the identity; not the subnet written on its own (a child type Azure does not
    # track) nor the role assignment (authorizationresources).
    assert targets == ["rg-a", "vnet1", "id-a"]
    later = query.replace(since, "2100-01-01T00:00:00Z")
    assert _query(client, later).total_records == 0
    groups = "resourcecontainerchanges | extend targetResourceId = tostring(properties.targetResourceId) | project targetResourceId"
    assert [r["targetResourceId"].rsplit("/", 1)[-1] for r in _query(client, groups).data] == ["rg-a", "RG-B"]


def test_the_all_types_knob_brings_back_changes_of_child_types(state_path: Path, make_client: Build) -> None:
    emu = Emulator(state_path, faults=FaultConfig.from_env({"RECONCILER_EMULATOR_GRAPH_CHANGES_ALL_TYPES": "1",
                                                            "RECONCILER_EMULATOR_THROTTLE": "0"}))
    make_client(ResourceManagementClient, emu).resource_groups.create_or_update("rg-a", {"location": "westus2"})
    net = make_client(NetworkManagementClient, emu)
    net.virtual_networks.begin_create_or_update("rg-a", "vnet1", _vnet()).result()
    net.subnets.begin_create_or_update("rg-a", "vnet1", "data", {"address_prefix": "10.0.2.0/24"}).result()
    query = ("resourcechanges | extend targetResourceId = tostring(properties.targetResourceId) "
             "| project targetResourceId, properties")
    targets = [r["targetResourceId"].rsplit("/", 1)[-1] for r in _query(_graph(emu), query).data]
    assert targets == ["rg-a", "vnet1", "data"]  # the subnet written on its own; Azure would not list it
