"""Performance budgets of a no-op dry run (issue 24), counted and never timed.

For every environment and both observe modes, `reconcile --dry-run` runs on a copy of
the applied estate, the embedded emulator adding a small latency to every request; the
emulator's request log then says how many requests of each kind the run sent and in how
many waves (emulator/request_log.py: a request belongs to the wave after the deepest one
answered before it arrived). With the latency longer than the client needs to send one
wave, waves are the run's round trips whatever the machine's speed. A busy machine can
only add waves (a request sent late looks like the next wave), never hide one: a run over
its wave budget is measured again at 2 s, then 5 s, before it fails (measured on 2 shared
cores, load average 2.6: prod per-resource took 8 waves at 200 ms, 7 at 400 ms and at 1 s,
its true round trips; at load 10-14, beside the suite's other workers, a 2-wave run read
8 at 200 ms and a 3-wave one 4 at 1 s). A run within budget costs the 200 ms run only.

Budgets (issue 24, "Fast again"); the request budgets are not met yet (`REQUESTS_NOT_MET`):
- per-resource: at most 2 round trips and 0.5 ARM requests per desired resource;
- graph: at most 3 round trips, and at most half the ARM requests of per-resource
  (Resource Graph queries are counted apart).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from desired_state import build
from emulator.request_log import RequestProfile, profile, read_request_log
from tests.estates import AppliedEstate, AppliedEstates, emulator_environment

ENVIRONMENTS = ("dev", "qa", "staging", "prod")
#: Injected latency of the measured run, ms; a run over its wave budget is measured again at the longer ones.
LATENCY_MS = 200.0
SETTLED_LATENCY_MS = (2000.0, 5000.0)

PER_RESOURCE_WAVES = 2
PER_RESOURCE_REQUESTS_PER_RESOURCE = 0.5
GRAPH_WAVES = 3
GRAPH_SHARE_OF_PER_RESOURCE = 0.5



@dataclass(frozen=True)
class DryRun:
    """One measured no-op dry run: the emulator's profile of it and the estate's size."""

    environment: str
    mode: str
    latency_ms: float
    profile: RequestProfile
    resources: int

    @property
    def arm_requests_per_resource(self) -> float:
        return self.profile.arm_requests / self.resources

    def __str__(self) -> str:
        return (f"{self.environment} --observe {self.mode} at {self.latency_ms:g} ms: {self.profile.describe()}; "
                f"{self.arm_requests_per_resource:.3f} ARM requests per resource ({self.resources} resources)")


def dry_run(estate: AppliedEstate, mode: str, directory: Path, latency_ms: float) -> DryRun:
    """`reconcile --dry-run --detailed-exitcode` of an applied estate; it must plan nothing."""
    directory.mkdir(parents=True)
    state = estate.copy(directory / "state.db")
    out = io.StringIO()
    argv = ["--dry-run", "--detailed-exitcode", "--env", estate.environment, "--observe", mode,
            "--emulator-state", str(state)]
    from reconciler.cli.main import main

    with (emulator_environment(directory, RECONCILER_EMULATOR_LATENCY_MS=f"{latency_ms:g}"),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(out)):
        code = main(argv)
    assert code == 0, f"a no-op dry run of {estate.environment} planned changes or failed:\n{out.getvalue()}"
    return DryRun(estate.environment, mode, latency_ms, profile(read_request_log(state)),
                  len(build(estate.environment).resources))


class DryRuns:
    """Each (environment, mode, latency) measured once for the module."""

    def __init__(self, estates: AppliedEstates, root: Path) -> None:
        self._estates = estates
        self._root = root
        self._runs: dict[tuple[str, str, float], DryRun] = {}

    def __call__(self, environment: str, mode: str, latency_ms: float = LATENCY_MS) -> DryRun:
        key = (environment, mode, latency_ms)
        if key not in self._runs:
            directory = self._root / f"{environment}-{mode}-{latency_ms:g}"
            self._runs[key] = dry_run(self._estates[environment], mode, directory, latency_ms)
        return self._runs[key]

    def within_waves(self, environment: str, mode: str, budget: int) -> DryRun:
        """The run; measured again at longer latencies while over `budget` (a busy machine's late sends)."""
        measured = self(environment, mode)
        for latency_ms in SETTLED_LATENCY_MS:
            if measured.profile.waves <= budget:
                break
            measured = self(environment, mode, latency_ms)
        return measured


@pytest.fixture(scope="module")
def dry_runs(applied_estates: AppliedEstates, tmp_path_factory: pytest.TempPathFactory) -> DryRuns:
    return DryRuns(applied_estates, tmp_path_factory.mktemp("budgets"))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_no_op_per_resource_dry_run_takes_at_most_two_round_trips(dry_runs: DryRuns, environment: str) -> None:
    run = dry_runs.within_waves(environment, "per-resource", PER_RESOURCE_WAVES)
    assert run.profile.waves <= PER_RESOURCE_WAVES, str(run)


#: Not met yet (issue 24's note): a type's children are read by list only where the list is known to
#: return the GET's body (adapters/siblings.py), and graph mode trusts rows of 7 types; the rest is a
#: GET each. Measured: per-resource 0.88 (qa) to 1.06 (prod) requests per resource; graph 89-95% of
#: per-resource's. Strict: meeting a budget makes its test fail until this mark goes.
REQUESTS_NOT_MET = pytest.mark.xfail(
    strict=True, reason="issue 24: lists of more child types (APIM operations, policies, zone groups) and "
                        "graph_row for more types are still to be shown equal to GET")


@REQUESTS_NOT_MET
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_no_op_per_resource_dry_run_sends_at_most_half_a_request_per_resource(
    dry_runs: DryRuns, environment: str
) -> None:
    run = dry_runs(environment, "per-resource")
    assert run.arm_requests_per_resource <= PER_RESOURCE_REQUESTS_PER_RESOURCE, str(run)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_no_op_graph_dry_run_takes_at_most_three_round_trips(dry_runs: DryRuns, environment: str) -> None:
    run = dry_runs.within_waves(environment, "graph", GRAPH_WAVES)
    assert run.profile.waves <= GRAPH_WAVES, str(run)


@REQUESTS_NOT_MET
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_no_op_graph_dry_run_sends_at_most_half_the_arm_requests_of_per_resource(
    dry_runs: DryRuns, environment: str
) -> None:
    graph, per_resource = dry_runs(environment, "graph"), dry_runs(environment, "per-resource")
    assert graph.profile.arm_requests <= GRAPH_SHARE_OF_PER_RESOURCE * per_resource.profile.arm_requests, (
        f"{graph}\nagainst {per_resource}"
    )


#: Until the request budgets are met, today's counts are the ceiling (ARM requests of a no-op
#: dry run, Resource Graph queries apart), so a change that adds reads fails here; lower them
#: when a change reads less.
TODAY: dict[tuple[str, str], int] = {
    ("dev", "per-resource"): 153, ("qa", "per-resource"): 84, ("staging", "per-resource"): 185,
    ("prod", "per-resource"): 209,
    ("dev", "graph"): 144, ("qa", "graph"): 75, ("staging", "graph"): 175, ("prod", "graph"): 199,
}


@pytest.mark.parametrize(("environment", "mode"), sorted(TODAY))
def test_a_no_op_dry_run_sends_no_more_arm_requests_than_today(dry_runs: DryRuns, environment: str, mode: str) -> None:
    run = dry_runs(environment, mode)
    assert run.profile.arm_requests <= TODAY[environment, mode], str(run)

