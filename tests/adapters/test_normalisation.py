"""Normalisation both ways: what ARM changes on the way back without changing
the meaning is not drift, and a real change still is."""

from __future__ import annotations

import pytest

from adapters.compare import CompareRules, compare
from adapters.registry import rules_for

RULES = CompareRules()


@pytest.mark.parametrize("live", ["westus", "West US", "WestUs", "west us"])
def test_location_display_and_short_names_are_one(live: str) -> None:
    assert compare({"location": "West US"}, {"location": live}, RULES).in_sync
    assert compare({"location": "westus"}, {"location": live}, RULES).in_sync


def test_another_location_is_drift() -> None:
    assert not compare({"location": "westus"}, {"location": "West US 2"}, RULES).in_sync


def test_enum_recased_by_the_provider_where_the_facts_say_so() -> None:
    # Recorded: subnets sent `disabled`, returned `Disabled` (adapters/field_rules.py).
    rules = rules_for("Microsoft.Network/virtualNetworks/subnets")
    desired = {"properties": {"privateEndpointNetworkPolicies": "disabled"}}
    assert compare(desired, {"properties": {"privateEndpointNetworkPolicies": "Disabled"}}, rules).in_sync
    assert not compare(desired, {"properties": {"privateEndpointNetworkPolicies": "Enabled"}}, rules).in_sync


def test_casing_of_an_undeclared_enum_still_counts() -> None:
    assert not compare({"properties": {"mode": "Strict"}}, {"properties": {"mode": "strict"}}, RULES).in_sync


def test_an_empty_list_equals_an_absent_one() -> None:
    assert compare({"properties": {"routes": []}}, {"properties": {}}, RULES).in_sync
    assert not compare({"properties": {"routes": ["a"]}}, {"properties": {}}, RULES).in_sync


def test_resource_ids_and_type_strings_match_case_insensitively() -> None:
    rid = "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/routeTables/rt"
    desired = {"properties": {"routeTable": {"id": rid}, "kind": "Microsoft.Network/routeTables"}}
    live = {"properties": {"routeTable": {"id": rid.lower()}, "kind": "microsoft.network/ROUTETABLES"}}
    assert compare(desired, live, RULES).in_sync
    assert not compare(desired, {"properties": {"routeTable": {"id": rid + "2"}, "kind": "Microsoft.Network/routeTables"}},
                       RULES).in_sync


def test_an_embedded_object_collapsed_to_its_id_is_compared_by_id() -> None:
    rid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg"
    desired = {"properties": {"networkSecurityGroup": {"id": rid, "location": "westus", "properties": {"securityRules": []}}}}
    assert compare(desired, {"properties": {"networkSecurityGroup": {"id": rid}}}, RULES).in_sync
    other = {"properties": {"networkSecurityGroup": {"id": rid + "-other"}}}
    assert [d.path for d in compare(desired, other, RULES).differences] == ["properties.networkSecurityGroup.id"]
    # An object returned in full is still compared field by field.
    full = {"properties": {"networkSecurityGroup": {"id": rid, "location": "eastus"}}}
    assert not compare(desired, full, RULES).in_sync


def test_create_only_fields_are_not_compared() -> None:
    rules = rules_for("Microsoft.Sql/servers/databases")
    assert "properties.createMode" in rules.create_only
    assert compare({"properties": {"createMode": "Default"}}, {"properties": {}}, rules).in_sync
