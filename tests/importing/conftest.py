"""The emulator state the import tests share: `staging` applied and the hand-made group created (made once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.estates import AppliedEstates
from tests.importing.estate import with_handmade_group


@pytest.fixture(scope="session")
def handmade_state(applied_estates: AppliedEstates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return with_handmade_group(applied_estates["staging"], tmp_path_factory.mktemp("handmade"))
