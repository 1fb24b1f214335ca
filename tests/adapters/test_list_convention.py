"""ARM's collections answer each resource as its GET does (adapters/siblings.py), checked on
recorded live traffic; and the requests the convention sends."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.clients import ClientFactory
from adapters.compare import matcher
from adapters.direct_reads import sdk_api_version
from adapters.field_flags import flags_for
from adapters.registry import ENTRIES, generic_entry
from adapters.siblings import UNLISTED, list_siblings, listable, sibling_parent
from emulator import Emulator
from emulator.transport import EmulatorTransport

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SUB = "00000000-0000-0000-0000-000000000000"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg1"


def _interactions() -> Iterator[dict[str, Any]]:
    with (FIXTURES / "recordings" / "interactions.jsonl").open(encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines)
    with gzip.open(FIXTURES / "recordings2" / "interactions.jsonl.gz", "rt", encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines)


def _leaves(body: Any, path: str = "") -> dict[str, Any]:
    """Dotted path -> value of every leaf (a list is one leaf: present or not)."""
    if isinstance(body, dict) and body:
        found: dict[str, Any] = {}
        for key, value in body.items():
            found.update(_leaves(value, f"{path}.{key}" if path else key))
        return found
    return {path: body}


def _recorded_pairs() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(type, list item, the GET of the same id nearest to the list in the same cassette)."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in _interactions():
        by_file[record["file"]].append(record)
    pairs = []
    for records in by_file.values():
        gets = [r for r in records if r["method"] == "GET" and r["kind"] == "resource" and r["status"] == 200
                and isinstance(r.get("response_body"), dict)]
        for listed in records:
            if listed["kind"] != "collection" or listed["method"] != "GET" or listed["status"] != 200:
                continue
            for item in (listed.get("response_body") or {}).get("value") or []:
                same = [g for g in gets if isinstance(item, dict) and g["path"].lower() == str(item.get("id")).lower()]
                if same:
                    get = min(same, key=lambda g: abs(g["seq"] - listed["seq"]))["response_body"]
                    if str(get.get("type", "")).lower() == str(item.get("type", "")).lower():  # not a view of it
                        pairs.append((listed["arm_type"], item, get))
    return pairs


def test_recorded_list_items_carry_every_field_their_get_carries_but_the_servers() -> None:
    pairs = _recorded_pairs()
    types = {arm_type.lower() for arm_type, _item, _get in pairs}
    assert len(pairs) >= 50 and len(types) >= 40  # 14 providers' collections, beside a GET of the same id
    lacking: dict[str, set[str]] = defaultdict(set)
    for arm_type, item, get in pairs:
        listed = _leaves(item)
        for path, value in _leaves(get).items():
            if path not in listed and value not in (None, [], {}):
                lacking[arm_type.lower()].add(path)
    # Where a list item lacks a GET field, the type index marks that field read-only: the server's,
    # never compared (a VM's instanceView, a container's immutabilityPolicy and legalHold, a share's usage).
    assert set(lacking) == {
        "microsoft.compute/virtualmachines",
        "microsoft.storage/storageaccounts/blobservices/containers",
        "microsoft.storage/storageaccounts/fileservices/shares",
    }
    for arm_type, paths in lacking.items():
        flags = flags_for(arm_type)
        assert flags is not None
        read_only = matcher(flags.read_only)  # a flag covers its subtree
        parts = [path.split(".") for path in paths]
        assert all(any(read_only(".".join(p[:n])) for n in range(1, len(p) + 1)) for p in parts), arm_type


class _Recorder(EmulatorTransport):
    """The embedded emulator (an empty subscription), each request recorded."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self.sent: list[tuple[str, str, dict[str, list[str]]]] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        url = urlsplit(request.url)
        self.sent.append((request.method, url.path, parse_qs(url.query)))
        return super().send(request, **kwargs)


@pytest.fixture
def recorder(tmp_path: Path) -> _Recorder:
    return _Recorder(Emulator(tmp_path / "state.db"))


def _sent(transport: _Recorder, entry_key: str, resource_id: str) -> tuple[str, str, dict[str, list[str]]]:
    clients = ClientFactory.for_transport(SUB, transport)
    listing = list_siblings(ENTRIES[entry_key], clients, resource_id)
    assert listing is not None and listing.complete and not listing.bodies  # nothing there
    assert clients._clients.keys() == {"resource"}  # no SDK of the type's own service was built
    (sent,) = transport.sent
    return sent


def test_a_type_without_a_list_operation_is_listed_by_its_collection_at_its_read_version(recorder: _Recorder) -> None:
    operation = f"{GROUP}/providers/Microsoft.ApiManagement/service/apim1/apis/users/operations/list-users"
    key = "microsoft.apimanagement/service/apis/operations"
    assert _sent(recorder, key, operation) == ("GET", operation.rsplit("/", 1)[0], {"api-version": [sdk_api_version(key)]})


def test_a_generic_type_is_listed_at_the_version_it_is_read_with(recorder: _Recorder) -> None:
    route = f"{GROUP}/providers/Microsoft.Network/routeTables/rt1/routes/default"
    clients = ClientFactory.for_transport(SUB, recorder)
    assert list_siblings(generic_entry("Microsoft.Network/routeTables/routes", "2025-09-01"), clients, route) is not None
    assert recorder.sent == [("GET", route.rsplit("/", 1)[0], {"api-version": ["2025-09-01"]})]


def test_role_assignments_are_listed_once_per_group_whatever_their_scope(recorder: _Recorder) -> None:
    key = "microsoft.authorization/roleassignments"
    on_vault = f"{GROUP}/providers/Microsoft.KeyVault/vaults/kv1/providers/Microsoft.Authorization/roleAssignments/a1"
    on_group = f"{GROUP}/providers/Microsoft.Authorization/roleAssignments/a2"
    assert sibling_parent(key, on_vault) == sibling_parent(key, on_group) == GROUP.lower()
    # no $filter: the assignments at, above and below the group
    assert _sent(recorder, key, on_vault) == ("GET", f"{GROUP}/providers/Microsoft.Authorization/roleAssignments",
                                    {"api-version": [sdk_api_version(key)]})


@pytest.mark.parametrize("arm_type", sorted(UNLISTED))
def test_an_unlisted_type_is_read_one_by_one(arm_type: str, recorder: _Recorder) -> None:
    assert not listable(arm_type)
    clients = ClientFactory.for_transport(SUB, recorder)
    entry = ENTRIES[arm_type]
    assert list_siblings(entry, clients, f"{GROUP}/providers/{entry.arm_type}/x") is None
    assert recorder.sent == []
