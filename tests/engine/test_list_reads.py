"""A list item stands for its resource's GET only when it carries every field the comparison
reads (reconciler/engine/list_reads.py): a provider whose list returns less costs a GET, never
a false difference."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.estates import dense, put_in_place
from bench.target import open_target
from desired_state.resource import Resource
from emulator import Emulator, FaultConfig
from reconciler.engine.list_reads import lacked_field

QUEUE = "Microsoft.ServiceBus/namespaces/queues"
NSG = "Microsoft.Network/networkSecurityGroups"


def _queue(body: dict[str, Any]) -> Resource:
    rid = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ServiceBus/namespaces/ns/queues/q"
    return Resource(address="q", type=QUEUE, id=rid, layer="t", body=body)


def test_an_item_lacking_a_compared_field_names_it_and_one_carrying_all_names_none() -> None:
    queue = _queue({"properties": {"maxDeliveryCount": 10, "lockDuration": "PT1M"}})
    assert lacked_field(queue, {"properties": {"lockDuration": "PT1M"}}) == "properties.maxDeliveryCount"
    # a value that differs is the comparison's business: the GET would answer the same
    assert lacked_field(queue, {"properties": {"maxDeliveryCount": 3, "lockDuration": "PT1M", "status": "x"}}) is None


def test_fields_never_compared_may_be_missing_and_a_reference_must_be_there() -> None:
    # the server's fields (readOnly in ARM's type index) are never compared
    queue = _queue({"properties": {"maxDeliveryCount": 10, "messageCount": 0}})
    assert lacked_field(queue, {"properties": {"maxDeliveryCount": 10}}) is None
    # a reference to a value not known yet still needs the field to be there
    forwarding = _queue({"properties": {"forwardTo": "{ref:other:properties.name}"}})
    assert lacked_field(forwarding, {"properties": {}}) == "properties.forwardTo"
    assert lacked_field(forwarding, {"properties": {"forwardTo": "q2"}}) is None


def test_a_listed_sibling_lacking_a_compared_field_is_read_by_its_get(tmp_path: Path) -> None:
    state = dense(9)  # a group, a namespace, an account, 2 queues, 2 containers, 2 NSGs
    path = tmp_path / "state.db"
    seeded = Emulator(path, faults=FaultConfig(throttle=False))
    put_in_place(seeded, state)
    seeded.close()
    target = open_target(state, path, FaultConfig(throttle=False))
    answer_of = target.emulator.handle

    def queues_listed_without_their_delivery_count(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """A provider whose queue list leaves `maxDeliveryCount` out (its GET does not)."""
        answer = answer_of(method, url, *args, **kwargs)
        if method == "GET" and urlsplit(url).path.endswith("/queues") and answer.status == 200:
            page = json.loads(answer.body)
            for item in page["value"]:
                item["properties"].pop("maxDeliveryCount", None)
            return replace(answer, body=json.dumps(page).encode())
        return answer

    target.emulator.handle = queues_listed_without_their_delivery_count  # type: ignore[method-assign]
    try:
        plan = target.engine.plan(target.engine.observe())
        assert not plan.has_changes and not plan.errors, [c.diff for c in plan.changes if c.action != "noop"]
        requests = [(r.method, r.path.lower()) for r in target.emulator.request_log]
    finally:
        target.close()
    queues = {r.id.lower() for r in state.resources if r.type == QUEUE}
    nsgs = {r.id.lower() for r in state.resources if r.type == NSG}
    assert {path for method, path in requests if method == "GET" and path in queues} == queues  # read again
    assert not [path for method, path in requests if path in nsgs]  # their list carried everything
    assert sum(1 for method, path in requests if path.endswith("/networksecuritygroups")) == 1
