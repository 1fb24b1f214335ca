"""The read-merge-write overlay on real live bodies."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.compare import CompareRules, ListRule
from adapters.merge import overlay, with_secrets
from adapters.registry import rules_for
from tests.adapters.examples import example

ALERT = "Microsoft.Insights/metricAlerts"
NSG = "Microsoft.Network/networkSecurityGroups"
VNET = "Microsoft.Network/virtualNetworks"


def test_tags_are_replaced_but_system_tags_survive() -> None:
    live = example(ALERT, "PUT").live_body()
    live["tags"]["costCenter"] = "42"
    merged = overlay(live, {"tags": {"env": "dev"}}, rules_for(ALERT))
    hidden = {k: v for k, v in live["tags"].items() if k.startswith("hidden-")}
    assert hidden
    assert merged["tags"] == {**hidden, "env": "dev"}


def test_foreign_tags_survive_when_tolerated() -> None:
    live = example(ALERT, "PUT").live_body()
    live["tags"]["costCenter"] = "42"
    merged = overlay(live, {"tags": {"env": "dev"}}, rules_for(ALERT), tolerate_foreign_tags=True)
    assert merged["tags"]["costCenter"] == "42" and merged["tags"]["env"] == "dev"


PARTLY_OWNED_RULES = CompareRules(lists={"properties.securityRules": ListRule("keyed", "name", "partly")})


def test_partly_owned_keyed_members_merge_into_their_live_counterparts() -> None:
    live = example(VNET, "GET").live_body()
    desired = {"properties": {"subnets": [
        {"name": "SUBNET1", "properties": {"addressPrefix": "10.0.7.0/24"}},
        {"name": "app", "properties": {"addressPrefix": "10.0.8.0/24"}},
    ]}}
    merged = overlay(live, desired, rules_for(VNET))
    subnets = {s["name"]: s["properties"] for s in merged["properties"]["subnets"]}
    assert subnets["SUBNET1"]["addressPrefix"] == "10.0.7.0/24"
    assert subnets["SUBNET1"]["delegations"] == live["properties"]["subnets"][0]["properties"]["delegations"]
    assert subnets["app"] == {"addressPrefix": "10.0.8.0/24"}
    assert merged["properties"]["virtualNetworkPeerings"] == []  # undeclared: kept from live
    assert "etag" not in merged and "id" not in merged


def test_wholly_owned_keyed_lists_are_replaced() -> None:
    live = example(NSG, "GET").live_body()
    desired = {"properties": {"securityRules": [{"name": "rule2", "properties": {"priority": 300}}]}}
    merged = overlay(live, desired, rules_for(NSG))
    assert merged["properties"]["securityRules"] == desired["properties"]["securityRules"]
    assert merged["properties"]["defaultSecurityRules"] == live["properties"]["defaultSecurityRules"]


def test_create_body_is_exactly_the_desired_body() -> None:
    desired = example(NSG, "PUT").request_body()
    assert overlay(None, desired, rules_for(NSG)) == desired


def test_secrets_are_set_at_their_dotted_paths_in_a_copy() -> None:
    body = {"properties": {"administratorLogin": "admin"}}
    sent = with_secrets(body, {"properties.administratorLoginPassword": SecretStr("pw"),
                               "properties.nested.key": SecretStr("k")})
    assert sent["properties"] == {"administratorLogin": "admin", "administratorLoginPassword": "pw", "nested": {"key": "k"}}
    assert body == {"properties": {"administratorLogin": "admin"}}
