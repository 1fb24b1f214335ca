"""Any ARM type by default: a type with no declared entry is read, written,
compared and deleted by id through the generic resources API, at an
api-version its provider publishes, against the embedded emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.clients import ClientFactory
from adapters.compare import compare
from adapters.field_flags import newest_stable_version
from adapters.registry import AdapterRegistry, UnknownResourceType, is_declared, rules_for
from desired_state.resource import Resource
from emulator import Emulator
from emulator.transport import EmulatorTransport

SUB = "00000000-0000-0000-0000-00000000c0de"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-generic"
ROUTE_TABLE = "Microsoft.Network/routeTables"


def registry(tmp_path: Path, emulator: Emulator | None = None) -> AdapterRegistry:
    emulator = emulator or Emulator(tmp_path / "state.db")
    return AdapterRegistry(ClientFactory.for_transport(SUB, EmulatorTransport(emulator)))


def resource(type_: str, rid: str, body: dict[str, object], api_version: str | None = None) -> Resource:
    return Resource(address=rid.rsplit("/", 1)[-1], type=type_, id=rid, layer="t", body=body, api_version=api_version)


def test_an_undeclared_type_round_trips_by_id(tmp_path: Path) -> None:
    assert not is_declared(ROUTE_TABLE)
    emulator = Emulator(tmp_path / "state.db")
    reg = registry(tmp_path, emulator)
    group = resource("Microsoft.Resources/resourceGroups", RG, {"location": "westeurope"})
    reg.for_type(group.type).write(group, None)
    table = resource(ROUTE_TABLE, f"{RG}/providers/Microsoft.Network/routeTables/rt-app", {
        "location": "westeurope", "tags": {"team": "net"},
        "properties": {"disableBgpRoutePropagation": True},
    })
    adapter = reg.for_type(ROUTE_TABLE)
    assert adapter.entry.get == "get_by_id"
    # the newest stable version ARM's type index defines, known without asking the provider
    assert adapter.entry.get_kwargs["api_version"] == newest_stable_version(ROUTE_TABLE) == "2025-09-01"
    assert not [r for r in emulator.request_log if r.path.lower().endswith("/providers/microsoft.network")]
    assert adapter.read(table.id) is None
    adapter.write(table, None)
    live = adapter.read(table.id)
    assert live is not None
    assert compare(table.body, live, rules_for(ROUTE_TABLE)).in_sync
    route = resource(f"{ROUTE_TABLE}/routes", f"{table.id}/routes/default", {
        "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"},
    }, api_version="2026-03-01")
    reg.for_type(route.type, route.api_version).write(route, None)
    assert reg.for_type(route.type, route.api_version).read(route.id) is not None
    changed = resource(ROUTE_TABLE, table.id, {**table.body, "properties": {"disableBgpRoutePropagation": False}})
    assert not compare(changed.body, live, rules_for(ROUTE_TABLE)).in_sync
    adapter.write(changed, live)
    assert compare(changed.body, adapter.read(table.id) or {}, rules_for(ROUTE_TABLE)).in_sync
    adapter.delete(table.id)
    assert adapter.read(table.id) is None


def test_a_type_no_provider_publishes_says_what_to_set(tmp_path: Path) -> None:
    reg = registry(tmp_path)
    with pytest.raises(UnknownResourceType) as caught:
        reg.for_type("Microsoft.Foo/bars")
    assert "Microsoft.Foo/bars" in str(caught.value)
    assert "api_version" in str(caught.value)
