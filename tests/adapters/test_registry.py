"""The registry: every required ARM type has an adapter whose SDK calls exist."""

from __future__ import annotations

import inspect
import re
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from adapters.bodies import resolve_model
from adapters.compare import CompareRules
from adapters.registry import AdapterRegistry, all_types, entry_for, is_declared, rules_for
from desired_state.catalog import spec_types
from emulator.api_versions import KNOWN_API_VERSIONS
from tests.adapters.arm_double import factory, make_id, url_of
from tests.adapters.examples import all_examples

#: Every ARM type the desired state can declare: the spec classes' types (one source of truth).
REQUIRED = sorted(spec_types())

#: Declared although no spec has them: an NSG declares its rules inline, but each rule is an
#: ARM resource of its own (listed as a child and deleted on prune).
WITHOUT_SPEC = {"Microsoft.Network/networkSecurityGroups/securityRules"}


def test_every_type_the_desired_state_can_declare_is_served() -> None:
    """By its declared entry, else generically by id (at the spec's api-version)."""
    registry = AdapterRegistry(factory())
    for arm_type in REQUIRED:
        adapter = registry.for_type(arm_type, api_version="2024-01-01")
        assert adapter.arm_type.lower() == arm_type.lower()
        assert is_declared(arm_type) or adapter.entry.get == "get_by_id", arm_type


def test_every_entry_serves_a_type_the_desired_state_declares() -> None:
    assert set(all_types()) - set(REQUIRED) == WITHOUT_SPEC
    assert AdapterRegistry(factory()).types() == all_types()


def test_every_example_type_has_an_adapter() -> None:
    # Declared, or served by the generic adapter at a version its provider publishes (issue 13).
    generic = {ex.arm_type for ex in all_examples() if KNOWN_API_VERSIONS.get(ex.arm_type.lower())}
    assert {ex.arm_type for ex in all_examples()} <= set(all_types()) | generic


@pytest.mark.parametrize("arm_type", all_types())
def test_each_entry_names_sdk_calls_that_exist_with_matching_arguments(arm_type: str) -> None:
    declared = entry_for(arm_type)
    operations = getattr(factory().client(declared.service), declared.operations)
    for entry in (declared, *(declared.for_name(name) for name in declared.by_name)):
        calls = ((entry.get, 0), (entry.create, 1), (entry.delete, 0))
        for method_name, body_args in calls:
            if not method_name:  # only the delete may be missing: deleted with its parent, or no ARM delete
                assert method_name is entry.delete
                continue
            method = getattr(operations, method_name)
            required = [p for p in inspect.signature(method).parameters.values()
                        if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
            extra = len([k for k in entry.delete_kwargs if method_name == entry.delete and k in [p.name for p in required]])
            assert len(required) == len(entry.args) + body_args + extra, method_name
        if entry.model:
            assert isinstance(resolve_model(entry.model), type)


def test_type_lookup_is_case_insensitive() -> None:
    registry = AdapterRegistry(factory())
    adapter = registry.for_type("microsoft.network/VIRTUALNETWORKS")
    assert adapter.arm_type == "Microsoft.Network/virtualNetworks"
    assert registry.for_type("Microsoft.Network/virtualNetworks") is adapter


def test_an_undeclared_type_has_the_default_rules_and_its_field_flags() -> None:
    """Only declared paths count, with what ARM's type definitions say of the type's fields;
    `tests/adapters/test_generic_types.py` manages one end to end."""
    rules = rules_for("Microsoft.Network/routeTables")
    bare = CompareRules()
    assert (rules.lists, rules.reshaped, rules.immutable, rules.owned_dicts) == (bare.lists, bare.reshaped, bare.immutable, bare.owned_dicts)
    assert "properties.routes[].properties.nextHopType" in rules.case_insensitive  # an enum
    assert "properties.provisioningState" in rules.read_only


def test_rules_need_no_clients() -> None:
    assert isinstance(rules_for("Microsoft.Network/virtualNetworks"), CompareRules)


def test_clients_are_built_once_per_service() -> None:
    clients = factory()
    assert clients.client("network") is clients.client("network")
    assert clients.client("network") is not clients.client("sql")


_NAMED_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(?:-preview)?")


@pytest.mark.parametrize("arm_type", [t for t in all_types() if _NAMED_VERSION.match(entry_for(t).api_version)])
def test_the_api_version_an_entry_names_is_the_one_its_sdk_call_sends(arm_type: str) -> None:
    """The comments do not drift from the installed SDKs (network once said 2024-07-01 and sent 2026-03-01)."""
    named = _NAMED_VERSION.match(entry_for(arm_type).api_version)
    assert named is not None
    rid = make_id(arm_type)
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, url_of(rid), status=404, json={"error": {"code": "ResourceNotFound", "message": "gone"}})
        assert AdapterRegistry(factory()).for_type(arm_type).read(rid) is None
        sent = parse_qs(urlparse(mock.calls[0].request.url).query)["api-version"]
    assert sent == [named.group(0)]
