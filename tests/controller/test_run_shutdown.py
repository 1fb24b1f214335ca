"""SIGTERM in the middle of a cycle: `reconcile run` exits 0 within 30 s, releases its Blob lease,
and the next controller resumes the operations left in flight instead of writing twice.

The emulator makes the VNet and Redis creates long-running (`RECONCILER_EMULATOR_LRO_SECONDS_BY_TYPE`),
so the first controller is still waiting on them when the signal comes; a short `--shutdown-grace`
makes it leave them to its successor.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from emulator.errors import EmulatorStateError
from emulator.request_log import RequestRecord, read_request_log
from reconciler.controller.lease import LEASE_CONTAINER, FileLease, lease_blob_name
from tests.controller.conftest import Azurite
from tests.controller.controller_process import (
    GUARD_S,
    Controllers,
    controller_env,
    free_port,
    get,
    wait_until_serving,
)

SLOW_TYPES = "Microsoft.Network/virtualNetworks=8,Microsoft.Cache/redisEnterprise=8"
SLOW_PATHS = ("/providers/microsoft.network/virtualnetworks/", "/providers/microsoft.cache/redisenterprise/")
EXIT_LIMIT_S = 30.0  # issue 6: a controller told to stop is gone within 30 s


def is_slow_create(record: RequestRecord) -> bool:
    path = record.path.lower()
    return (
        record.method == "PUT"
        and record.status < 300
        and any(p in path and "/" not in path.split(p, 1)[1] for p in SLOW_PATHS)
    )


def wait_for_slow_create(state: Path) -> None:
    deadline = time.monotonic() + GUARD_S
    while not (state.exists() and any(is_slow_create(r) for r in _request_log(state))):
        assert time.monotonic() < deadline, "no long-running create was started"
        time.sleep(0.1)


def _request_log(state: Path) -> list[RequestRecord]:
    """The log so far; empty while the controller is still creating the state file's tables."""
    try:
        return read_request_log(state)
    except EmulatorStateError:
        return []


def accepted_puts(records: list[RequestRecord]) -> set[str]:
    return {r.path.lower() for r in records if r.method == "PUT" and r.status < 300}


def test_sigterm_mid_cycle_exits_releases_the_lease_and_the_successor_resumes(
    controllers: Controllers, azurite: Azurite, tmp_path: Path
) -> None:
    state = tmp_path / "empty" / "emulator.db"
    state.parent.mkdir()
    # With a Blob lease the tokens live beside it, in the lease's container (issue 15).
    tokens_blob = BlobServiceClient.from_connection_string(azurite.connection_string).get_blob_client(
        LEASE_CONTAINER, "lro-tokens/dev.json"
    )
    env = controller_env(RECONCILER_EMULATOR_LRO_SECONDS_BY_TYPE=SLOW_TYPES)
    port = free_port()
    args = [
        "--env", "dev", "--emulator-state", str(state), "--lease", "blob",
        "--lease-connection-string", azurite.connection_string, "--lease-duration", "15",
    ]
    first = controllers.start(
        *args, "--interval", "1h", "--health-port", str(port), "--shutdown-grace", "2s", env=env, name="first"
    )
    assert wait_until_serving(port).status_code == 200
    wait_for_slow_create(state)

    # Mid-cycle: alive, not ready (no cycle has finished), holding the lease.
    assert get(port, "/healthz").status_code == 200
    readyz = get(port, "/readyz")
    assert (readyz.status_code, readyz.text) == (503, "no cycle has finished yet\n")
    blob = BlobServiceClient.from_connection_string(azurite.connection_string).get_blob_client(
        LEASE_CONTAINER, lease_blob_name("dev")
    )
    assert blob.get_blob_properties().lease.state == "leased"

    signalled = time.monotonic()
    assert first.terminate() == 0, first.tail()
    assert time.monotonic() - signalled < EXIT_LIMIT_S
    assert blob.get_blob_properties().lease.state == "available"
    assert not any(e.get("event") == "ReconcilerCycle" for e in first.events)
    _, left = first.wait_for(lambda e: e.get("phase") == "shutdown" and "pending_operations" in e, what="hand-over")
    pending = json.loads(tokens_blob.download_blob().readall())
    assert left["pending_operations"] == len(pending) >= 1
    assert not (state.parent / "lro-tokens-dev.json").exists()
    before = read_request_log(state)

    second = controllers.start(*args, "--once", "--health-port", "-1", env=env, name="second")
    assert second.wait() == 0, second.tail()
    after = read_request_log(state)[len(before):]

    # No write twice: neither the creates that completed nor those left in flight are sent again.
    assert accepted_puts(before) & accepted_puts(after) == set()
    assert not any(r.method == "PUT" and r.path.lower() in pending for r in after)
    # The operations left in flight were resumed to their end from their tokens.
    resumed = {e["address"] for e in second.events if e.get("message") == "operation resumed to its end"}
    assert len(resumed) == len(pending)
    assert json.loads(tokens_blob.download_blob().readall()) == {}
    (cycle,) = [e for e in second.events if e.get("event") == "ReconcilerCycle"]
    assert cycle["failed"] == 0 and cycle["error"] is None
    assert blob.get_blob_properties().lease.state == "available"


def test_sigterm_lets_short_writes_finish_within_the_grace(controllers: Controllers, tmp_path: Path) -> None:
    state = tmp_path / "empty" / "emulator.db"
    state.parent.mkdir()
    tokens_file = state.parent / "lro-tokens-dev.json"
    env = controller_env(RECONCILER_EMULATOR_LRO_SECONDS_BY_TYPE=SLOW_TYPES.replace("=8", "=4"))
    args = ["--env", "dev", "--emulator-state", str(state), "--health-port", "-1"]  # file lease beside the state
    first = controllers.start(*args, "--interval", "1h", env=env, name="first")
    wait_for_slow_create(state)

    signalled = time.monotonic()
    assert first.terminate() == 0, first.tail()
    assert time.monotonic() - signalled < EXIT_LIMIT_S
    # The writes in flight finished: no operation left over, and the cut-short cycle was reported.
    assert json.loads(tokens_file.read_text()) == {}
    assert not any("pending_operations" in e for e in first.events)
    (cycle,) = [e for e in first.events if e.get("event") == "ReconcilerCycle"]
    assert cycle["applied"] >= 1 and cycle["skipped"] >= 1 and cycle["failed"] == 0
    # A first deployment creates resources that never existed: creations, not drift.
    drifts = [e for e in first.events if e.get("event") == "ReconcilerDrift"]
    assert drifts == [] and cycle["drifted"] == 0
    assert any("did not exist (not drift)" in str(e.get("message")) for e in first.events)
    lease = FileLease(state.parent / "leases", "dev", holder="successor")
    assert lease.acquire(timeout=0)
    lease.release()
    before = read_request_log(state)

    second = controllers.start(*args, "--once", env=env, name="second")
    assert second.wait() == 0, second.tail()
    after = read_request_log(state)[len(before):]
    assert accepted_puts(before) & accepted_puts(after) == set()
    (cycle,) = [e for e in second.events if e.get("event") == "ReconcilerCycle"]
    # The successor creates the rest; never seen live by either process, so not drift.
    assert cycle["failed"] == 0 and cycle["applied"] >= 1 and cycle["drifted"] == 0
