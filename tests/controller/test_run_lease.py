"""Two `reconcile run` controllers for one environment elect one writer through a Blob lease on Azurite.

The lease itself is proven by test_lease.py; this proves the controller takes it before its first
cycle, that the standby never cycles, and that the standby takes over when the active one dies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tests.controller.conftest import AZURITE_KEY, Azurite
from tests.controller.controller_process import Controllers, Event, Portal, free_port, get, is_cycle, is_drift
from tests.controller.test_run_drift import QUEUE_ADDRESS, QUEUE_API, QUEUE_ID

LEASE_S = 15  # the shortest Blob lease
POLL_S = LEASE_S / 5  # BlobLease's default retry interval for a waiting replica
SLACK_S = 5.0  # process scheduling and Azurite latency on a loaded machine


def message(text: str) -> Callable[[Event], bool]:
    return lambda e: e.get("message") == text


def logged_at(event: Event) -> float:
    return datetime.fromisoformat(str(event["time"])).timestamp()


def drift_queue(portal: Portal, count: int) -> None:
    queue = portal.get(QUEUE_ID, QUEUE_API)
    portal.put(QUEUE_ID, {"properties": {**queue["properties"], "maxDeliveryCount": count}}, QUEUE_API)


def test_only_the_lease_holder_writes_and_the_standby_takes_over(
    controllers: Controllers, portal: Portal, dev_state: Path, azurite: Azurite
) -> None:
    args = [
        "--env", "dev", "--interval", "2s", "--emulator-state", str(dev_state), "--health-port", "-1",
        "--lease", "blob", "--lease-connection-string", azurite.connection_string,
        "--lease-duration", str(LEASE_S),
    ]
    active = controllers.start(*args, name="active")
    active.wait_for(message("lease acquired"), what="the lease")
    active.wait_cycles(1)
    standby = controllers.start(*args, name="standby")
    standby.wait_for(message("lease held by another replica; waiting"), what="the standby's wait")

    # Drift while both run: the active one remediates, the standby does not even look.
    mark = active.mark()
    drift_queue(portal, 3)
    _, drift = active.wait_for(is_drift(QUEUE_ADDRESS), after=mark, what="the drift on the active controller")
    assert drift["remediated"] == "true"
    active.wait_cycles(1, after=active.events.index(drift))
    assert portal.get(QUEUE_ID, QUEUE_API)["properties"]["maxDeliveryCount"] == 10
    assert not any(is_cycle(e) or e.get("message") == "lease acquired" for e in standby.events)

    # Killed without releasing: the lease runs out and the standby takes it.
    active.kill()
    killed_at = time.time()
    _, acquired = standby.wait_for(message("lease acquired"), what="the takeover")
    assert logged_at(acquired) - killed_at <= LEASE_S + POLL_S + SLACK_S
    mark = standby.mark()
    drift_queue(portal, 2)
    _, drift = standby.wait_for(is_drift(QUEUE_ADDRESS), after=mark, what="the drift on the new active controller")
    assert drift["remediated"] == "true"
    standby.wait_cycles(1, after=standby.events.index(drift))
    assert portal.get(QUEUE_ID, QUEUE_API)["properties"]["maxDeliveryCount"] == 10

    # A replica waiting for the lease is ready (it does its job by waiting), not the leader, and
    # stops at once on SIGTERM without ever cycling.
    port = free_port()
    waiting = controllers.start(*args, "--health-port", str(port), name="waiting")
    waiting.wait_for(message("lease held by another replica; waiting"), what="the third replica's wait")
    readyz = get(port, "/readyz")
    assert (readyz.status_code, readyz.text) == (200, "standby: another replica holds the lease\n")
    assert 'reconciler_leader{environment="dev"} 0.0' in get(port, "/metrics").text
    assert waiting.terminate() == 0
    assert not any(is_cycle(e) for e in waiting.events)
    assert standby.terminate() == 0

    # The storage key on the command line reaches no log line.
    assert not any(AZURITE_KEY in line for line in active.raw + standby.raw)


def test_a_controller_that_loses_its_lease_stops_and_exits_1(
    controllers: Controllers, dev_state: Path, azurite: Azurite
) -> None:
    from azure.storage.blob import BlobLeaseClient, BlobServiceClient

    from reconciler.controller.lease import LEASE_CONTAINER, lease_blob_name

    controller = controllers.start(
        "--env", "qa", "--interval", "2s", "--emulator-state", str(dev_state), "--health-port", "-1",
        "--lease", "blob", "--lease-connection-string", azurite.connection_string,
        "--lease-duration", str(LEASE_S),
    )
    controller.wait_for(message("lease acquired"), what="the lease")
    # Someone else takes the lease (an operator breaking it, or a partition outliving it).
    blob = BlobServiceClient.from_connection_string(azurite.connection_string).get_blob_client(
        LEASE_CONTAINER, lease_blob_name("qa")
    )
    intruder = BlobLeaseClient(blob)
    intruder.break_lease(lease_break_period=0)
    intruder.acquire(lease_duration=LEASE_S)
    try:
        assert controller.wait() == 1, controller.tail()
        controller.wait_for(message("lease lost; stopping"), what="the loss")
    finally:
        intruder.release()
