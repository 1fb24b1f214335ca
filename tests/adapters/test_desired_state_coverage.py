"""Every resource of every environment's desired state has an adapter that can address it."""

from __future__ import annotations

import pytest

from adapters.arm_id import arguments
from adapters.arm_type import ArmType
from adapters.compare import compare
from adapters.merge import overlay
from adapters.registry import entry_for, generic_entry, is_declared, rules_for
from desired_state import build
from emulator.api_versions import KNOWN_API_VERSIONS

ENVIRONMENTS = ("dev", "qa", "staging", "prod")


def _entry(arm_type: str) -> ArmType:
    """The declared entry, else the generic by-id one (issue 13: any ARM type is manageable)."""
    return entry_for(arm_type) if is_declared(arm_type) else generic_entry(arm_type, "2024-01-01")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_type_is_declared_or_published_for_the_generic_adapter(env: str) -> None:
    # An undeclared type is read and written by id at a version its provider publishes.
    unmanageable = [t for t in build(env).types() if not is_declared(t) and not KNOWN_API_VERSIONS.get(t.lower())]
    assert unmanageable == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_resource_id_maps_to_its_sdk_arguments_and_its_body_compares_clean(env: str) -> None:
    for resource in build(env).resources:
        entry = _entry(resource.type)
        assert all(arguments(resource.id, entry.args)), resource.id
        created = overlay(None, resource.body, entry.rules)
        result = compare(resource.body, created, rules_for(resource.type), secret_paths=resource.secrets)
        assert result.in_sync, (resource.address, result.differences)
        # Unverifiable: the resource's secrets, plus declared write-only inputs of its type.
        assert set(result.unverifiable) - set(resource.secrets) <= entry.rules.write_only, resource.address
        assert set(resource.secrets) <= set(result.unverifiable), resource.address
