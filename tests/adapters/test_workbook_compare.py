"""A workbook's content is a JSON document serialised into a string
(`properties.serializedData`): the same document written with other whitespace
or key order is no drift, a changed document is (adapters/services/applicationinsights.py)."""

from __future__ import annotations

import json
from typing import Any

from adapters.compare import compare
from adapters.registry import rules_for
from desired_state import build

WORKBOOKS = "Microsoft.Insights/workbooks"


def _desired() -> dict[str, Any]:
    return build("dev").by_address("dashboards.workbook.operations").body


def test_the_same_document_serialised_otherwise_is_no_drift() -> None:
    desired = _desired()
    props = dict(desired["properties"])
    document = json.loads(props["serializedData"])
    live = {**desired, "properties": {**props, "serializedData": json.dumps(document, indent=2, sort_keys=True)}}
    assert live["properties"]["serializedData"] != props["serializedData"]
    assert compare(desired, live, rules_for(WORKBOOKS)).in_sync


def test_a_changed_step_is_drift_on_serialized_data() -> None:
    desired = _desired()
    props = dict(desired["properties"])
    document = json.loads(props["serializedData"])
    document["items"][1]["content"]["query"] = "requests | take 10"
    live = {**desired, "properties": {**props, "serializedData": json.dumps(document)}}
    result = compare(desired, live, rules_for(WORKBOOKS))
    assert [d.path for d in result.differences] == ["properties.serializedData"]


def test_content_that_is_not_json_is_compared_as_text() -> None:
    rules = rules_for(WORKBOOKS)
    assert compare({"properties": {"serializedData": "{not json"}}, {"properties": {"serializedData": "{not json"}}, rules).in_sync
    assert not compare({"properties": {"serializedData": "{not json"}}, {"properties": {"serializedData": "{no"}}, rules).in_sync
