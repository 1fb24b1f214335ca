"""Answers to LRO polls: operationStatuses (status, times, error) and operationResults (the final answer).

Final answers follow the recordings: a finished delete's operationResults is
200 without a body; a group action's 204, a resource action's 200.
"""

from __future__ import annotations

import json
from typing import Any

from emulator import shapes
from emulator.addressing import Address
from emulator.errors import ArmError
from emulator.exchange import EmulatorResponse, Request, json_response
from emulator.lro import iso, poll_headers
from emulator.reads import lookup, row_response
from emulator.store import Operation, Store


def answer_operation(store: Store, req: Request, addr: Address) -> EmulatorResponse:
    """The answer to a poll of an operation's status or result; a finished delete is purged here."""
    op = store.operation(addr.op_id)
    if op is None:
        raise ArmError(404, "OperationNotFound", f"The operation '{addr.op_id}' was not found.")
    done = req.now >= op.end
    if op.kind == "delete" and done:
        finish_delete(store, op, req.now)
    if addr.kind == "operation_status":
        payload: dict[str, Any] = {
            "id": req.path,
            "name": op.id,
            "status": op.outcome if done else "InProgress",
            "startTime": iso(op.start),
            "endTime": iso(op.end) if done else None,
            "error": json.loads(op.error) if done and op.error else None,
        }
        headers = {} if done else poll_headers(op.end - req.now)
        return json_response(200, payload, headers)
    if not done:
        location = f"{req.base}{req.path}?api-version={req.api_version}"
        return EmulatorResponse(202, {"Location": location, **poll_headers(op.end - req.now)}, b"")
    if op.error:
        err = json.loads(op.error)
        return json_response(400, {"error": {**err, "details": []}})
    if op.kind == "delete":
        # recorded live traffic: a finished delete's operationResults answers 200, no body
        # (Service Bus, Redis, resource groups), where ARM-SEMANTICS.md suggested 204
        return EmulatorResponse(200)
    if op.kind == "action":
        # recorded: group actions (moveResources) end 204, resource actions (CDN purge, vault purge) 200
        return EmulatorResponse(204 if op.key.count("/") == 5 else 200)
    conn = store.read()
    row = lookup(conn, op.key, req.now)
    if row is None:
        return EmulatorResponse(204)
    # recorded: a finished PUT's result is 200 with the body, 201 for SQL (emulator.shapes.final_poll_status)
    return row_response(conn, row, req.now, shapes.final_poll_status(row.type) if op.kind == "put" else 200)


def finish_delete(store: Store, op: Operation, now: float) -> None:
    """Purge a resource whose asynchronous delete has completed."""
    row = Store.get(store.read(), op.key)
    if row is None:
        return
    with store.write() as conn:
        row = Store.get(conn, op.key)
        if row is None:
            return
        if row.busy_kind == "delete" and now >= row.busy_until:
            Store.delete_tree(conn, op.key)
        elif row.busy_kind == "delete-fail" and now >= row.busy_until:
            body = json.loads(row.body)
            props = body.get("properties")
            if isinstance(props, dict) and "provisioningState" in props:
                props["provisioningState"] = "Failed"
            row.body = json.dumps(body)
            row.busy_kind = ""
            row.busy_until = 0.0
            Store.put(conn, row)
