"""The emulator state the import tests share: `staging` applied and the hand-made group created (made once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.importing.estate import with_handmade_group


@pytest.fixture(scope="session")
def handmade_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return with_handmade_group(tmp_path_factory.mktemp("handmade"))
