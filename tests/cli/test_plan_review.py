"""A plan people can review: references shown as `ADDRESS.id`, long values shortened in the middle
(both ends, and where a changed value differs, stay visible), list members added or removed field
by field, the write-only notes of unchanged resources in one line (`--verbose` lists them), and
the JSON unchanged by any of it. The removed NSG rule is a real ARM body (Microsoft's REST example
`NetworkSecurityGroupGet.json`, tests/fixtures/arm-examples)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconciler.cli.plan_values import ELLIPSIS, WIDTH, elide, shown, shown_pair
from reconciler.cli.render import render_json, render_text
from reconciler.cli.renderers import RenderOptions, choose, formats
from reconciler.engine.attribution_record import Attribution, PropertyChange
from reconciler.engine.plan import Change, DiffEntry, Plan
from tests.adapters.examples import EXAMPLES

GOLDEN = Path(__file__).parent / "golden" / "plan-review.txt"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG = f"{SUB}/resourceGroups/rg-platform-dev-wus2/providers"
NSG_APP = f"{RG}/Microsoft.Network/networkSecurityGroups/nsg-platform-app-dev-wus2"
NSG_GATEWAY = f"{RG}/Microsoft.Network/networkSecurityGroups/nsg-platform-gateway-dev-wus2"
SUBNET = f"{RG}/Microsoft.Network/virtualNetworks/vnet-platform-dev-wus2/subnets/snet-app"
#: A workspace in another resource group: not in the plan, so shown as a (shortened) id.
WORKSPACE_A = f"{SUB}/resourceGroups/rg-shared-monitoring-dev-wus2/providers/Microsoft.OperationalInsights/workspaces/log-shared"
WORKSPACE_B = f"{SUB}/resourceGroups/rg-legacy-monitoring-dev-wus2/providers/Microsoft.OperationalInsights/workspaces/log-shared"


def example_rule() -> dict[str, object]:
    """`rule1` of the REST example's NSG, as Azure returns it (id, provisioningState and all)."""
    document = json.loads((EXAMPLES / "Microsoft.Network__networkSecurityGroups__GET.json").read_text())
    (rule,) = document["example"]["responses"]["200"]["body"]["properties"]["securityRules"]
    assert rule["name"] == "rule1" and "provisioningState" in rule["properties"]
    return dict(rule)


def review_plan() -> Plan:
    desired_rule = {"name": "DenyInternetInbound", "properties": {
        "access": "Deny", "direction": "Inbound", "priority": 4096, "protocol": "*", "sourceAddressPrefix": "Internet",
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"}}
    alice = Attribution(known=True, changed_by="alice@contoso.com", operation=(
        "microsoft.network/networksecuritygroups/securityrules/write"), timestamp="2026-11-28T14:02:31.123Z",
        source="activitylog", resource_id=f"{NSG_APP}/securityRules/rule1")
    bob = Attribution(known=True, changed_by="bob@contoso.com", client_type="Azure Portal",
                      timestamp="2026-11-28T15:10:00.000Z", source="resourcegraph", resource_id=SUBNET,
                      properties=(PropertyChange("properties.networkSecurityGroup.id", NSG_APP, NSG_GATEWAY),))
    return Plan(environment="dev", target="emulator", changes=(
        Change(address="networking.nsg.app", id=NSG_APP, type="Microsoft.Network/networkSecurityGroups",
               action="update", attribution=alice, diff=(
                   DiffEntry("properties.securityRules[name=rule1]", example_rule(), None),
                   DiffEntry("properties.securityRules[name=DenyInternetInbound]", None, desired_rule),
               )),
        Change(address="networking.nsg.gateway", id=NSG_GATEWAY, type="Microsoft.Network/networkSecurityGroups",
               action="noop"),
        Change(address="networking.subnet.app", id=SUBNET, type="Microsoft.Network/virtualNetworks/subnets",
               action="update", attribution=bob,
               diff=(DiffEntry("properties.networkSecurityGroup.id", NSG_GATEWAY, NSG_APP),)),
        Change(address="observability.diagnostics.nsg", id=f"{NSG_APP}/providers/Microsoft.Insights/diagnosticSettings/"
               "to-log-analytics", type="Microsoft.Insights/diagnosticSettings", action="update",
               diff=(DiffEntry("properties.workspaceId", WORKSPACE_B, WORKSPACE_A),)),
        *(Change(address=f"gateway.api_policy.{api}", id=f"{RG}/Microsoft.ApiManagement/service/apim/apis/{api}/"
                 "policies/policy", type="Microsoft.ApiManagement/service/apis/policies", action="noop",
                 unverifiable=("properties.format",)) for api in ("users", "orders")),
    ))


def test_review_rendering_matches_the_golden_file() -> None:
    text = render_text(review_plan())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_a_removed_rule_is_shown_field_by_field_without_what_arm_sets() -> None:
    lines = render_text(review_plan()).splitlines()
    start = lines.index("      - properties.securityRules[name=rule1]")
    fields = lines[start + 1 : start + 9]
    assert fields == [
        '          - properties.access = "Allow"',
        '          - properties.destinationAddressPrefix = "*"',
        '          - properties.destinationPortRange = "80"',
        '          - properties.direction = "Inbound"',
        "          - properties.priority = 130",
        '          - properties.protocol = "*"',
        '          - properties.sourceAddressPrefix = "*"',
        '          - properties.sourcePortRange = "*"',
    ]
    assert "provisioningState" not in "\n".join(lines) and '"id"' not in "\n".join(lines)
    assert "      + properties.securityRules[name=DenyInternetInbound]" in lines
    assert '          + properties.priority = 4096' in lines


def test_ids_of_resources_in_the_plan_are_shown_as_references() -> None:
    text = render_text(review_plan())
    assert "      ~ properties.networkSecurityGroup.id: networking.nsg.gateway.id -> networking.nsg.app.id" in text
    # The attribution's own values too, and the child the change was made on.
    assert "  #   properties.networkSecurityGroup.id: networking.nsg.app.id -> networking.nsg.gateway.id" in text
    assert "changed by alice@contoso.com at 2026-11-28 14:02Z on its child securityRules/rule1" in text


def test_a_long_changed_value_keeps_both_ends_and_where_it_differs() -> None:
    before, after = shown_pair(WORKSPACE_B, WORKSPACE_A)
    for text, group in ((before, "rg-legacy"), (after, "rg-shared")):
        assert len(text) <= WIDTH + 2 * len(ELLIPSIS) + 40  # about the width: the differing part adds its context
        assert text.startswith('"/subscriptions/00000000') and text.endswith('/workspaces/log-shared"')
        assert group in text  # cut at the tail (as before) lost exactly this
    assert f"~ properties.workspaceId: {before} -> {after}" in render_text(review_plan())


def test_long_values_are_shortened_in_the_middle_and_short_ones_kept() -> None:
    long_id = f"{RG}/Microsoft.Network/virtualNetworks/vnet-platform-dev-wus2/subnets/snet-integration-private-endpoints"
    text = shown(long_id)
    assert len(text) == WIDTH and ELLIPSIS in text
    assert text.startswith('"/subscriptions/') and text.endswith('/subnets/snet-integration-private-endpoints"')
    assert shown("westus2") == '"westus2"' and elide("x" * WIDTH) == "x" * WIDTH


def test_write_only_notes_are_one_summary_line_unless_verbose() -> None:
    plan = review_plan()
    short = render_text(plan)
    assert "  ? 2 write-only attributes of 2 unchanged resources cannot be verified (--verbose lists them)" in short
    assert "gateway.api_policy.users" not in short
    verbose = render_text(plan, RenderOptions(verbose=True))
    assert "  ? gateway.api_policy.users: properties.format write-only, cannot be verified" in verbose
    assert "  ? gateway.api_policy.orders: properties.format write-only, cannot be verified" in verbose


def test_json_is_the_plan_document_unchanged_by_the_view() -> None:
    plan = review_plan()
    document = json.loads(render_json(plan))
    assert document == json.loads(json.dumps(plan.to_json()))
    removed = document["changes"][0]["diff"][0]
    assert removed["before"] == example_rule() and removed["after"] is None  # the whole body, not a display
    assert document["changes"][0]["attribution"]["resource_id"] == f"{NSG_APP}/securityRules/rule1"


def test_renderers_are_the_modules_of_the_renderers_package_chosen_by_name() -> None:
    assert formats() == ("text", "json", "markdown")
    assert not choose("text", RenderOptions()).for_machines
    assert choose("json", RenderOptions()).for_machines
    with pytest.raises(ValueError, match="--output 'xml': no such format; use one of text, json"):
        choose("xml", RenderOptions())
