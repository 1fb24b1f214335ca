"""Issue 18's nine classes through the real CLI (subprocesses): no token to
another host, no secret and no raw control character in any output, no foreign
file changed, no write before the apply can record it, every wait bounded, no
exit 0 when nothing was applied, stdout valid JSON with --output json, and
unreadable live bodies reported per resource."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.hardening import CASES, Case, make_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("hardening-template"))


def test_every_class_has_a_case() -> None:
    assert {c.klass for c in CASES} == set(range(1, 10))
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hardening_case(case: Case, template: Path, tmp_path: Path) -> None:
    assert case.run(tmp_path / "work", template) == []
