"""The request log's run profile (issue 24, point 5): requests by kind, and waves.

A wave is what the server can see of a round trip: a request belongs to the wave
after the deepest one answered before it arrived. The end-to-end tests drive a
real SDK client with threads, as the engine does, against the emulator with a
small injected latency.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import Emulator, FaultConfig
from emulator.request_log import (
    ACTION,
    ACTIVITY_LOG,
    GET,
    GRAPH_QUERY,
    LIST,
    POLL,
    PUT,
    RequestRecord,
    clear_request_log,
    profile,
    read_request_log,
    request_kind,
    wave_numbers,
)
from tests.emulator.conftest import SUB

SITE = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Web/sites/app1"


def record(arrived: float, answered: float, method: str = "GET", path: str = SITE) -> RequestRecord:
    return RequestRecord(method, path, "2024-04-01", 200, (answered - arrived) * 1000, 0.0, arrived, answered)


def test_requests_sent_before_any_answer_are_one_wave() -> None:
    assert wave_numbers([record(0.0, 1.0), record(0.1, 1.1), record(0.2, 1.2)]) == [1, 1, 1]


def test_a_request_after_an_answer_is_the_next_wave() -> None:
    # the third request arrives after the first answer (1.0) and before the second (1.5)
    assert wave_numbers([record(0.0, 1.0), record(0.1, 1.5), record(1.2, 2.2), record(2.3, 3.0)]) == [1, 1, 2, 3]


def test_the_deepest_answered_wave_counts_whatever_the_order_of_answers() -> None:
    # wave 2 (arrived 1.1) is answered at 1.3 before wave 1's slow request (answered 1.9)
    records = [record(0.0, 1.0), record(0.0, 1.9), record(1.1, 1.3), record(1.5, 2.0)]
    assert wave_numbers(records) == [1, 1, 2, 3]
    assert profile(records).waves == 3


def test_an_empty_log_has_no_waves() -> None:
    assert profile([]).waves == 0
    assert profile([]).requests == 0


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", SITE, GET),
        ("GET", f"/subscriptions/{SUB}/resourceGroups/rg1", GET),
        ("GET", f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks", LIST),
        ("GET", f"/subscriptions/{SUB}/resourceGroups/rg1/resources", LIST),
        ("GET", f"{SITE}/config", LIST),
        ("POST", f"{SITE}/config/appsettings/list", ACTION),
        ("PUT", SITE, PUT),
        ("GET", f"/subscriptions/{SUB}/providers/Microsoft.Web/locations/westus2/operationStatuses/abc", POLL),
        ("POST", "/providers/Microsoft.ResourceGraph/resources", GRAPH_QUERY),
        ("GET", f"/subscriptions/{SUB}/providers/microsoft.insights/eventtypes/management/values", ACTIVITY_LOG),
    ],
)
def test_request_kinds(method: str, path: str, kind: str) -> None:
    assert request_kind(method, path) == kind


def test_graph_queries_are_not_arm_requests() -> None:
    records = [record(0, 1), record(0, 1, "POST", "/providers/Microsoft.ResourceGraph/resources")]
    assert (profile(records).requests, profile(records).arm_requests, profile(records).graph_queries) == (2, 1, 1)


def test_an_sdk_client_with_threads_is_counted_in_round_trips(
    state_path: Path, make_client: Callable[..., Any]
) -> None:
    """Four parallel GETs then a GET that needs their answers: two waves, whatever
    the CPU of the machine, since the injected latency outlasts sending four requests."""
    setup = make_client(ResourceManagementClient)
    for name in ("rg1", "rg2", "rg3", "rg4"):
        setup.resource_groups.create_or_update(name, {"location": "westus2"})
    slow = Emulator(state_path, faults=FaultConfig(throttle=False, latency_ms=200))
    try:
        client = make_client(ResourceManagementClient, slow)
        clear_request_log(state_path)
        with ThreadPoolExecutor(4) as pool:
            groups = list(pool.map(client.resource_groups.get, ["rg1", "rg2", "rg3", "rg4"]))
        client.resource_groups.get(groups[0].name)
        in_memory = profile(slow.request_log)
    finally:
        slow.close()
    from_file = profile(read_request_log(state_path))
    assert (in_memory.waves, in_memory.by_kind) == (2, {GET: 5})
    assert (from_file.waves, from_file.by_kind) == (2, {GET: 5})


def test_a_state_file_from_before_the_wave_columns_is_read_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Emulator(path).close()
    with sqlite3.connect(path) as conn:  # the request log as older emulators wrote it
        conn.execute("DROP TABLE request_log")
        conn.execute(
            "CREATE TABLE request_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL, path TEXT NOT NULL,"
            " api_version TEXT NOT NULL, status INTEGER NOT NULL, latency_ms REAL NOT NULL, at REAL NOT NULL)"
        )
        conn.execute("INSERT INTO request_log (method, path, api_version, status, latency_ms, at) VALUES"
                     " ('GET', ?, '2024-04-01', 200, 1.0, 5.0)", (SITE,))
    assert read_request_log(path) == [RequestRecord("GET", SITE, "2024-04-01", 200, 1.0, 5.0, 0.0, 0.0)]
    emu = Emulator(path)
    try:
        emu.handle("GET", f"https://management.azure.com/subscriptions/{SUB}/resourcegroups?api-version=2024-03-01",
                   {}, None)
    finally:
        emu.close()
    newest = read_request_log(path)[-1]
    assert newest.path == f"/subscriptions/{SUB}/resourcegroups"
    assert 0 < newest.arrived <= newest.answered
