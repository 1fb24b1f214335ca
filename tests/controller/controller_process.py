"""`reconcile run` as a real child process, its JSON log lines parsed as they arrive.

The controller tests start the command exactly as a container would (``python -m reconciler.cli
run ...``) in a clean environment (no Azure identity, telemetry or ``RECONCILER_*`` settings from
this machine), against an emulator state file of the test's own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]

# Only a guard against a hung test: every wait ends on an event long before it.
GUARD_S = 90.0

# Known values for every secret setting, so tests can look for them where they must not be.
KNOWN_SECRETS: Mapping[str, str] = {
    "THIRDPARTY_API_KEY": "ctl-thirdparty-key-9d2e71",
    "APIM_BASIC_AUTH_HEADER": "Basic Y3RsLWFwaW0tdXNlcjpjdGwtYXBpbS1wYXNz",
    "RECONCILER_FINGERPRINT_KEY": "ctl-fingerprint-key-0f3c9a",
}
_FOREIGN = ("AZURE_", "ARM_", "APPLICATIONINSIGHTS_", "RECONCILER_", "LEASE_", "SQL_", "APIM_", "THIRDPARTY_")

Event = dict[str, Any]


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str) -> requests.Response:
    """GET a path of the health server on loopback."""
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)


def wait_until_serving(port: int) -> requests.Response:
    """The first answer of /healthz once the server listens (connection refused until then)."""
    deadline = time.monotonic() + GUARD_S
    while True:
        try:
            return get(port, "/healthz")
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def controller_env(**extra: str) -> dict[str, str]:
    """This machine's environment without settings of ours, plus the known secrets and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
    env.update(KNOWN_SECRETS)
    env["PYTHONPATH"] = str(REPO_ROOT)
    # Bulk cycles every two seconds: ARM's token buckets are not what these tests are about.
    env["RECONCILER_EMULATOR_THROTTLE"] = "0"
    env.update(extra)
    return env


class ControllerProcess:
    """One ``reconcile run`` process; its stderr JSON lines collected as ``events``."""

    def __init__(self, args: list[str], env: Mapping[str, str], cwd: Path, name: str) -> None:
        self.name = name
        self.args = args
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", "run", "--log-format", "json", "--log-level", "INFO", *args],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[Event] = []
        self.raw: list[str] = []
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            with self._changed:
                self.raw.append(line)
                try:
                    parsed = json.loads(line)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    self.events.append(parsed)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, matches: Callable[[Event], bool], *, after: int = 0, what: str = "") -> tuple[int, Event]:
        """The first event at index >= ``after`` that ``matches``, with its index; waits for it."""
        deadline = time.monotonic() + GUARD_S
        with self._changed:
            while True:
                for index in range(after, len(self.events)):
                    if matches(self.events[index]):
                        return index, self.events[index]
                if self.process.poll() is not None and all(not r.is_alive() for r in self._readers):
                    raise AssertionError(f"{self.name} exited {self.process.returncode} before {what}:\n{self.tail()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.name}: no {what} within the guard:\n{self.tail()}")
                self._changed.wait(min(remaining, 0.5))

    def wait_cycles(self, count: int, *, after: int = 0) -> list[tuple[int, Event]]:
        """Wait until ``count`` cycles finished after index ``after``; their (index, event)."""
        found: list[tuple[int, Event]] = []
        start = after
        while len(found) < count:
            index, event = self.wait_for(is_cycle, after=start, what=f"cycle {len(found) + 1} of {count}")
            found.append((index, event))
            start = index + 1
        return found

    def cycles(self) -> list[Event]:
        with self._changed:
            return [e for e in self.events if is_cycle(e)]

    def mark(self) -> int:
        """Index of the next event to arrive."""
        with self._changed:
            return len(self.events)

    def tail(self, lines: int = 30) -> str:
        return "".join(self.raw[-lines:])

    def terminate(self) -> int:
        """SIGTERM, then the exit code (the guard kills it if it never exits)."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait()

    def wait(self) -> int:
        try:
            code = self.process.wait(timeout=GUARD_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} did not exit:\n{self.tail()}") from None
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def is_cycle(event: Event) -> bool:
    return event.get("event") == "ReconcilerCycle"


def is_drift(address: str) -> Callable[[Event], bool]:
    return lambda e: e.get("event") == "ReconcilerDrift" and e.get("address") == address


class Controllers:
    """Starts controllers; the fixture kills whatever is still running at teardown."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[ControllerProcess] = []

    def start(self, *args: str, env: Mapping[str, str] | None = None, name: str = "") -> ControllerProcess:
        process = ControllerProcess(
            list(args), env if env is not None else controller_env(), self.workdir, name or f"controller-{len(self.started)}"
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            process.kill()


@pytest.fixture
def controllers(tmp_path: Path) -> Iterator[Controllers]:
    """A factory of ``reconcile run`` processes, all killed at teardown."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    started = Controllers(workdir)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture(scope="session")
def converged_dev(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An emulator state file holding dev applied from empty by one `reconcile run --once`."""
    directory = tmp_path_factory.mktemp("converged-dev")
    state = directory / "emulator.db"
    done = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "run", "--env", "dev", "--once", "--emulator-state", str(state),
         "--health-port", "-1", "--lease", "none"],
        cwd=directory,
        env=controller_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return state


@pytest.fixture
def dev_state(converged_dev: Path, tmp_path: Path) -> Path:
    """A private copy of the converged dev state for one test."""
    directory = tmp_path / "state"
    directory.mkdir()
    for item in converged_dev.parent.iterdir():
        if item.name.startswith(converged_dev.name):  # the database and any -wal/-shm beside it
            shutil.copy2(item, directory / item.name)
    return directory / converged_dev.name


class Portal:
    """Someone changing resources by hand: plain HTTP requests to a served emulator, any bearer token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _call(self, method: str, resource_id: str, api_version: str, body: Any = None) -> Any:
        answer = requests.request(
            method,
            f"{self.base_url}{resource_id}",
            params={"api-version": api_version},
            headers={"Authorization": "Bearer someone-in-the-portal"},
            json=body,
            timeout=30,
        )
        assert answer.status_code < 300, f"{method} {resource_id}: {answer.status_code} {answer.text[:300]}"
        return answer.json() if answer.content else None

    def get(self, resource_id: str, api_version: str) -> dict[str, Any]:
        body: dict[str, Any] = self._call("GET", resource_id, api_version)
        return body

    def put(self, resource_id: str, body: dict[str, Any], api_version: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("PUT", resource_id, api_version, body)
        return answer


@pytest.fixture
def portal(dev_state: Path) -> Iterator[Portal]:
    """The emulator served over HTTP on the test's state file (the controllers embed their own)."""
    from emulator.faults import FaultConfig
    from emulator.server import running_server

    with running_server(dev_state, faults=FaultConfig(throttle=False)) as server:
        yield Portal(server.base_url)
