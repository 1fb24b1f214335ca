"""Drives whole reconcile runs against the embedded emulator and checks the
outcome: converged, nothing duplicated, nothing deleted, live equal to desired.

Used by the fault-matrix tests and by `python -m tests.reliability.table`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from desired_state.settings import AppSecrets
from emulator import FaultConfig
from emulator.request_log import read_request_log
from reconciler.engine.safety import SafetyPolicy
from reconciler.engine.session import open_session

#: Variables that would point a run at Azure or at another state file.
FOREIGN_VARIABLES = ("AZURE_", "ARM_", "RECONCILER_", "THIRDPARTY_", "APPLICATIONINSIGHTS_", "APIM_")

#: Faults off, throttling off: the referee's view of the emulator.
CLEAN = FaultConfig(throttle=False)

WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})


def is_read_action(method: str, path: str) -> bool:
    """`POST .../list`: a read (App Service settings are read only this way)."""
    return method == "POST" and path.rstrip("/").lower().endswith("/list")


def clean_secrets(**values: Any) -> AppSecrets:
    """Secrets that never come from the caller's environment or a `.env`."""
    return AppSecrets(_env_file=None, **values)


@dataclass
class RunRecord:
    """One observe-plan-apply run."""

    changes: int
    applied: int
    failed: dict[str, str]
    errors: dict[str, str]
    stats: dict[str, Any] = field(default_factory=dict)
    #: "action address" of every runnable change.
    planned: list[str] = field(default_factory=list)


@dataclass
class Convergence:
    """What it took to reach the desired state."""

    runs: list[RunRecord]
    converged: bool

    @property
    def cycles(self) -> int:
        """Applying runs needed (the last, clean run excluded)."""
        return sum(1 for r in self.runs if r.changes)

    def retries(self) -> dict[str, int]:
        """Retries by reason, summed over the runs."""
        total: Counter[str] = Counter()
        for run in self.runs:
            total.update(run.stats.get("retry", {}).get("retries_by_reason", {}))
        return dict(total)


def run_once(
    env: str,
    state: Path,
    faults: FaultConfig,
    *,
    secrets: AppSecrets | None = None,
    safety: SafetyPolicy | None = None,
    read_timeout: float | None = None,
) -> RunRecord:
    """One observe, plan and (when there is something to do) apply."""
    session = open_session(
        env, secrets=secrets or clean_secrets(), safety=safety, emulator_state=str(state), faults=faults
    )
    if read_timeout is not None:
        session.target.clients.read_timeout = read_timeout
    try:
        engine = session.engine
        observation = engine.observe()
        plan = engine.plan(observation)
        runnable = [c for c in plan.changes if c.runnable]
        if not runnable:
            return RunRecord(0, 0, {}, dict(plan.errors), session.target.clients.stats())
        result = engine.apply(plan, observation)
        return RunRecord(
            len(runnable), len(result.applied), dict(result.failed), dict(plan.errors),
            session.target.clients.stats(), [f"{c.action} {c.address}" for c in runnable],
        )
    finally:
        if session.target.emulator is not None:
            session.target.emulator.close()


def converge(
    env: str,
    state: Path,
    faults: FaultConfig,
    *,
    max_runs: int,
    secrets: AppSecrets | None = None,
    read_timeout: float | None = None,
    pause: float = 0.0,
) -> Convergence:
    """Run with `faults` until a run finds nothing to do and read no errors,
    at most `max_runs` runs (a controller would run these as cycles)."""
    runs: list[RunRecord] = []
    for n in range(max_runs):
        if n and pause:
            time.sleep(pause)  # a controller's cycles are spaced; eventual consistency needs the time
        # Each run is a new process in production, and a fault does not strike
        # the same requests again: run n draws from seed + 1000 n.
        run_faults = replace(faults, seed=faults.seed + 1000 * n)
        record = run_once(env, state, run_faults, secrets=secrets, read_timeout=read_timeout)
        runs.append(record)
        if record.changes == 0 and not record.errors and not record.failed:
            return Convergence(runs, True)
    return Convergence(runs, False)


def clean_plan_changes(env: str, state: Path) -> list[str]:
    """The referee: `reconcile --dry-run --detailed-exitcode --output json` with
    faults and throttling off; the changes it reports (empty when it exits 0)."""
    import io
    import os
    from contextlib import redirect_stderr, redirect_stdout

    from reconciler.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("RECONCILER_EMULATOR_THROTTLE")
    os.environ["RECONCILER_EMULATOR_THROTTLE"] = "0"
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--dry-run", "--env", env, "--emulator-state", str(state),
                         "--detailed-exitcode", "--output", "json"])
    finally:
        if saved is None:
            os.environ.pop("RECONCILER_EMULATOR_THROTTLE", None)
        else:
            os.environ["RECONCILER_EMULATOR_THROTTLE"] = saved
    if code == 0:
        return []
    try:
        plan = json.loads(out.getvalue())
    except ValueError:
        return [f"dry run exited {code}: {err.getvalue().strip()[:300]}"]
    found = [f"{c['address']}: {c['action']}" for c in plan["changes"] if c["action"] != "noop"]
    found += [f"{a}: read error {e}" for a, e in plan.get("errors", {}).items()]
    return found or [f"dry run exited {code}"]


def desired_ids(env: str, *, secrets: AppSecrets | None = None, stored: Path | None = None) -> set[str]:
    """Lower-cased ids of every desired resource, and of the child resources
    declared inline in a desired body (an NSG's `securityRules` are stored by
    ARM as child resources of their own). A name that is a live value (the
    Container Apps environment's default-domain zone) is read from the bodies
    in `stored`; without them it stays a placeholder."""
    from desired_state import build
    from reconciler.engine.arm_target import EMULATOR_SUBSCRIPTION
    from reconciler.engine.live_names import resolve_id

    state = build(env, subscription_id=EMULATOR_SUBSCRIPTION, secrets=secrets or clean_secrets())
    bodies = stored_bodies(stored) if stored is not None else {}
    live = {r.address: bodies.get(r.id.lower()) for r in state.resources}
    resolved = {r.address: resolve_id(r.id, live, strict=False) for r in state.resources}
    ids = {rid.lower() for rid in resolved.values()}
    for r in state.resources:
        props = r.body.get("properties")
        for key in INLINE_CHILD_LISTS:
            items = props.get(key) if isinstance(props, dict) else None
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    ids.add(f"{resolved[r.address]}/{key}/{item['name']}".lower())
    return ids


#: Property lists whose members ARM keeps as child resources.
INLINE_CHILD_LISTS = ("securityRules", "subnets")


def stored_ids(state: Path) -> list[str]:
    """Every resource id the emulator holds, as stored (duplicates kept)."""
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM resources")]
    finally:
        conn.close()


def stored_bodies(state: Path) -> dict[str, dict[str, Any]]:
    """Lower-cased id -> stored body."""
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return {row[0].lower(): json.loads(row[1]) for row in conn.execute("SELECT id, body FROM resources")}
    finally:
        conn.close()


def duplicates(ids: list[str]) -> list[str]:
    """Ids present more than once when compared case-insensitively."""
    counts = Counter(i.lower() for i in ids)
    return sorted(i for i, n in counts.items() if n > 1)


def deletes_in_log(state: Path) -> list[str]:
    """Every DELETE request the emulator answered."""
    return [f"{r.method} {r.path} -> {r.status}" for r in read_request_log(state) if r.method == "DELETE"]


def create_puts(state: Path) -> list[tuple[str, int]]:
    """(lower-cased path, status) of every PUT, in order."""
    return [(r.path.lower(), r.status) for r in read_request_log(state) if r.method == "PUT"]


@dataclass
class Verdict:
    """The checks every fault case must pass, with what was found."""

    converged: bool
    cycles: int
    leftover_changes: list[str]
    duplicate_ids: list[str]
    missing_ids: list[str]
    extra_ids: list[str]
    deletes: list[str]
    retries: dict[str, int]

    @property
    def ok(self) -> bool:
        return (
            self.converged
            and not self.leftover_changes
            and not self.duplicate_ids
            and not self.missing_ids
            and not self.extra_ids
            and not self.deletes
        )

    def explain(self) -> str:
        """Human-readable findings, for assertion messages and the doc."""
        parts = []
        if not self.converged:
            parts.append("did not converge")
        for label, items in (
            ("still changing", self.leftover_changes),
            ("duplicated", self.duplicate_ids),
            ("missing", self.missing_ids),
            ("unexpected", self.extra_ids),
            ("deleted", self.deletes),
        ):
            if items:
                parts.append(f"{label}: {', '.join(items[:5])}" + (" ..." if len(items) > 5 else ""))
        return "; ".join(parts) or "ok"


def verdict(env: str, state: Path, convergence: Convergence, extra_allowed: set[str] | None = None) -> Verdict:
    """Check the state file after the faulted runs with the faults off."""
    ids = stored_ids(state)
    lowered = {i.lower() for i in ids}
    wanted = desired_ids(env, stored=state)
    allowed = wanted | (extra_allowed or set())
    return Verdict(
        converged=convergence.converged,
        cycles=convergence.cycles,
        leftover_changes=clean_plan_changes(env, state),
        duplicate_ids=duplicates(ids),
        missing_ids=sorted(wanted - lowered),
        extra_ids=sorted(lowered - allowed),
        deletes=deletes_in_log(state),
        retries=convergence.retries(),
    )


def copy_state(source: Path, target: Path) -> Path:
    """Copy a state file (and its WAL) for a test of its own."""
    import shutil

    for suffix in ("", "-wal", "-shm"):
        src = Path(str(source) + suffix)
        if src.exists():
            shutil.copy(src, str(target) + suffix)
    tokens = source.parent / "lro-tokens-prod.json"
    if tokens.exists():
        shutil.copy(tokens, target.parent / tokens.name)
    from emulator.request_log import clear_request_log

    clear_request_log(target)
    return target


@contextmanager
def emulator_at(state: Path, faults: FaultConfig = CLEAN) -> Iterator[Any]:
    """An in-process emulator on a state file (for out-of-band changes)."""
    from emulator import Emulator

    emu = Emulator(state, faults=faults)
    try:
        yield emu
    finally:
        emu.close()


def arm_call(emu: Any, method: str, rid: str, api_version: str, body: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None) -> Any:
    """One ARM request to an in-process emulator, as the portal would send it."""
    url = f"https://management.azure.com{rid}?api-version={api_version}"
    payload = json.dumps(body).encode() if body is not None else None
    return emu.handle(method, url, {"Content-Type": "application/json", **(headers or {})}, payload)


def latest_api_version(arm_type: str) -> str:
    """The newest api-version the emulator knows for a type."""
    from emulator.api_versions import KNOWN_API_VERSIONS

    return sorted(KNOWN_API_VERSIONS.get(arm_type.lower(), {"2024-01-01"}))[-1]

