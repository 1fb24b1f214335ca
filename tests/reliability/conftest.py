"""Every reliability test runs with no Azure settings and in its own directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability.harness import FOREIGN_VARIABLES


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(FOREIGN_VARIABLES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
