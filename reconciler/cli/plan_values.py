"""How a value is shown in a plan people review.

- A resource id of a resource in the plan is shown as a reference to it, `ADDRESS.id`, as
  Terraform shows `azurerm_subnet.app.id` (the id itself is on that resource's `id:` line).
- A long value is shortened in the middle, so that both ends stay visible (an id's
  subscription and its type and name); of a changed value, the part that differs is kept too.
- A list member added or removed is shown field by field (`member_fields`), not as one JSON line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The longest a value is shown before it is shortened (its middle elided).
WIDTH = 120
ELLIPSIS = "..."
#: Characters kept either side of where a changed value differs.
_CONTEXT = 16
#: Fields of a list member that ARM sets itself: not shown when the member is added or removed
#: (its name is in the path already).
READ_ONLY_MEMBER_FIELDS = frozenset({"id", "etag", "type", "properties.provisioningState"})


@dataclass(frozen=True)
class References:
    """Ids of the resources in a plan (lower-cased, as ARM compares them) -> their addresses."""

    by_id: Mapping[str, str]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> References:
        """From (address, id) pairs; pruned resources (no address of their own) are not referred to."""
        return cls({rid.lower(): address for address, rid in pairs if not address.startswith("pruned:")})

    def address_of(self, value: str) -> str | None:
        return self.by_id.get(value.lower()) if value.startswith("/") else None


NO_REFERENCES = References({})


def full(value: Any, refs: References = NO_REFERENCES) -> str:
    """The whole value: JSON, with the ids of resources in the plan shown as `ADDRESS.id`."""
    if isinstance(value, str):
        address = refs.address_of(value)
        return f"{address}.id" if address is not None else json.dumps(value)
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "{" + ", ".join(f"{json.dumps(str(k))}: {full(v, refs)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(full(v, refs) for v in value) + "]"
    return json.dumps(value, default=str)


def shown(value: Any, refs: References = NO_REFERENCES, width: int = WIDTH) -> str:
    """One value, its middle elided when longer than `width`."""
    return elide(full(value, refs), width)


def shown_pair(before: Any, after: Any, refs: References = NO_REFERENCES, width: int = WIDTH) -> tuple[str, str]:
    """A changed value, before and after, each shortened around where the two differ."""
    old, new = full(before, refs), full(after, refs)
    prefix = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return (
        elide(old, width, anchors=(prefix, len(old) - suffix)),
        elide(new, width, anchors=(prefix, len(new) - suffix)),
    )


def elide(text: str, width: int = WIDTH, anchors: Iterable[int] = ()) -> str:
    """`text` with its middle replaced by `...` when longer than `width`: the first third and the
    last two thirds of the room are kept (an id's type and name are at its end), and so are the
    characters around each anchor (where a changed value differs)."""
    if len(text) <= width:
        return text
    room = width - len(ELLIPSIS)
    head, tail = room // 3, room - room // 3
    spans = [(0, head), (len(text) - tail, len(text))]
    spans += [(max(0, a - _CONTEXT), min(len(text), a + _CONTEXT)) for a in anchors if 0 < a < len(text)]
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + len(ELLIPSIS):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return ELLIPSIS.join(text[start:end] for start, end in merged)


def member_fields(member: Mapping[str, Any], key_field: str | None = None) -> list[tuple[str, Any]]:
    """A list member's fields as (dotted path, value) leaves, for showing it field by field; the
    fields ARM sets (`READ_ONLY_MEMBER_FIELDS`) and the key already in the path are left out."""
    leaves: list[tuple[str, Any]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping) and value:
            for key in sorted(value, key=str):
                walk(value[key], f"{path}.{key}" if path else str(key))
        else:
            leaves.append((path, value))

    walk(member, "")
    return [(p, v) for p, v in leaves if p not in READ_ONLY_MEMBER_FIELDS and p != key_field]
