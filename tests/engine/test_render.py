"""Plan rendering: a golden file for the text form with every action kind,
and the JSON form validated against docs/plan-schema.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema

from reconciler.cli.render import render_json, render_text
from reconciler.engine.plan import SENSITIVE, Change, DiffEntry, Plan

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "plan-every-action.txt"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app-dev-wus2/providers"


def every_action_plan() -> Plan:
    return Plan(
        environment="dev",
        target="emulator",
        changes=(
            Change(
                address="messaging.queue.orders",
                id=f"{SUB}/Microsoft.ServiceBus/namespaces/sb-app-dev/queues/orders-queue",
                type="Microsoft.ServiceBus/namespaces/queues",
                action="create",
                depends_on=("messaging.namespace",),
                diff=(DiffEntry("properties.maxDeliveryCount", None, 10),),
            ),
            Change(
                address="networking.nsg.app",
                id=f"{SUB}/Microsoft.Network/networkSecurityGroups/nsg-app-dev",
                type="Microsoft.Network/networkSecurityGroups",
                action="update",
                diff=(
                    DiffEntry("properties.securityRules[name=deny-internet].properties.access", "Allow", "Deny"),
                    DiffEntry("properties.securityRules[name=portal-added]", {"name": "portal-added"}, None),
                    DiffEntry("tags.environment", None, "dev"),
                ),
            ),
            Change(
                address="database.server",
                id=f"{SUB}/Microsoft.Sql/servers/sql-app-dev",
                type="Microsoft.Sql/servers",
                action="replace",
                diff=(DiffEntry("location", "westeurope", "westus2"),),
                blocked="replacing needs --allow-replace",
            ),
            Change(
                address="pruned:" + f"{SUB}/Microsoft.Network/publicIPAddresses/pip-old",
                id=f"{SUB}/Microsoft.Network/publicIPAddresses/pip-old",
                type="Microsoft.Network/publicIPAddresses",
                action="delete",
            ),
            Change(
                address="database.admin",
                id=f"{SUB}/Microsoft.Sql/servers/sql-app-dev2",
                type="Microsoft.Sql/servers",
                action="noop",
                unverifiable=("properties.administratorLoginPassword",),
            ),
            Change(
                address="security.vault",
                id=f"{SUB}/Microsoft.KeyVault/vaults/kv-app-dev",
                type="Microsoft.KeyVault/vaults",
                action="update",
                diff=(DiffEntry("properties.secret", SENSITIVE, SENSITIVE),),
            ),
        ),
    )


def test_text_rendering_matches_the_golden_file() -> None:
    text = render_text(every_action_plan())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_json_rendering_validates_against_the_documented_schema() -> None:
    schema = json.loads((ROOT / "docs" / "plan-schema.json").read_text(encoding="utf-8"))
    document = json.loads(render_json(every_action_plan()))
    jsonschema.validate(document, schema)
    assert document["summary"] == {"create": 1, "update": 2, "replace": 1, "delete": 1, "noop": 1}


def test_a_plan_without_changes_says_so() -> None:
    plan = Plan("qa", "emulator", (Change(address="a", id=f"{SUB}/x/y/z", type="X.Y/z", action="noop"),))
    assert render_text(plan) == "No changes. qa matches the desired state (1 resources).\n"
    assert not plan.has_changes
