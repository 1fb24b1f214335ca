"""When a list item may stand for its resource's GET.

ARM's collections answer each resource as its GET does, but for fields the server owns
(adapters/siblings.py says where that was checked); the comparison never reads those. So a
listed body is taken as the live body unless it lacks a field the comparison of the desired
resource reads: then that resource is read with its own GET, and a list that returns less than
GET costs one read, never a false difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desired_state.resource import Resource
from reconciler.engine.planner import compare_resource
from reconciler.engine.resolve import resolve_refs


def lacked_field(resource: Resource, item: Mapping[str, Any]) -> str | None:
    """The first path the comparison of `resource` reads that the list `item` does not carry,
    or None when the item carries every one (whatever their values: a value that differs is
    the comparison's business, and the GET would answer the same)."""
    # References to live values not known yet are compared as a placeholder: only presence counts here.
    desired = resolve_refs(resource.body, {}, strict=False)
    for difference in compare_resource(resource, desired, item).differences:
        if difference.live is None and difference.desired is not None:
            return difference.path
    return None
