"""Each ARM fault, applying prod from empty and remediating drift: converged
within MAX_RUNS runs, nothing duplicated, nothing deleted, live equal to desired."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.matrix import (
    CASES,
    MAX_RUNS,
    SCENARIOS,
    FaultCase,
    Scenario,
    converged_template,
    run_case,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return converged_template(tmp_path_factory.mktemp("prod-template"))


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_converges_without_duplicates_or_deletes(
    case: FaultCase, scenario: Scenario, template: Path, tmp_path: Path
) -> None:
    result = run_case(case, scenario, tmp_path / "run", template)
    v = result.verdict
    assert v.converged, f"not converged in {MAX_RUNS} runs: {[r.planned[:5] for r in result.convergence.runs]}"
    assert v.cycles <= MAX_RUNS - 1
    assert v.leftover_changes == []
    assert v.duplicate_ids == []
    assert v.missing_ids == []
    assert v.extra_ids == []
    assert v.deletes == []
    if result.must_fire:
        assert result.fired > 0, f"{case.name} never fired in {scenario}: the case proves nothing"

