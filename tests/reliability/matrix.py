"""The fault matrix: each ARM fault, injected by the emulator from a seed, while
applying prod from empty and while remediating drift of a converged prod.

Every case must end converged within `MAX_RUNS` runs (a run is one
observe-plan-apply, as one controller cycle), with no duplicate resource,
no DELETE sent, and a clean dry run (faults off) finding nothing to change.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from emulator import FaultConfig
from tests.reliability.drift import make_drift
from tests.reliability.harness import (
    Convergence,
    Verdict,
    clean_secrets,
    converge,
    copy_state,
    run_once,
    verdict,
)

ENV = "prod"
#: The documented bound: runs (controller cycles) until a run finds nothing to do.
MAX_RUNS = 4
#: Read timeout given to every try in the hang case (the product default is 60 s).
HANG_READ_TIMEOUT = 1.0

Scenario = Literal["from-empty", "drift"]
SCENARIOS: tuple[Scenario, ...] = ("from-empty", "drift")


@dataclass(frozen=True)
class FaultCase:
    """One fault: how it is injected and how its firing is counted."""

    name: str
    what: str
    faults: FaultConfig
    #: Names of retry reasons (adapters.retry) or "lro-failed" counting the fault's firings.
    evidence: tuple[str, ...]
    read_timeout: float | None = None
    #: Seconds between runs; a controller's cycles are minutes apart.
    pause: float = 0.0
    #: Why the fault may legitimately not fire, when it may not.
    may_not_fire: str = ""
    #: FaultConfig fields changed for the drift scenario (fewer requests there).
    drift_overrides: tuple[tuple[str, Any], ...] = ()
    #: Send role assignments without `principalType`, so PrincipalNotFound can strike.
    bare_role_assignments: bool = False

    def config(self, scenario: Scenario, seed: int | None = None) -> FaultConfig:
        """The injected faults of this case in a scenario."""
        faults = replace(self.faults, **dict(self.drift_overrides)) if scenario == "drift" else self.faults
        return faults if seed is None else replace(faults, seed=seed)


def _cfg(**kwargs: Any) -> FaultConfig:
    kwargs.setdefault("throttle", False)
    return FaultConfig(seed=kwargs.pop("seed", 8), **kwargs)


CASES: tuple[FaultCase, ...] = (
    FaultCase(
        "throttle-storm",
        "429 storms with Retry-After (ARM's buckets at 0.5x, 0.2x while remediating drift)",
        _cfg(throttle=True, throttle_scale=0.5),
        ("throttled",),
        drift_overrides=(("throttle_scale", 0.2),),
    ),
    FaultCase("server-errors", "10% random 500/503", _cfg(error_rate=0.10), ("http-500", "http-503")),
    FaultCase("lro-failed", "10% of LROs end Failed", _cfg(lro_failure_rate=0.10), ("lro-failed",)),
    FaultCase(
        "hang",
        "3% of requests hang 30 s, past the 1 s read timeout",
        _cfg(hang_rate=0.03, hang_seconds=30.0),
        ("connection",),
        read_timeout=HANG_READ_TIMEOUT,
    ),
    FaultCase("dropped-connections", "5% of connections dropped", _cfg(drop_rate=0.05), ("connection",)),
    FaultCase(
        "principal-not-found",
        "PrincipalNotFound for 3 s after an identity is created",
        _cfg(principal_delay_seconds=3.0),
        ("principal-not-found",),
        may_not_fire="every desired role assignment sets principalType, ARM's documented way around it",
    ),
    FaultCase(
        "principal-not-found-bare",
        "PrincipalNotFound for 3 s after an identity is created; role assignments sent without principalType",
        _cfg(principal_delay_seconds=3.0),
        ("principal-not-found",),
        may_not_fire="while remediating drift the identities are old, past the replication window",
        bare_role_assignments=True,
    ),
    FaultCase(
        "read-after-create-404",
        "GET answers 404 for 1 s after a create",
        _cfg(read_after_create_404_seconds=1.0),
        ("not-yet-visible",),
        pause=1.0,
    ),
    FaultCase(
        "another-operation-in-progress",
        "10% of writes answered 409 AnotherOperationInProgress",
        _cfg(conflict_rate=0.10),
        ("another-operation-in-progress",),
    ),
)


@dataclass
class CaseResult:
    """The outcome of one fault in one scenario."""

    case: FaultCase
    scenario: Scenario
    verdict: Verdict
    convergence: Convergence
    seconds: float
    fired: int
    drifted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict.ok and (self.fired > 0 or not self.must_fire)

    @property
    def must_fire(self) -> bool:
        """Whether the fault has to show for the case to prove anything."""
        if self.case.bare_role_assignments:
            return self.scenario == "from-empty"
        return not self.case.may_not_fire


def fired(case: FaultCase, convergence: Convergence, state: Path) -> int:
    """How many times the fault showed (retries of its kind, failed LROs).

    Failed LROs are counted in the emulator's own operation records: the
    engine requeues a failed write once within the run, so most never reach
    a run's failures."""
    retries = convergence.retries()
    count = sum(retries.get(reason, 0) for reason in case.evidence if reason != "lro-failed")
    if "lro-failed" in case.evidence:
        with closing(sqlite3.connect(state)) as conn:
            count += int(conn.execute("SELECT COUNT(*) FROM operations WHERE outcome = 'Failed'").fetchone()[0])
    return count


def converged_template(directory: Path) -> Path:
    """A state file holding prod, applied with no faults."""
    directory.mkdir(parents=True, exist_ok=True)  # a named state's directory must exist (emulator.store.state_path)
    state = directory / "template.db"
    record = run_once(ENV, state, FaultConfig(throttle=False), secrets=clean_secrets())
    assert not record.failed, record.failed
    return state


def run_case(
    case: FaultCase,
    scenario: Scenario,
    workdir: Path,
    template: Path | None = None,
    *,
    seed: int | None = None,
) -> CaseResult:
    """Inject `case` during `scenario` in `workdir`, converge, and judge."""
    workdir.mkdir(parents=True, exist_ok=True)
    state = workdir / "emulator.db"
    drifted: list[str] = []
    if scenario == "drift":
        if template is None:
            template = converged_template(workdir / "template")
        copy_state(template, state)
        drifted = make_drift(ENV, state)
    faults = case.config(scenario, seed)
    started = time.monotonic()
    with bare_role_assignments() if case.bare_role_assignments else nullcontext():
        convergence = converge(
            ENV, state, faults, max_runs=MAX_RUNS, read_timeout=case.read_timeout, pause=case.pause
        )
        seconds = time.monotonic() - started
        judged = verdict(ENV, state, convergence)
    return CaseResult(case, scenario, judged, convergence, seconds, fired(case, convergence, state), drifted)


@contextmanager
def bare_role_assignments() -> Iterator[None]:
    """Role assignments without `principalType` for the duration (in this process):
    the desired state sets it precisely to avoid PrincipalNotFound, so without it
    the fault strikes and the retry policy must absorb it."""
    from desired_state.specs.authorization import RoleAssignmentSpec

    original = RoleAssignmentSpec.properties

    def without_type(self: RoleAssignmentSpec) -> dict[str, Any]:
        props = dict(original(self))
        props.pop("principalType", None)
        return props

    RoleAssignmentSpec.properties = without_type  # type: ignore[method-assign]
    try:
        yield
    finally:
        RoleAssignmentSpec.properties = original  # type: ignore[method-assign]

