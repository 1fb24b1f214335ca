"""What of a live body `reconcile import` takes (reconciler/importer/settable.py), on real ARM bodies
(tests/fixtures/arm-examples): read-only fields and ARM's envelope never, a secret never (a canary put
where ARM returns a secret-named field), a write-only secret as a setting, other write-only fields as
not verifiable, text read as a live-value placeholder never."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from adapters.registry import rules_for
from reconciler.importer.settable import leaves, settable

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "arm-examples"
CANARY = "canary-0c3e-settable-DO-NOT-WRITE"


def example(name: str) -> dict[str, Any]:
    document = json.loads((EXAMPLES / f"{name}.json").read_text())
    return dict(document["example"]["responses"]["200"]["body"])


def test_a_secret_arm_returns_is_a_setting_never_a_value() -> None:
    body = example("Microsoft.Insights__components__GET")  # ComponentsGet.json, 2015-05-01
    body["properties"]["HockeyAppToken"] = CANARY  # read-only by the type's definition: never taken
    body["properties"]["StorageConnectionString"] = CANARY  # a secret by its name, where a user could set it
    taken = settable(body, rules_for("Microsoft.Insights/components"))
    assert CANARY not in json.dumps(taken.body)
    assert taken.secrets == ["properties.StorageConnectionString"]
    kept = {path for path, _ in leaves(taken.body)}
    assert not kept & {"id", "name", "type", "properties.provisioningState"}
    assert "properties.Application_Type" in kept and "kind" in kept


def test_read_only_fields_of_the_type_definition_are_not_taken() -> None:
    body = example("Microsoft.Network__virtualNetworks__GET")
    rules = rules_for("Microsoft.Network/virtualNetworks")
    taken = settable(body, rules, strip_lists=("properties.subnets",), own_id=body["id"])
    kept = {path for path, _ in leaves(taken.body)}
    assert "properties.addressSpace.addressPrefixes[]" in kept
    assert not [p for p in kept if p.endswith(("provisioningState", "resourceGuid", "etag")) or "subnets" in p]


def test_write_only_fields_are_settings_when_secrets_else_not_verifiable() -> None:
    server = settable(example("Microsoft.Sql__servers__GET"), rules_for("Microsoft.Sql/servers"))
    assert "properties.administratorLoginPassword" in server.secrets
    secret = settable(example("Microsoft.KeyVault__vaults__GET") | {"properties": {}},
                      rules_for("Microsoft.KeyVault/vaults/secrets"))
    assert secret.secrets == ["properties.value"]
    policy = settable({"properties": {"value": "<policies/>"}}, rules_for("Microsoft.ApiManagement/service/policies"))
    assert policy.body == {"properties": {"value": "<policies/>"}}  # returned: the policy, no secret
    assert "properties.format" in policy.not_verifiable and not policy.secrets
    database = settable(example("Microsoft.Sql__servers__databases__GET"), rules_for("Microsoft.Sql/servers/databases"))
    assert "properties.createMode" not in database.not_verifiable  # an instruction for the create, no field


def test_text_read_as_a_placeholder_is_not_taken() -> None:
    body = copy.deepcopy(example("Microsoft.Network__networkSecurityGroups__GET"))
    body["properties"]["securityRules"][0]["properties"]["description"] = "{ref:networking.vnet:properties.x}"
    taken = settable(body, rules_for("Microsoft.Network/networkSecurityGroups"))
    assert "{ref:" not in json.dumps(taken.body)
    assert "properties.securityRules[].properties.description" in taken.not_verifiable
