"""Fixtures the engine tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.estates import AppliedEstates


@pytest.fixture
def cli_isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A test running the CLI in-process: no Azure subscription or emulator state from the
    environment, no throttling, the test's own directory as the working directory."""
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "RECONCILER_EMULATOR_STATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECONCILER_EMULATOR_THROTTLE", "0")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def applied_dev(applied_estates: AppliedEstates) -> Path:
    """The state file holding dev, applied once for the session (tests/estates.py); never written."""
    estate = applied_estates["dev"]
    assert estate.exit_code == 0, estate.output
    return estate.template
