"""Issue 22's guarantees through the real CLI (subprocesses) against hostile setups: one safe file
writer and reader, one pager, one id constructor, one output funnel, the run-wide circuit
breaker, history from every write path, and the emulator's HTTP surface (see guarantees.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.guarantees import CASES, Case
from tests.reliability.hardening import make_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("guarantees-template"))


def test_every_item_of_issue_22_this_branch_owns_has_a_case() -> None:
    assert {c.item for c in CASES} == set(range(3, 11))
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_guarantee_case(case: Case, template: Path, tmp_path: Path) -> None:
    assert case.run(tmp_path / "work", template) == []
