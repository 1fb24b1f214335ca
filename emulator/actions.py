"""POST actions (``{resource}/listKeys``, ``.../start``, ``{provider}/checkNameAvailability``) as ARM answers them.

Status and LRO headers follow recorded live ARM traffic (``emulator.shapes.action``: the recorded
action, else its provider's or ARM's convention for that kind of action): a long-running action
answers without a body, with the headers Azure sent. Keys are computed from the resource's
own id, never copied from an example; a regenerate returns fresh keys.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from emulator import shapes


@dataclass(frozen=True)
class ActionAnswer:
    """What an action answers: status, which LRO headers, body (None = empty)."""

    status: int
    async_operation: bool
    location: bool
    body: dict[str, Any] | None


def _key(resource_key: str, which: str, salt: str) -> str:
    digest = hashlib.sha256(f"{resource_key}|{which}|{salt}".encode()).digest()
    return base64.b64encode(digest).decode()


def _keys_body(parent_type: str, parent_id: str, salt: str) -> dict[str, Any]:
    key = parent_id.lower()
    primary, secondary = _key(key, "primary", salt), _key(key, "secondary", salt)
    segs = parent_id.split("/")
    if parent_type.startswith(("microsoft.servicebus/", "microsoft.eventhub/")) and "authorizationrules" in parent_type:
        namespace, rule = segs[8], segs[-1]
        suffix = "servicebus.windows.net"
        entity = f";EntityPath={segs[10]}" if len(segs) > 12 else ""
        def connection(k: str) -> str:
            return f"Endpoint=sb://{namespace}.{suffix}/;SharedAccessKeyName={rule};SharedAccessKey={k}{entity}"
        return {
            "primaryConnectionString": connection(primary),
            "secondaryConnectionString": connection(secondary),
            "primaryKey": primary,
            "secondaryKey": secondary,
            "keyName": rule,
        }
    if parent_type == "microsoft.storage/storageaccounts":
        return {
            "keys": [
                {"keyName": "key1", "value": primary, "permissions": "FULL"},
                {"keyName": "key2", "value": secondary, "permissions": "FULL"},
            ]
        }
    return {"primaryKey": primary, "secondaryKey": secondary}


def answer(parent_type: str, parent_id: str, action: str, taken: bool, api_version: str = "") -> ActionAnswer:
    """The answer to ``POST {parent_id}/{action}``; ``taken``: a resource of the checked name exists."""
    action = action.lower()
    shape = shapes.action(parent_type, action, api_version)
    if shape.running:
        return ActionAnswer(shape.status, shape.async_operation, shape.location, None)
    if action == "checknameavailability":
        if taken:
            return ActionAnswer(200, False, False, {"nameAvailable": False, "reason": "AlreadyExists",
                                                    "message": "The name is already taken."})
        return ActionAnswer(200, False, False, {"nameAvailable": True})
    if action in ("listkeys", "listkey"):
        return ActionAnswer(200, False, False, _keys_body(parent_type, parent_id, "0"))
    if action.startswith("regeneratekey"):
        return ActionAnswer(200, False, False, _keys_body(parent_type, parent_id, uuid.uuid4().hex))
    return ActionAnswer(shape.status, False, False, None)
