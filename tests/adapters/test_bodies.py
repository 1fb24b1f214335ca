"""Wire JSON <-> SDK model round trips on every arm-example body, per SDK generation.

TypeSpec models keep every key. msrest models drop what they do not model;
each loss is listed here with its reason. Reads never go through a model
(the adapter returns the raw response), and a write whose *declared* fields a
model would drop is sent as raw JSON instead (`request_payload`).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from azure.core.exceptions import DeserializationError

from adapters.bodies import (
    body_paths,
    lost_paths,
    model_kind,
    request_payload,
    resolve_model,
    to_model,
    to_wire,
)
from adapters.registry import entry_for, is_declared
from tests.adapters.examples import all_examples

_ENVELOPE = {"id", "name", "type"}
#: type -> key paths an msrest model drops, and why.
MSREST_LOSSES: dict[str, tuple[set[str], str]] = {
    "Microsoft.ApiManagement/service/apis": (_ENVELOPE, "create-parameters model has no envelope"),
    "Microsoft.ApiManagement/service/subscriptions": (_ENVELOPE | {"properties.createdDate"}, "create-parameters model"),
    "Microsoft.ApiManagement/service/namedValues": ({"properties.provisioningState"}, "create-contract model"),
    "Microsoft.Authorization/roleAssignments": (_ENVELOPE, "create-parameters model has no envelope"),
    "Microsoft.Cache/redis": (
        {"id", "name", "type", "properties.hostName", "properties.port", "properties.sslPort", "properties.accessKeys",
         "properties.instances", "properties.linkedServers", "properties.privateEndpointConnections",
         "properties.provisioningState", "properties.redisVersion", "properties.replicasPerMaster",
         "properties.updateChannel", "properties.zonalAllocationPolicy"},
        "create-parameters model lacks the read-only fields of a cache",
    ),
    "Microsoft.Insights/components": ({"properties.LinkedStorages"},
                                      "not in the 2020-02-02 model"),
    # Issue 28's examples: a null in the response, which the msrest model does not write back.
    "Microsoft.ApiManagement/service/loggers": ({"properties.description"}, "null in the example's response"),
    "Microsoft.Insights/workbooks": ({"properties.storageUri"}, "null in the example's response"),
    "Microsoft.Insights/metricAlerts": (
        {"properties.actions[].webhookProperties"},
        "the model spells it webHookProperties; the example (and service) accept webhookProperties",
    ),
    "Microsoft.Insights/scheduledQueryRules": (
        {"properties.ruleResolveConfiguration"},
        "azure-mgmt-monitor 7 models an older api-version",
    ),
}
#: Live bodies an msrest model cannot even read (why reads stay raw).
UNREADABLE = {
    ("Microsoft.Insights/components", "GET"): "tags is the empty string",
    ("Microsoft.Insights/metricAlerts", "GET"): "durations Pt1m / Pt15m are not ISO 8601 for msrest",
}


def bodies() -> list[Any]:
    cases = []
    for ex in all_examples():
        if not is_declared(ex.arm_type):
            continue  # the generic adapter sends wire JSON: no model to round-trip
        entry = entry_for(ex.arm_type)
        if entry.model is None:
            continue
        if ex.operation == "PUT":
            cases.append(pytest.param(ex.arm_type, ex.operation, "request", ex.request_body(), id=f"{ex.arm_type}-PUT-request"))
        cases.append(pytest.param(ex.arm_type, ex.operation, "response", ex.live_body(), id=f"{ex.arm_type}-{ex.operation}-response"))
    return cases


@pytest.mark.parametrize(("arm_type", "operation", "role", "body"), bodies())
def test_round_trip_keeps_the_keys(arm_type: str, operation: str, role: str, body: dict[str, Any]) -> None:
    model_cls = resolve_model(entry_for(arm_type).model or "")
    if (arm_type, operation) in UNREADABLE and role == "response":
        with pytest.raises(DeserializationError):
            to_model(model_cls, body)
        return
    wire = to_wire(to_model(model_cls, body))
    if model_kind(model_cls) == "typespec":
        assert wire == body
        return
    lost = body_paths(body) - body_paths(wire)
    allowed, _reason = MSREST_LOSSES.get(arm_type, (set(), ""))
    unexplained = {p for p in lost if not any(p == a or p.startswith((a + ".", a + "[")) for a in allowed)}
    assert unexplained == set()


def test_both_generations_are_in_use() -> None:
    kinds = {model_kind(resolve_model(entry_for(ex.arm_type).model or "")) for ex in all_examples()
             if is_declared(ex.arm_type) and entry_for(ex.arm_type).model}
    assert kinds == {"typespec", "msrest"}


def test_a_declared_field_the_model_would_drop_goes_as_raw_json() -> None:
    alert = next(ex for ex in all_examples() if ex.arm_type == "Microsoft.Insights/metricAlerts" and ex.operation == "PUT")
    model_cls = resolve_model(entry_for(alert.arm_type).model or "")
    declared = alert.request_body()
    assert lost_paths(model_cls, declared)
    payload = request_payload(model_cls, declared, declared)
    assert isinstance(payload, io.BytesIO)
    assert json.loads(payload.getvalue()) == declared


def test_a_lossless_body_goes_as_the_sdk_model() -> None:
    ex = next(e for e in all_examples() if e.arm_type == "Microsoft.ManagedIdentity/userAssignedIdentities" and e.operation == "PUT")
    model_cls = resolve_model(entry_for(ex.arm_type).model or "")
    payload = request_payload(model_cls, ex.request_body(), ex.request_body())
    assert isinstance(payload, model_cls)
