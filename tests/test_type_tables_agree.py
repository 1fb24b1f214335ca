"""Our side (spec classes, adapter entries) and the emulator's independent table (api-versions
generated from the ARM type index, the SDKs, recordings and REST examples by `python -m tools.regen`) agree on
which ARM types exist. The emulator is the referee: it shares no code with our side."""

from __future__ import annotations

import re

from adapters.registry import all_types, entry_for
from desired_state.catalog import spec_types
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.server_defaults import SERVER_DEFAULTS
from emulator.types import TYPES


def test_every_type_we_manage_exists_for_the_emulator() -> None:
    ours = {t.lower() for t in spec_types() | set(all_types())}
    assert ours - set(KNOWN_API_VERSIONS) == set()


def test_every_type_the_emulator_models_exists_in_its_facts() -> None:
    # every type the emulator models is one ARM publishes (the ARM type index lists them all)
    assert set(TYPES) - set(KNOWN_API_VERSIONS) == set()
    assert set(SERVER_DEFAULTS) <= set(TYPES)


def test_every_api_version_an_entry_names_is_one_the_emulator_serves() -> None:
    for arm_type in all_types():
        named = re.match(r"\d{4}-\d{2}-\d{2}(?:-preview)?", entry_for(arm_type).api_version)
        if named:
            assert named.group(0) in KNOWN_API_VERSIONS[arm_type.lower()], arm_type
