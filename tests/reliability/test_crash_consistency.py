"""20 trials: SIGKILL an apply of prod at a seeded moment, restart, converge;
nothing duplicated, nothing lost, no completed create sent again. The first
three run in every test run; the other 17 are marked slow (about 9 s each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.crash import MAX_RESTARTS, TRIALS, run_trial

QUICK = 3


@pytest.mark.parametrize(
    "number",
    [n if n < QUICK else pytest.param(n, marks=pytest.mark.slow) for n in range(TRIALS)],
)
def test_killed_apply_converges_without_duplicates_or_repeated_creates(number: int, tmp_path: Path) -> None:
    trial = run_trial(number, tmp_path / "trial")
    assert trial.killed, "the apply finished before the kill point: the trial proves nothing"
    v = trial.verdict
    assert v.converged, f"still failing after {MAX_RESTARTS} restarts"
    assert v.duplicate_ids == []
    assert v.missing_ids == []
    assert v.extra_ids == []
    assert v.deletes == []
    assert v.leftover_changes == []
    assert trial.repeated_creates == [], "a create that had completed before the kill was sent again"
    assert trial.resumed == trial.in_flight, "an operation in flight at the kill was not resumed from its token"
