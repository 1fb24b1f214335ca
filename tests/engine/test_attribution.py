"""Attribution rules against the in-process emulator through the real SDK clients: our own writes
end the search, foreign changes since then are merged oldest to newest, secret paths are masked, and
a resource Resource Graph knows is not looked up again in the Activity Log."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.clients import EMULATOR_TOKEN, ClientFactory
from emulator import Emulator
from emulator.changes import ChangeFeedConfig, unsigned_token
from emulator.transport import EmulatorTransport
from reconciler.engine.attribution import Attributor, token_identities
from reconciler.engine.plan import SENSITIVE, Change, DiffEntry

SUB = "00000000-0000-0000-0000-000000000000"
BASE = "https://management.azure.com"
RG_API = "2025-04-01"
ALICE = unsigned_token({"oid": "0a11ce00-0000-4000-8000-000000000001", "upn": "alice@contoso.com", "idtyp": "user"})
BOB = unsigned_token({"oid": "0b0b0000-0000-4000-8000-000000000003", "upn": "bob@contoso.com", "idtyp": "user"})


def put_group(emu: Emulator, token: str, tags: dict[str, str]) -> None:
    answer = emu.handle(
        "PUT", f"{BASE}/subscriptions/{SUB}/resourcegroups/rg-a?api-version={RG_API}",
        {"Authorization": f"Bearer {token}", "User-Agent": "Mozilla/5.0"},
        json.dumps({"location": "westus2", "tags": tags}).encode(),
    )
    assert answer.status in (200, 201)


def drifted(path: str = "tags.owner") -> Change:
    return Change(address="core.rg", id=f"/subscriptions/{SUB}/resourceGroups/rg-a",
                  type="Microsoft.Resources/resourceGroups", action="update", diff=(DiffEntry(path, "x", "y"),))


def attributor(emu: Emulator) -> Attributor:
    return Attributor(ClientFactory.for_transport(SUB, EmulatorTransport(emu)), SUB)


def feed_requests(emu: Emulator) -> list[str]:
    return [r.path.lower() for r in emu.request_log if r.method != "PUT"]


def test_own_identity_comes_from_our_token() -> None:
    assert token_identities(EMULATOR_TOKEN) == {
        "5e1f0000-0000-4000-8000-00000000a2c1", "5e1f0000-0000-4000-8000-00000000a2c0",
    }
    assert token_identities("opaque") == frozenset()


def test_changes_before_our_last_write_do_not_count_and_later_ones_merge(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "s.db", change_feed=ChangeFeedConfig())
    put_group(emu, BOB, {"owner": "bob", "secret": "b0"})
    put_group(emu, EMULATOR_TOKEN, {"owner": "platform", "secret": "s1"})
    put_group(emu, ALICE, {"owner": "alice", "secret": "s2"})
    put_group(emu, ALICE, {"owner": "alice-2", "secret": "s3"})
    found = attributor(emu).attribute([drifted()], {"core.rg": ("tags.secret",)})["core.rg"]
    assert found.known and found.changed_by == "alice@contoso.com" and found.client_type == "Azure Portal"
    by_path = {p.path: (p.before, p.after) for p in found.properties}
    assert by_path["tags.owner"] == ("platform", "alice-2")  # before from the first foreign change, after from the last
    assert by_path["tags.secret"] == (SENSITIVE, SENSITIVE)
    assert "bob" not in json.dumps(found.to_json())


def test_our_write_newest_means_no_foreign_change_and_no_activity_log_lookup(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "s.db", change_feed=ChangeFeedConfig())
    put_group(emu, ALICE, {"owner": "alice"})
    put_group(emu, EMULATOR_TOKEN, {"owner": "platform"})
    emu.request_log.clear()
    found = attributor(emu).attribute([drifted()], {})["core.rg"]
    assert not found.known and "since our last write" in found.reason
    assert feed_requests(emu) == ["/providers/microsoft.resourcegraph/resources"]


def test_nothing_drifted_asks_nothing(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "s.db", change_feed=ChangeFeedConfig())
    noop = Change(address="core.rg", id=f"/subscriptions/{SUB}/resourceGroups/rg-a",
                  type="Microsoft.Resources/resourceGroups", action="noop")
    create = Change(address="core.rg2", id=f"/subscriptions/{SUB}/resourceGroups/rg-b",
                    type="Microsoft.Resources/resourceGroups", action="create", diff=(DiffEntry("location", None, "x"),))
    assert attributor(emu).attribute([noop, create], {}) == {}
    assert list(emu.request_log) == []
