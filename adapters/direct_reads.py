"""Reads sent by the generic resources client instead of the type's own SDK
client, where the two send the very same request (`adapters/read_routes.py`,
generated from the SDKs by `adapters/tools/gen_read_routes.py`).

Why: building one azure-mgmt client imports its package's whole `operations`
module (0.1-0.4 s each; bench/README.md, "Cold start"), and a dry run only
reads. Writes still go through the type's SDK client (models, LRO pollers).

Same request means: the URL path is the resource id, and the id is what
the SDK would build (it matches the SDK's path template recorded by the
generator, names of unreserved characters only, so the SDK's quoting
changes nothing), the same api-version and query, the same
pipeline (every client of a `ClientFactory` has the same policies), and the
same errors (`get_by_id` maps 404 to `ResourceNotFoundError` as every SDK
operation does). Anything else keeps the type's SDK call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from adapters.read_routes import GET_ROUTES, LIST_ROUTES

if TYPE_CHECKING:
    from adapters.arm_type import ArmType

#: RFC 3986 unreserved characters: what the SDK's `quote` leaves alone.
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")
_SCOPE = "{scope}"


def _segments_match(template: list[str], parts: list[str]) -> bool:
    return len(template) == len(parts) and all(
        (t == "*" and _UNRESERVED.fullmatch(p) is not None) or t == p for t, p in zip(template, parts, strict=True)
    )


def matches(template: str, resource_id: str) -> bool:
    """Whether the SDK would build exactly `resource_id` from its path `template`
    (adapters/read_routes.py): names of unreserved characters only (the
    SDK's quoting changes nothing), every other segment as the SDK spells it."""
    parts = resource_id.split("/")
    if template.startswith(_SCOPE + "/"):
        tail = template[len(_SCOPE) + 1:].split("/")
        scope = parts[: len(parts) - len(tail)]
        return (
            len(scope) > 1 and scope[0] == "" and all(_UNRESERVED.fullmatch(p) for p in scope[1:])
            and _segments_match(tail, parts[len(scope):])
        )
    return _segments_match(template.split("/"), parts)


def get_route(entry: ArmType, resource_id: str) -> tuple[str, dict[str, str]] | None:
    """(api-version, other query) to GET `resource_id` by id with, or None to use the type's SDK call."""
    route = GET_ROUTES.get(entry.arm_type.lower())
    if route is None or entry.by_name or entry.get_kwargs or not matches(route[0], resource_id):
        return None
    return route[1], route[2]


def list_url(entry: ArmType, resource_id: str, base_url: str) -> str | None:
    """The URL of the sibling list of `resource_id` (its id without the name), or None."""
    route = LIST_ROUTES.get(entry.arm_type.lower())
    if route is None or get_route(entry, resource_id) is None:
        return None
    _, version, query = route
    return f"{base_url}{resource_id.rsplit('/', 1)[0]}?{urlencode({'api-version': version, **query})}"
