"""Every ARM type the estate uses is declared in `adapters/services/` (issue 25): with an
`ArmType` for its quirks, or as a `GenericType` managed by id through the generic resources API.
None falls back to the generic path without saying so; the service modules are found, not listed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adapters.registry import ENTRIES, GENERIC_TYPES, HOW_TO_ADD, SERVICE_MODULES, AdapterRegistry, is_known
from desired_state import build
from desired_state.catalog import spec_types

SERVICES = Path(__file__).resolve().parents[2] / "adapters" / "services"


def test_every_type_a_spec_or_an_environment_uses_is_declared() -> None:
    used = set(spec_types())
    for environment in ("dev", "qa", "staging", "prod"):
        used |= set(build(environment).types())
    silent = sorted(t for t in used if not is_known(t))
    assert silent == [], f"{silent} would be managed generically without saying so: {HOW_TO_ADD}"


def test_every_service_module_is_found_without_a_list() -> None:
    on_disk = {p.stem for p in SERVICES.glob("*.py") if p.stem != "__init__"}
    assert {m.__name__.rsplit(".", 1)[-1] for m in SERVICE_MODULES} == on_disk
    declared = [t.arm_type for m in SERVICE_MODULES for t in (*getattr(m, "TYPES", ()), *getattr(m, "GENERIC", ()))]
    assert sorted(t.lower() for t in declared) == sorted([*ENTRIES, *GENERIC_TYPES])


def test_a_type_declared_nowhere_says_so_when_it_is_managed(caplog: pytest.LogCaptureFixture) -> None:
    class Versions:
        def published_api_version(self, arm_type: str) -> str:
            return "2024-01-01"

    registry = AdapterRegistry(clients=None)  # type: ignore[arg-type]
    registry.published_api_version = Versions().published_api_version  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="adapters.registry"):
        adapter = registry.for_type("Microsoft.Example/undeclaredThings")
    assert adapter.entry.operations == "resources"
    assert any("Microsoft.Example/undeclaredThings is not declared" in r.getMessage() for r in caplog.records)
    assert adapter.entry.data_holding, "nothing says deleting it is harmless"
