"""One test per known source of false drift (ARM-SEMANTICS.md), on real ARM bodies."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import SecretStr

from adapters.compare import compare, fingerprint
from adapters.registry import rules_for
from tests.adapters.examples import example

VNET = "Microsoft.Network/virtualNetworks"
NSG = "Microsoft.Network/networkSecurityGroups"


def live(arm_type: str, operation: str = "GET") -> dict[str, Any]:
    return example(arm_type, operation).live_body()


def test_id_and_resource_group_casing_is_not_drift() -> None:
    body = live(VNET)
    subnet_id = body["properties"]["subnets"][0]["id"]
    desired = {"properties": {"subnets": [{"name": "subnet1", "id": subnet_id.upper().replace("RESOURCEGROUPS", "resourcegroups")}]}}
    assert compare(desired, body, rules_for(VNET)).in_sync


def test_a_different_id_is_drift() -> None:
    body = live(VNET)
    other = "/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/other-vnet/subnets/subnet1"
    desired = {"properties": {"subnets": [{"name": "subnet1", "id": other}]}}
    assert not compare(desired, body, rules_for(VNET)).in_sync


def test_what_the_server_owns_is_not_compared_even_when_declared() -> None:
    """A subnet's `ipConfigurations` are the server's (readOnly in ARM's type definitions): a desired
    body that names them states nothing the reconciler could write."""
    body = live(VNET)
    desired = {"properties": {"subnets": [{"name": "subnet1", "properties": {"ipConfigurations": [
        {"id": "/subscriptions/subId/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/other/frontendIPConfigurations/fe"}
    ]}}]}}
    assert compare(desired, body, rules_for(VNET)).in_sync


def test_location_spellings_are_one_location() -> None:
    body = live("Microsoft.Network/publicIPAddresses")  # location "westus"
    for spelling in ("West US", "westus", "West us", "WESTUS"):
        assert compare({"location": spelling}, body, rules_for("Microsoft.Network/publicIPAddresses")).in_sync
    moved = compare({"location": "West US 2"}, body, rules_for("Microsoft.Network/publicIPAddresses"))
    assert [(d.path, d.requires_replace) for d in moved.differences] == [("location", True)]


def test_enum_casing_is_not_drift_where_the_service_ignores_case() -> None:
    body = live("Microsoft.Network/publicIPAddresses")
    desired = {"properties": {"publicIPAllocationMethod": "dynamic", "publicIPAddressVersion": "ipv4"}}
    assert compare(desired, body, rules_for("Microsoft.Network/publicIPAddresses")).in_sync


def test_enum_casing_of_nested_rule_fields_is_not_drift() -> None:
    body = live(NSG)
    desired = {"properties": {"securityRules": [{"name": "RULE1", "properties": {"access": "allow", "direction": "inbound"}}]}}
    assert compare(desired, body, rules_for(NSG)).in_sync


def test_set_like_list_order_is_not_drift() -> None:
    body = live(VNET)
    body["properties"]["addressSpace"]["addressPrefixes"] = ["10.0.0.0/16", "10.1.0.0/16"]
    desired = {"properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16", "10.0.0.0/16"]}}}
    assert compare(desired, body, rules_for(VNET)).in_sync
    fewer = {"properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}
    [difference] = compare(fewer, body, rules_for(VNET)).differences
    assert difference.path == "properties.addressSpace.addressPrefixes"


def test_keyed_list_order_is_not_drift() -> None:
    body = live(VNET)
    second = copy.deepcopy(body["properties"]["subnets"][0])
    second["name"] = "subnet2"
    second["properties"]["addressPrefix"] = "10.0.2.0/24"
    body["properties"]["subnets"].append(second)
    desired: dict[str, Any] = {"properties": {"subnets": [
        {"name": "subnet2", "properties": {"addressPrefix": "10.0.2.0/24"}},
        {"name": "subnet1", "properties": {"addressPrefix": "10.0.1.0/24"}},
    ]}}
    assert compare(desired, body, rules_for(VNET)).in_sync
    desired["properties"]["subnets"][0]["properties"]["addressPrefix"] = "10.0.3.0/24"
    [difference] = compare(desired, body, rules_for(VNET)).differences
    assert difference.path == "properties.subnets[name=subnet2].properties.addressPrefix"
    assert (difference.desired, difference.live) == ("10.0.3.0/24", "10.0.2.0/24")


def test_masked_and_missing_secrets_are_unverifiable_not_changed() -> None:
    server = "Microsoft.Sql/servers"
    body = live(server, "PUT")
    desired: dict[str, Any] = {"location": "japaneast", "properties": {"administratorLogin": "dummylogin"}}
    missing = compare(desired, body, rules_for(server), secret_paths=["properties.administratorLoginPassword"])
    assert missing.in_sync
    assert missing.unverifiable == ["properties.administratorLoginPassword"]
    masked_live = copy.deepcopy(body)
    masked_live["properties"]["administratorLoginPassword"] = "*****"
    masked_desired = {**desired, "properties": {**desired["properties"], "administratorLoginPassword": "p4ss!"}}
    masked = compare(masked_desired, masked_live, rules_for(server))
    assert masked.in_sync
    assert masked.unverifiable == ["properties.administratorLoginPassword"]


def test_address_prefix_returned_as_address_prefixes_is_not_drift() -> None:
    subnet = "Microsoft.Network/virtualNetworks/subnets"
    body = live(subnet)
    prefix = body["properties"].pop("addressPrefix")
    body["properties"]["addressPrefixes"] = [prefix]
    assert compare({"properties": {"addressPrefix": prefix}}, body, rules_for(subnet)).in_sync
    assert not compare({"properties": {"addressPrefix": "10.9.9.0/24"}}, body, rules_for(subnet)).in_sync
    vnet = live(VNET)
    inline = vnet["properties"]["subnets"][0]["properties"]
    inline["addressPrefixes"] = [inline.pop("addressPrefix")]
    desired = {"properties": {"subnets": [{"name": "subnet1", "properties": {"addressPrefix": "10.0.1.0/24"}}]}}
    assert compare(desired, vnet, rules_for(VNET)).in_sync


def test_server_defaults_and_read_only_fields_are_not_drift() -> None:
    nat = "Microsoft.Network/natGateways"
    body = live(nat)  # carries idleTimeoutInMinutes, provisioningState, resourceGuid, subnets
    assert compare({"location": body["location"], "sku": {"name": "standard"}}, body, rules_for(nat)).in_sync


def test_tags_are_owned_wholly_except_system_tags_and_when_tolerated() -> None:
    alert = "Microsoft.Insights/metricAlerts"
    body = live(alert, "PUT")  # response carries a hidden-link tag the request never sent
    assert any(k.startswith("hidden-") for k in body["tags"])
    assert compare({"tags": {}}, body, rules_for(alert)).in_sync
    body["tags"]["costCenter"] = "42"
    [foreign] = compare({"tags": {}}, body, rules_for(alert)).differences
    assert (foreign.path, foreign.desired, foreign.live) == ("tags.costCenter", None, "42")
    assert compare({"tags": {}}, body, rules_for(alert), tolerate_foreign_tags=True).in_sync


def test_fingerprint_is_keyed_short_and_bound_to_the_resource() -> None:
    secret = SecretStr("hunter2")
    rid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/db"
    first = fingerprint(secret, b"k1", rid)
    assert first == fingerprint(SecretStr("hunter2"), b"k1", rid.upper())
    assert first != fingerprint(SecretStr("hunter3"), b"k1", rid)
    assert first != fingerprint(secret, b"k2", rid)
    assert first != fingerprint(secret, b"k1", rid + "2")
    assert "hunter2" not in first and len(first) == 32
