"""The read-merge-write overlay on real live bodies."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.merge import overlay, with_secrets
from adapters.registry import rules_for
from tests.adapters.examples import example

ALERT = "Microsoft.Insights/metricAlerts"
NSG = "Microsoft.Network/networkSecurityGroups"


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


def test_partly_owned_keyed_members_merge_into_their_live_counterparts() -> None:
    live = example(NSG, "GET").live_body()
    desired = {"properties": {"securityRules": [
        {"name": "RULE1", "properties": {"priority": 200}},
        {"name": "rule2", "properties": {"priority": 300, "access": "Deny"}},
    ]}}
    merged = overlay(live, desired, rules_for(NSG))
    rules = {r["name"]: r["properties"] for r in merged["properties"]["securityRules"]}
    assert rules["RULE1"]["priority"] == 200
    assert rules["RULE1"]["destinationPortRange"] == "80"  # kept from live
    assert rules["rule2"] == {"priority": 300, "access": "Deny"}
    assert merged["properties"]["defaultSecurityRules"] == live["properties"]["defaultSecurityRules"]
    assert "etag" not in merged and "id" not in merged


def test_create_body_is_exactly_the_desired_body() -> None:
    desired = example(NSG, "PUT").request_body()
    assert overlay(None, desired, rules_for(NSG)) == desired


def test_secrets_are_set_at_their_dotted_paths_in_a_copy() -> None:
    body = {"properties": {"administratorLogin": "admin"}}
    sent = with_secrets(body, {"properties.administratorLoginPassword": SecretStr("pw"),
                               "properties.nested.key": SecretStr("k")})
    assert sent["properties"] == {"administratorLogin": "admin", "administratorLoginPassword": "pw", "nested": {"key": "k"}}
    assert body == {"properties": {"administratorLogin": "admin"}}
