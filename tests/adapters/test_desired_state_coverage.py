"""Every resource of every environment's desired state has an adapter that can address it."""

from __future__ import annotations

import pytest

from adapters.arm_id import arguments
from adapters.compare import compare
from adapters.merge import overlay
from adapters.registry import all_types, entry_for, rules_for
from desired_state import build

ENVIRONMENTS = ("dev", "qa", "staging", "prod")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_an_adapter_exists_for_every_type(env: str) -> None:
    known = {t.lower() for t in all_types()}
    assert sorted(t for t in build(env).types() if t.lower() not in known) == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_resource_id_maps_to_its_sdk_arguments_and_its_body_compares_clean(env: str) -> None:
    for resource in build(env).resources:
        entry = entry_for(resource.type)
        assert all(arguments(resource.id, entry.args)), resource.id
        created = overlay(None, resource.body, entry.rules)
        result = compare(resource.body, created, rules_for(resource.type), secret_paths=resource.secrets)
        assert result.in_sync, (resource.address, result.differences)
        # Unverifiable: the resource's secrets, plus declared write-only inputs of its type.
        assert set(result.unverifiable) - set(resource.secrets) <= entry.rules.write_only, resource.address
        assert set(resource.secrets) <= set(result.unverifiable), resource.address
