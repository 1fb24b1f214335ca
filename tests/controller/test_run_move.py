"""Controller state that survives a move: a controller killed mid-apply on one "node" (its own work
directory) is succeeded by one on another node (another work directory) that shares only the
Azurite container of the Blob lease. The successor finds the continuation tokens there, resumes the
operations left in flight, and sends no create twice.

Both controllers talk to one emulator served over HTTP (the shared ARM), which makes the VNet and
Redis creates long-running so the first controller is killed while waiting on them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from emulator.faults import FaultConfig
from emulator.request_log import read_request_log
from emulator.server import EmulatorHTTPServer, running_server
from reconciler.controller.lease import LEASE_CONTAINER
from tests.controller.conftest import Azurite
from tests.controller.controller_process import Controllers, controller_env
from tests.controller.test_run_shutdown import accepted_puts, wait_for_slow_create

SLOW = {"Microsoft.Network/virtualNetworks": 8.0, "Microsoft.Cache/redis": 8.0}


@pytest.fixture
def shared_arm(tmp_path: Path) -> Iterator[EmulatorHTTPServer]:
    state = tmp_path / "arm" / "emulator.db"
    state.parent.mkdir()
    with running_server(state, faults=FaultConfig(throttle=False, lro_seconds=SLOW)) as server:
        yield server


def test_a_successor_on_another_node_resumes_from_the_blob_tokens(
    controllers: Controllers, azurite: Azurite, shared_arm: EmulatorHTTPServer, tmp_path: Path
) -> None:
    state = shared_arm.emulator.state_path
    node_a, node_b = tmp_path / "node-a", tmp_path / "node-b"
    node_a.mkdir()
    node_b.mkdir()
    args = [
        "--env", "dev", "--emulator-url", shared_arm.base_url, "--health-port", "-1", "--lease", "blob",
        "--lease-connection-string", azurite.connection_string, "--lease-duration", "15",
    ]
    tokens = BlobServiceClient.from_connection_string(azurite.connection_string).get_blob_client(
        LEASE_CONTAINER, "lro-tokens/dev.json"
    )

    first = controllers.start(*args, "--interval", "1h", env=controller_env(RECONCILER_WORK_DIR=str(node_a)),
                              name="node-a")
    wait_for_slow_create(state)
    deadline = time.monotonic() + 60
    # a slow create's token: a quick operation's token comes and goes within the same moment
    # (seen under parallel test workers: it was there for the check and gone for the kill)
    slow_types = {arm_type.rsplit("/", 1)[-1].lower() for arm_type in SLOW}
    while not (tokens.exists() and any(rid.lower().rsplit("/", 2)[-2] in slow_types
                                       for rid in json.loads(tokens.download_blob().readall()))):
        assert time.monotonic() < deadline, "no continuation token of a slow create reached the lease's container"
        time.sleep(0.1)
    first.kill()  # SIGKILL: no shutdown, no lease release, nothing flushed
    pending = json.loads(tokens.download_blob().readall())
    assert pending and not list(node_a.rglob("lro-tokens*"))  # nothing of it on node A's disk
    before = read_request_log(state)

    second = controllers.start(*args, "--once", env=controller_env(RECONCILER_WORK_DIR=str(node_b)), name="node-b")
    assert second.wait() == 0, second.tail()
    after = read_request_log(state)[len(before):]

    # The operations left in flight were resumed from their tokens, none of them sent again...
    resumed = {e["address"] for e in second.events if e.get("message") == "operation resumed to its end"}
    assert len(resumed) == len(pending)
    assert not any(r.method == "PUT" and r.path.lower() in pending for r in after)
    # ... nor any create the first node finished.
    assert accepted_puts(before) & accepted_puts(after) == set()
    assert json.loads(tokens.download_blob().readall()) == {}
    (cycle,) = [e for e in second.events if e.get("event") == "ReconcilerCycle"]
    assert cycle["failed"] == 0 and cycle["error"] is None
