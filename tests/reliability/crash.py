"""Crash consistency: `reconcile --yes --env prod` killed with SIGKILL at a
seeded moment of its apply (after its k-th ARM request), then run again until
it succeeds. Nothing may be duplicated or lost, and no resource whose create
had completed before the kill may be created (PUT) again: an operation still
running at the kill is resumed from its continuation token."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from emulator.request_log import read_request_log
from tests.reliability.bad_inputs import clean_environment
from tests.reliability.harness import Convergence, RunRecord, Verdict, verdict

ENV = "prod"
TRIALS = 20
#: Restarts allowed after the kill before the trial counts as not converged.
MAX_RESTARTS = 3
#: LRO durations while crashing: long enough that kills land inside operations.
LRO_ENV = (
    ("RECONCILER_EMULATOR_THROTTLE", "0"),
    ("RECONCILER_EMULATOR_LRO_SECONDS", "0.1"),
    ("RECONCILER_EMULATOR_LRO_SECONDS_BY_TYPE", "Microsoft.Sql/servers=0.5,Microsoft.ApiManagement/service=0.5"),
)
#: A prod apply from empty sends roughly this many requests; kills land in [1, this].
KILL_WINDOW = 260


@dataclass
class Trial:
    """One kill-and-restart trial."""

    number: int
    kill_after_requests: int
    killed: bool
    requests_before_kill: int
    restarts: int
    verdict: Verdict
    repeated_creates: list[str] = field(default_factory=list)
    #: Operations in flight at the kill (stored tokens) and how many of them
    #: the restart finished from the token, without a second PUT.
    in_flight: int = 0
    resumed: int = 0

    @property
    def ok(self) -> bool:
        return self.killed and self.verdict.ok and not self.repeated_creates


def _command(state: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "reconciler.cli", "--yes", "--env", ENV, "--emulator-state", str(state), *extra]


def _request_count(state: Path) -> int:
    if not state.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM request_log").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created yet


def _settled(state: Path, at: float) -> set[str]:
    """Lower-cased paths of resources existing and not busy at time `at`."""
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
    try:
        return {row[0].lower() for row in conn.execute("SELECT id, busy_until FROM resources") if row[1] <= at}
    finally:
        conn.close()


def _pending_tokens(workdir: Path) -> list[str]:
    """Resource ids with a stored LRO continuation token (operations in flight)."""
    path = workdir / f"lro-tokens-{ENV}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(k).lower() for k in data] if isinstance(data, dict) else []


def run_trial(number: int, workdir: Path) -> Trial:
    """Kill one apply at a seeded moment, restart until it succeeds, judge."""
    workdir.mkdir(parents=True, exist_ok=True)
    state = workdir / "emulator.db"
    env = clean_environment(workdir, LRO_ENV)
    kill_after = random.Random(f"crash:{number}").randint(1, KILL_WINDOW)
    child = subprocess.Popen(
        _command(state), cwd=workdir, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    killed = False
    while child.poll() is None:
        if _request_count(state) >= kill_after:
            child.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    child.wait()
    kill_time = time.time()
    before = _request_count(state)
    settled = _settled(state, kill_time) if state.exists() else set()
    pending = _pending_tokens(workdir)
    restarts, code = 0, 1
    while code != 0 and restarts < MAX_RESTARTS:
        restarts += 1
        code = subprocess.run(
            _command(state), cwd=workdir, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, timeout=300, check=False,
        ).returncode
    after_kill = read_request_log(state)[before:]
    repeated = sorted({r.path for r in after_kill if r.method == "PUT" and r.path.lower() in settled})
    put_again = {r.path.lower() for r in after_kill if r.method == "PUT"}
    resumed = sum(1 for rid in pending if rid not in put_again)
    convergence = Convergence([RunRecord(1, 0, {}, {})] * restarts, converged=code == 0)
    return Trial(
        number, kill_after, killed, before, restarts, verdict(ENV, state, convergence), repeated, len(pending), resumed
    )
