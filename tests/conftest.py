"""Fixtures shared by every test directory."""

from __future__ import annotations

import pytest

from tests.estates import AppliedEstates


@pytest.fixture(scope="session")
def applied_estates(tmp_path_factory: pytest.TempPathFactory) -> AppliedEstates:
    """Every environment applied from empty at most once per session (worker), on first use;
    tests take copies (`applied_estates["dev"].copy(tmp_path / "dev.db")`)."""
    return AppliedEstates(tmp_path_factory.mktemp("applied"))
