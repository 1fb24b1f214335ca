"""The state file: shared across processes and threads, never corrupted, clear errors when unusable."""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from emulator import (
    Emulator,
    EmulatorStateError,
    FaultConfig,
    clear_request_log,
    default_state_path,
    read_request_log,
)
from emulator.cli import register

from .conftest import BASE, SUB

REPO = Path(__file__).resolve().parents[2]
RG_URL = f"{BASE}/subscriptions/{SUB}/resourceGroups/rg1?api-version=2025-04-01"
IDENTITY_URL = (
    f"{BASE}/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/"
    "userAssignedIdentities/{name}?api-version=2024-11-30"
)

WRITER = """
import sys
from emulator import Emulator, FaultConfig
emu = Emulator(sys.argv[1], faults=FaultConfig(throttle=False))
url = sys.argv[2]
for i in range(int(sys.argv[3])):
    answer = emu.handle("PUT", url.format(name=f"{sys.argv[4]}{i}"), {}, b'{"location": "westus2"}')
    assert answer.status == 201, answer.body
"""


def _run_writer(state: Path, count: int, prefix: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(state), IDENTITY_URL, str(count), prefix], cwd=REPO)


def test_what_one_process_writes_another_reads(state_path: Path) -> None:
    Emulator(state_path, faults=FaultConfig(throttle=False)).handle("PUT", RG_URL, {}, b'{"location": "westus2"}')
    assert _run_writer(state_path, 2, "fromchild").wait(timeout=60) == 0
    reader = Emulator(state_path, faults=FaultConfig(throttle=False))
    answer = reader.handle("GET", IDENTITY_URL.format(name="FROMCHILD1"), {}, None)
    assert answer.status == 200 and json.loads(answer.body)["name"] == "fromchild1"
    logged = [r for r in read_request_log(state_path) if r.method == "PUT"]
    assert len(logged) == 3 and all(r.api_version for r in logged)
    clear_request_log(state_path)
    assert read_request_log(state_path) == []


def test_threads_and_processes_writing_together_never_corrupt_the_file(state_path: Path) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False))
    emu.handle("PUT", RG_URL, {}, b'{"location": "westus2"}')
    children = [_run_writer(state_path, 40, f"proc{p}x") for p in range(2)]
    failures: list[int] = []

    def write(thread: int) -> None:
        for i in range(20):
            body = json.dumps({"location": "westus2", "tags": {"n": str(i)}}).encode()
            status = emu.handle("PUT", IDENTITY_URL.format(name=f"shared{i % 5}"), {}, body).status
            own = emu.handle("PUT", IDENTITY_URL.format(name=f"t{thread}x{i}"), {}, body).status
            if status not in (200, 201) or own != 201:
                failures.append(status)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [c.wait(timeout=120) for c in children] == [0, 0]
    assert failures == []
    names: set[str] = set()
    link: str | None = f"{BASE}/subscriptions/{SUB}/resourceGroups/rg1/resources?api-version=2025-04-01"
    while link:
        page = json.loads(emu.handle("GET", link, {}, None).body)
        names |= {item["name"] for item in page["value"]}
        link = page["nextLink"]
    assert len(names) == 5 + 6 * 20 + 2 * 40
    check = sqlite3.connect(state_path).execute("PRAGMA integrity_check").fetchone()
    assert check == ("ok",)


def test_a_file_that_is_not_a_state_is_refused_unchanged(tmp_path: Path) -> None:
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(EmulatorStateError) as err:
        Emulator(bad)
    assert str(bad) in str(err.value) and "left unchanged" in str(err.value)
    assert "reset" not in str(err.value)  # a reset would delete someone's file
    assert bad.read_bytes() == b"this is not a database" * 100


def _damaged_state(tmp_path: Path) -> Path:
    """An emulator state with its fourth page's b-tree header overwritten."""
    path = tmp_path / "damaged.db"
    emu = Emulator(path, faults=FaultConfig(throttle=False))
    for n in range(40):
        emu.handle("PUT", f"{BASE}/subscriptions/{SUB}/resourcegroups/rg{n}?api-version=2025-04-01", {},
                   b'{"location": "westus2", "tags": {"pad": "' + b"x" * 200 + b'"}}')
    emu.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    with open(path, "r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\x0d" + b"\xff" * 7)
    return path


def test_a_damaged_state_names_the_path_and_the_fix(tmp_path: Path) -> None:
    damaged = _damaged_state(tmp_path)
    with pytest.raises(EmulatorStateError) as err:
        Emulator(damaged)
    assert "corrupt" in str(err.value) and f"reconcile emulator reset --state {damaged}" in str(err.value)


def test_cli_reset_recreates_a_damaged_state_and_refuses_other_files(tmp_path: Path) -> None:
    damaged = _damaged_state(tmp_path)
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["reset", "--state", str(damaged)])
    assert args.func(args) == 0
    assert Emulator(damaged).handle("GET", RG_URL, {}, None).status == 404
    notes = tmp_path / "notes.txt"
    notes.write_text("garbage")
    with pytest.raises(EmulatorStateError):
        args = parser.parse_args(["reset", "--state", str(notes)])
        args.func(args)
    assert notes.read_text() == "garbage"


def test_reset_forgets_the_estate(state_path: Path) -> None:
    emu = Emulator(state_path, faults=FaultConfig(throttle=False))
    emu.handle("PUT", RG_URL, {}, b'{"location": "westus2"}')
    emu.reset()
    assert emu.handle("GET", RG_URL, {}, None).status == 404


def test_default_state_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RECONCILER_EMULATOR_STATE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert default_state_path() == tmp_path / ".reconciler" / "emulator.db"
    monkeypatch.setenv("RECONCILER_EMULATOR_STATE", str(tmp_path / "x.db"))
    assert default_state_path() == tmp_path / "x.db"
