"""One active controller per environment: Blob leases against a real Azurite, file locks locally."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobLeaseClient, BlobServiceClient

from reconciler.controller.lease import BlobLease, FileLease, LeaseLost
from tests.controller.conftest import REPO_ROOT, Azurite
from tests.controller.tcp_proxy import PausableProxy

DURATION_S = 15
RETRY_INTERVAL_S = 0.5
# A waiting replica polls every RETRY_INTERVAL_S; allow one poll plus process and Azurite latency.
RENEWAL_SLACK_S = RETRY_INTERVAL_S + 2.0
LINE_WAIT_S = 120.0  # only a guard against a hung test; the normal wait is seconds


class Contender:
    """A controller stand-in running in its own process (``tests/controller/lease_contender.py``)."""

    def __init__(self, azurite: Azurite, environment: str, holder: str) -> None:
        self.holder = holder
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.controller.lease_contender",
                "--environment",
                environment,
                "--holder",
                holder,
                "--duration",
                str(DURATION_S),
                "--retry-interval",
                str(RETRY_INTERVAL_S),
            ],
            cwd=REPO_ROOT,
            env={**os.environ, "LEASE_CONNECTION_STRING": azurite.connection_string},
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def wait_for(self, event: str) -> float:
        """Block until the contender prints ``event``; return the wall-clock time it printed."""
        deadline = time.monotonic() + LINE_WAIT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.seen.append(line)
            name, _, stamp = line.partition(" ")
            if name == event:
                return float(stamp)
        raise AssertionError(f"{self.holder} never printed {event}; saw {self.seen}")

    def printed(self, event: str) -> bool:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return any(line.startswith(event) for line in self.seen)

    def kill(self) -> float:
        """kill -9: no release, no more renewals. Returns the wall-clock time of the kill."""
        killed_at = time.time()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        return killed_at

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def contenders() -> Iterator[list[Contender]]:
    started: list[Contender] = []
    yield started
    for contender in started:
        contender.stop()


def service(azurite: Azurite) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(azurite.connection_string)


def test_two_controllers_one_holds_and_the_other_takes_over_within_the_lease_period_after_a_kill(
    azurite: Azurite, contenders: list[Contender]
) -> None:
    first = Contender(azurite, "qa", "replica-a")
    contenders.append(first)
    first_acquired = first.wait_for("ACQUIRED")
    second = Contender(azurite, "qa", "replica-b")
    contenders.append(second)
    second.wait_for("CONTENDED")
    observer = BlobLease(service(azurite), "qa", holder="observer")

    # Past a whole lease period the first still holds it: its renewals keep it.
    while time.time() < first_acquired + DURATION_S + 2:
        assert not second.printed("ACQUIRED")
        time.sleep(0.5)
    assert observer.current_holder() == "replica-a"
    assert not second.printed("ACQUIRED")

    killed_at = first.kill()
    second_acquired = second.wait_for("ACQUIRED")

    takeover_s = second_acquired - killed_at
    assert takeover_s <= DURATION_S + RENEWAL_SLACK_S
    # It waited for the lease to run out (renewed at most a third of the duration before the kill).
    assert takeover_s >= DURATION_S * 2 / 3 - 1
    assert observer.current_holder() == "replica-b"


def test_only_one_lease_object_acquires_and_release_hands_over_at_once(azurite: Azurite) -> None:
    first = BlobLease(service(azurite), "dev", holder="one", duration_s=DURATION_S)
    second = BlobLease(service(azurite), "dev", holder="two", duration_s=DURATION_S, retry_interval_s=0.1)
    try:
        assert first.acquire(timeout=10)
        assert first.held
        assert first.acquire(timeout=0)  # already ours: no second lease, no second renewal thread
        assert not second.acquire(timeout=0.5)
        assert not second.held
        assert first.current_holder() == "one"

        first.release()
        assert not first.held
        assert second.acquire(timeout=10)
        assert second.current_holder() == "two"
    finally:
        first.release()
        second.release()


def test_acquire_creates_the_lease_container_and_blob(azurite: Azurite) -> None:
    lease = BlobLease(service(azurite), "staging", duration_s=DURATION_S)
    try:
        assert lease.acquire(timeout=10)
        blob = service(azurite).get_blob_client("reconciler-leases", "staging.lock")
        assert blob.get_blob_properties().lease.state == "leased"
    finally:
        lease.release()


def test_a_holder_whose_lease_was_taken_learns_it_lost_on_renewal(azurite: Azurite) -> None:
    lost = threading.Event()
    first = BlobLease(service(azurite), "prod", holder="one", duration_s=DURATION_S, on_lost=lost.set)
    second = BlobLease(service(azurite), "prod", holder="two", duration_s=DURATION_S)
    try:
        assert first.acquire(timeout=10)
        # An operator breaks the lease (as after a partition that outlived it); another replica takes it.
        blob = service(azurite).get_blob_client("reconciler-leases", "prod.lock")
        BlobLeaseClient(blob).break_lease(lease_break_period=0)
        assert second.acquire(timeout=10)

        with pytest.raises(LeaseLost):
            first.renew()
        assert not first.held
    finally:
        first.release()
        second.release()


def test_a_lease_duration_outside_what_blob_storage_allows_is_refused(azurite: Azurite) -> None:
    with pytest.raises(ValueError, match="15 to 60"):
        BlobLease(service(azurite), "dev", duration_s=10)


def test_acquire_gives_up_when_cancelled(azurite: Azurite) -> None:
    holder = BlobLease(service(azurite), "cancel", holder="one", duration_s=DURATION_S)
    waiter = BlobLease(service(azurite), "cancel", holder="two", duration_s=DURATION_S)
    cancel = threading.Event()
    cancel.set()
    try:
        assert holder.acquire(timeout=10)
        assert not waiter.acquire(timeout=None, cancel=cancel)
    finally:
        holder.release()


def test_file_lease_is_exclusive_and_released(tmp_path: Path) -> None:
    first = FileLease(tmp_path, "dev", holder="one")
    second = FileLease(tmp_path, "dev", holder="two", retry_interval_s=0.05)
    assert first.acquire(timeout=1)
    assert not second.acquire(timeout=0.2)
    assert second.current_holder() == "one"
    first.release()
    assert second.acquire(timeout=1)
    second.renew()
    second.release()
    with pytest.raises(LeaseLost):
        second.renew()


def test_file_lease_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    script = (
        "import sys, threading; from pathlib import Path; from reconciler.controller.lease import FileLease; "
        f"lease = FileLease(Path({str(tmp_path)!r}), 'dev'); lease.acquire(timeout=5); print('ACQUIRED', flush=True); "
        "threading.Event().wait()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ACQUIRED"
        successor = FileLease(tmp_path, "dev", retry_interval_s=0.05)
        assert not successor.acquire(timeout=0.2)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert successor.acquire(timeout=5)
        successor.release()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_holder_cut_off_from_storage_stops_before_anyone_can_take_its_lease(azurite: Azurite) -> None:
    order: list[str] = []
    with PausableProxy(azurite.port) as proxy:
        through_proxy = azurite.connection_string.replace(f":{azurite.port}/", f":{proxy.port}/")
        holder = BlobLease(
            BlobServiceClient.from_connection_string(through_proxy),
            "partition",
            holder="cut-off",
            duration_s=DURATION_S,
            on_lost=lambda: order.append("holder stopped"),
        )
        assert holder.acquire(timeout=LINE_WAIT_S)
        proxy.pause()  # renewals now hang until their timeout, and the lease runs out
        contender = BlobLease(
            service(azurite), "partition", holder="other", duration_s=DURATION_S, retry_interval_s=0.2
        )
        assert contender.acquire(timeout=LINE_WAIT_S)
        order.append("contender acquired")
        assert order == ["holder stopped", "contender acquired"]
        assert not holder.held
        contender.release()
        holder.release()  # nothing left to release: no call, no error


def test_a_standby_keeps_waiting_through_a_storage_outage(azurite: Azurite) -> None:
    holder = BlobLease(service(azurite), "outage", holder="one", duration_s=DURATION_S)
    assert holder.acquire(timeout=LINE_WAIT_S)
    with PausableProxy(azurite.port) as proxy:
        proxy.pause()
        through_proxy = azurite.connection_string.replace(f":{azurite.port}/", f":{proxy.port}/")
        standby = BlobLease(
            BlobServiceClient.from_connection_string(through_proxy),
            "outage",
            holder="two",
            duration_s=DURATION_S,
            retry_interval_s=0.2,
        )
        # Unreachable storage while waiting is no reason to give up.
        assert not standby.acquire(timeout=4)
        proxy.resume()
        holder.release()
        assert standby.acquire(timeout=LINE_WAIT_S)
        assert standby.current_holder() == "two"
        standby.release()
