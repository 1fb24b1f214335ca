"""The one gate live bodies pass before the engine compares or plans with them.

ARM documents every resource body as a JSON object whose envelope fields have
fixed shapes: `tags` a map of strings to strings, `properties` an object,
`id`/`name`/`type`/`location`/`etag` strings (ARM RPC, "Resource envelope";
docs.microsoft.com/rest/api/resources/resources/get-by-id, `GenericResource`).
A body of any other shape (a list, `tags` as a list, `properties` as a string)
or holding a number JSON has no spelling for (NaN, Infinity) cannot be
compared safely: planning against it would plan garbage as a replace, or fail
the whole plan. Such a resource is reported as unreadable (the plan's
`errors`, which name it), the rest of the plan goes on, and nothing is written
to it.
"""

from __future__ import annotations

import math
from typing import Any

_STRING_FIELDS = ("id", "name", "type", "location", "etag", "kind")
_OBJECT_FIELDS = ("properties", "sku", "identity", "systemData")


def unreadable(body: Any, read_id: str | None = None) -> str | None:
    """Why `body` is not a readable ARM body, or None when it is (or is absent). With `read_id`
    (the id the body was read or listed by), a body naming another resource is unreadable too."""
    if body is None:
        return None
    if not isinstance(body, dict):
        return f"the live body is a JSON {_kind(body)}, not an object"
    if read_id is not None and (other := answered_other(body, read_id)) is not None:
        return other
    tags = body.get("tags")
    if tags is not None:
        if not isinstance(tags, dict):
            return f"its tags are a JSON {_kind(tags)}, not an object of strings"
        for key, value in tags.items():
            if not isinstance(value, str):
                return f"its tag {key!r} is a JSON {_kind(value)}, not a string"
    for name in _OBJECT_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, dict):
            return f"its {name} is a JSON {_kind(value)}, not an object"
    for name in _STRING_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            return f"its {name} is a JSON {_kind(value)}, not a string"
    path = _non_finite(body, "")
    if path is not None:
        return f"it holds a number JSON cannot carry (NaN or Infinity) at {path or '(root)'}"
    return None


def answered_other(body: Any, read_id: str) -> str | None:
    """Why `body` is not the resource `read_id` names, or None. ARM answers a read by id with that
    resource, its `id` the same path (ARM ids compare case-insensitively: ARM RPC, "Resource IDs");
    a body naming another resource (another subscription, group or name: a misrouted or hostile
    answer) must not be compared, written over, or condemned as if it were the one asked for."""
    answered = body.get("id") if isinstance(body, dict) else None
    if not isinstance(answered, str) or answered.rstrip("/").lower() == read_id.rstrip("/").lower():
        return None
    from reconciler.runtime.safe_output import remote_text

    return f"ARM answered with another resource's id {remote_text(answered)!r}, not the one read"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null" if value is None else type(value).__name__


def _non_finite(value: Any, path: str) -> str | None:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return where
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return None
