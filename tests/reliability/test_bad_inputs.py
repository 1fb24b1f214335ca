"""At least 25 bad inputs through the real CLI: exit 1, one clear stderr line
naming the field/option and the fix, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.bad_inputs import CASES, BadInput, run_bad_input


def test_there_are_at_least_25_cases() -> None:
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[c.name for c in CASES],
)
def test_bad_input_is_one_clear_line_and_writes_nothing(case: BadInput, tmp_path: Path) -> None:
    outcome = run_bad_input(case, tmp_path / "work")
    assert outcome.problems() == []
