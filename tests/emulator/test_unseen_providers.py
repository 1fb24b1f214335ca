"""Conventions for providers no recording shows, from ARM's type index and the RPC: whether a write is
long-running (a definition's provisioningState, read-only or a writable enum), the RPC's 202 model for a
long-running write whose definition has no provisioningState, and the provisioningState a write shows
while it runs (one its definition allows). Each answer goes through the real SDK pipeline
(`EmulatorTransport`), and where a provider is "never seen" it is held out of the learned conventions
exactly as `python -m tests.emulator.holdout` does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest

from emulator import Emulator, FaultConfig, field_flags, shapes
from emulator.tools import gen_answer_shapes
from emulator.transport import EmulatorTransport
from tests.emulator.conftest import BASE, SUB
from tests.emulator.holdout import conventions
from tests.emulator.replay import CORPORA, load, replay


class _Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
def transport(tmp_path: Path, clock: _Clock) -> Iterator[EmulatorTransport]:
    """An emulator whose long-running operations last 10 (virtual) seconds, so a GET can see one run."""
    emu = Emulator(tmp_path / "unseen.db", faults=FaultConfig(throttle=False, lro_default_seconds=10.0), clock=clock)
    sender = EmulatorTransport(emu)
    _send(sender, "PUT", f"/subscriptions/{SUB}/resourceGroups/rg1", "2025-04-01", {"location": "eastus"})
    yield sender
    emu.close()


def _send(transport: EmulatorTransport, method: str, path: str, version: str, body: Any = None) -> Any:
    url = f"{BASE}{path}?api-version={version}"
    request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
    return transport.send(request)


def _recorded(arm_type: str, api_version: str) -> dict[str, Any]:
    """The first recorded create of a type at a version (tests/fixtures/recordings2, live ARM)."""
    return next(
        row for row in load(CORPORA["recordings2"])
        if row["method"] == "PUT" and (row.get("arm_type") or "").lower() == arm_type and row["api_version"] == api_version
    )


def _held_out(namespace: str) -> dict[str, Any]:
    rows = [row for corpus in CORPORA.values() for row in load(corpus)]
    return gen_answer_shapes.learn(rows, gen_answer_shapes.TypeIndex(gen_answer_shapes.ARM_TYPES), exclude=[namespace])


def test_a_long_running_write_without_provisioning_state_answers_the_202_model(transport: EmulatorTransport) -> None:
    """SQL servers at 2019-06-01-preview have no provisioningState (ARM's type index), yet their create
    runs: with Microsoft.Sql never recorded, the emulator answers as Azure did (202, both headers, no
    body), where ARM's 201/200 model would need a provisioningState to report progress in."""
    row = _recorded("microsoft.sql/servers", "2019-06-01-preview")
    assert shapes.type_class("microsoft.sql/servers", "2019-06-01-preview") == "nops"
    with conventions(_held_out("microsoft.sql")):
        path = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Sql/servers/sql-unseen-1"
        answer = _send(transport, "PUT", path, "2019-06-01-preview", row["request_body"])
    heads = {k.lower() for k in row["response_headers"]}
    assert (answer.status_code, "Azure-AsyncOperation" in answer.headers, "Location" in answer.headers) == (
        row["status"], "azure-asyncoperation" in heads, "location" in heads) == (202, True, True)
    assert answer.text() == ""


def test_provisioning_state_declared_as_an_enum_marks_a_long_running_type(
    transport: EmulatorTransport, clock: _Clock
) -> None:
    """Older specs declare provisioningState a writable enum instead of a read-only field (Key Vault
    vaults at 2019-09-01, recorded answering their create with `RegisteringDns`; Managed Grafana at
    2021-09-01-preview): still the long-running mark, so a provider never recorded answers ARM's
    long-running create, and GETs show the state until the operation is done."""
    assert shapes.type_class("microsoft.keyvault/vaults", "2019-09-01") == "ps"
    assert "microsoft.dashboard" not in shapes.CONVENTIONS["providers"]
    path = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Dashboard/grafana/graf1"
    answer = _send(transport, "PUT", path, "2021-09-01-preview", {"location": "eastus", "sku": {"name": "Standard"}})
    common = shapes.arm_common("microsoft.dashboard/grafana", "PUT-create", "2021-09-01-preview")
    assert common.running and common.async_operation
    assert (answer.status_code, "Azure-AsyncOperation" in answer.headers) == (common.status, True)
    assert answer.json()["properties"]["provisioningState"] == "Creating"
    clock.now += 1
    assert _send(transport, "GET", path, "2021-09-01-preview").json()["properties"]["provisioningState"] == "Creating"
    clock.now += 20
    assert _send(transport, "GET", path, "2021-09-01-preview").json()["properties"]["provisioningState"] == "Succeeded"


def test_a_write_shows_a_transitional_state_its_definition_allows(transport: EmulatorTransport, clock: _Clock) -> None:
    """Managed DevOps pools enumerate Accepted/Provisioning/Updating/Deleting but no `Creating` (ARM's type
    index): a create shows `Accepted` in its first answer and every GET until done, never a value the
    type does not have."""
    values = {"Accepted", "Canceled", "Deleting", "Failed", "Provisioning", "Succeeded", "Updating"}
    assert "microsoft.devopsinfrastructure" not in shapes.CONVENTIONS["providers"]
    path = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.DevOpsInfrastructure/pools/pool1"
    body = {"location": "eastus", "properties": {"maximumConcurrency": 1}}
    first = _send(transport, "PUT", path, "2023-10-30-preview", body).json()["properties"]["provisioningState"]
    clock.now += 1
    during = _send(transport, "GET", path, "2023-10-30-preview").json()["properties"]["provisioningState"]
    assert first == during == "Accepted"
    assert first in values


def test_a_type_without_provisioning_state_shows_none(transport: EmulatorTransport) -> None:
    """Maintenance configurations define no provisioningState: none appears in what the emulator returns
    (the RPC: absent means Succeeded; a client's stray one is not kept)."""
    path = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Maintenance/maintenanceConfigurations/mc1"
    body = {"location": "eastus", "properties": {"maintenanceScope": "Host", "provisioningState": "Succeeded"}}
    answer = _send(transport, "PUT", path, "2023-04-01", body)
    assert answer.status_code in (200, 201)
    got = _send(transport, "GET", path, "2023-04-01").json()
    assert "provisioningState" not in got["properties"]
    assert got["properties"]["maintenanceScope"] == "Host"


@pytest.mark.parametrize("namespace", sorted({
    str(row.get("arm_type") or "").split("/", 1)[0].lower()
    for corpus in CORPORA.values() for row in load(corpus) if row.get("arm_type")
}))
def test_arms_long_running_create_stays_announced_whichever_provider_is_unseen(namespace: str) -> None:
    """ARM's common create for a type with provisioningState is announced by a header (recorded: Network,
    Compute, CDN, Resources, Cosmos DB...: Azure-AsyncOperation), whichever provider is held out: the
    providers that only set a transitional state (the messaging namespaces, Key Vault, Log Analytics)
    never outvote the announcing ones split between two headers."""
    learned = _held_out(namespace)["arm"]["PUT-create|ps"]
    assert learned["async_operation"] and learned["status"] == 201, json.dumps(learned)


def test_a_lifecycle_state_without_provisioning_state_is_long_running() -> None:
    """Managed-instance databases at 2020-02-02-preview define a server-set `status` and no
    provisioningState. Replaying the recorded cassette with Microsoft.Sql never seen, the database's
    create, the eight polls of its operation, its delete and that poll all answer as Azure did (202 and
    both headers, then 200s), where answering at once left every poll without an operation (404)."""
    assert shapes.arm_common("microsoft.sql/managedinstances/databases", "PUT-create", "2020-02-02-preview") == shapes.ACCEPTED
    # a state that is a setting (Locked/Unlocked), not a lifecycle: answered as ARM's common nops write, at once
    policy = shapes.arm_common("microsoft.storage/storageaccounts/blobservices/containers/immutabilitypolicies",
                               "PUT-create", "2019-06-01")
    assert not policy.running
    cassette = [row for row in load(CORPORA["recordings2"])
                if row["file"] == "sql/test_cli_mgmt_sql_managed_db.test_managed_backup_short_term_policy.yaml"]
    with conventions(_held_out("microsoft.sql")):
        outcomes = replay(cassette)
    database = [o for o in outcomes if o.seq in (*range(10), 17, 18)]
    assert len(database) == 12
    assert all(o.agrees for o in database), [(o.seq, str(o.azure), str(o.emulator)) for o in database if not o.agrees]


def test_a_singleton_exists_with_its_parent_so_a_put_updates_it(transport: EmulatorTransport, clock: _Clock) -> None:
    """A child named `default` or `current` is a singleton (the RPC's common API contracts): it exists with
    its parent, so a PUT on it is an update (200, as recorded for Storage blob services, network rule
    sets, SQL connection policies), here of a provider never recorded (Azure Spring Apps' config server)."""
    assert "microsoft.appplatform" not in shapes.CONVENTIONS["providers"]
    spring = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.AppPlatform/Spring/spring1"
    assert _send(transport, "PUT", spring, "2023-12-01", {"location": "eastus", "sku": {"name": "S0"}}).status_code == 201
    clock.now += 20
    answer = _send(transport, "PUT", f"{spring}/configServers/default", "2023-12-01", {"properties": {}})
    update = shapes.arm_common("microsoft.appplatform/spring/configservers", "PUT-update", "2023-12-01")
    assert (answer.status_code, "Azure-AsyncOperation" in answer.headers) == (update.status, update.async_operation) == (200, True)
    other = _send(transport, "PUT", f"{spring}/apps/app1", "2023-12-01", {"properties": {}})
    assert other.status_code == 201  # a child that is no singleton is created


def test_a_child_without_state_of_a_lifecycle_parent_runs_as_its_parent() -> None:
    """SQL server keys at 2015-05-01-preview define neither provisioningState nor a lifecycle state; their
    parent, the server, reports a lifecycle `state` instead of provisioningState. Replaying the recorded
    server-key cassette with Microsoft.Sql never seen, the key's create, delete and the poll after each
    answer as Azure did (202, both headers, then 200), where answering at once left each poll without an
    operation (404). A child of a parent with provisioningState keeps ARM's common answer (Event Hubs
    authorization rules: at once)."""
    assert shapes.type_class("microsoft.sql/servers/keys", "2015-05-01-preview") == "nops"
    assert shapes.arm_common("microsoft.sql/servers/keys", "PUT-create", "2015-05-01-preview") == shapes.ACCEPTED
    assert not shapes.arm_common("microsoft.eventhub/namespaces/authorizationrules", "PUT-create", "2017-04-01").running
    cassette = [row for row in load(CORPORA["recordings2"])
                if row["file"] == "sql/test_cli_mgmt_sql_auth.test_server_key.yaml"]
    with conventions(_held_out("microsoft.sql")):
        outcomes = replay(cassette)
    key = [o for o in outcomes if o.seq in (21, 22, 25, 26)]
    assert [o.method for o in key] == ["PUT", "GET", "DELETE", "GET"]
    assert all(o.agrees for o in key), [(o.seq, str(o.azure), str(o.emulator)) for o in key if not o.agrees]


def test_a_child_without_state_of_a_parent_reporting_a_lifecycle_runs_as_its_parent() -> None:
    """SQL managed instances at 2017-10-01-preview have a provisioningState and a lifecycle `state`; their
    keys have neither. With Microsoft.Sql never seen, the recorded instance-key cassette's create, delete
    and the poll after each answer as Azure did (202, both headers, then 200)."""
    cassette = [row for row in load(CORPORA["recordings2"])
                if row["file"] == "sql/test_cli_mgmt_sql_auth.test_instance_key.yaml"]
    with conventions(_held_out("microsoft.sql")):
        outcomes = replay(cassette)
    key = [o for o in outcomes if o.seq in (5, 6, 9, 10)]
    assert [o.method for o in key] == ["PUT", "GET", "DELETE", "GET"]
    assert all(o.agrees for o in key), [(o.seq, str(o.azure), str(o.emulator)) for o in key if not o.agrees]
    flags = field_flags.flags_for("microsoft.sql/managedinstances", "2017-10-01-preview")
    assert flags is not None and flags.has_provisioning_state and flags.reports_lifecycle


def test_an_action_on_a_type_that_reports_no_progress_answers_at_once() -> None:
    """Storage containers and immutability policies (2019-06-01, 2021-02-01) define neither provisioningState
    nor a lifecycle state. Replaying the recorded Storage cassette with Microsoft.Storage never seen, their
    setLegalHold, clearLegalHold, lease, lock and extend answer 200 at once as Azure did (ARM's common
    long-running action answered 202 with both headers); an action on a type that reports progress (a
    virtual machine, Microsoft.Compute never seen) stays long-running."""
    cassette = [row for row in load(CORPORA["recordings"]) if row["file"] == "storage/test_cli_mgmt_storage.test_storage.yaml"]
    with conventions(_held_out("microsoft.storage")):
        outcomes = replay(cassette)
    posts = [o for o in outcomes if o.seq in (31, 32, 33, 34, 41, 42)]
    assert [o.path.rsplit("/", 1)[1].lower() for o in posts] == ["setlegalhold", "clearlegalhold", "lease", "lease", "lock", "extend"]
    assert all(o.agrees for o in posts), [(o.seq, str(o.azure), str(o.emulator)) for o in posts if not o.agrees]
    with conventions(_held_out("microsoft.compute")):
        assert shapes.action("microsoft.compute/virtualmachines", "restart", "2020-12-01").running
