"""Reads sent by the generic resources client instead of the type's own SDK
client, where the two send the very same request (`adapters/read_routes.py`,
generated from the SDKs by `adapters/tools/gen_read_routes.py`).

Why: building one azure-mgmt client imports its package's whole `operations`
module (0.1-0.4 s each; bench/README.md, "Cold start"), and a dry run only
reads. Writes still go through the type's SDK client (models, LRO pollers).

Same request means: the URL path is the resource id as the SDK would build
it (names of unreserved characters only, so the SDK's quoting changes
nothing; type segments cased as the SDK's URL template, which the generator
checked against the entry's `arm_type`), the same api-version, the same
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

#: RFC 3986 unreserved characters (and the path separator): what `quote` leaves alone.
_UNRESERVED = re.compile(r"[A-Za-z0-9/._~-]+")
_GROUP = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+")


def _shaped_as_sdk_builds(entry: ArmType, resource_id: str) -> bool:
    if not _UNRESERVED.fullmatch(resource_id) or "//" in resource_id:
        return False
    if entry.arm_type.lower() == "microsoft.resources/resourcegroups":
        return _GROUP.fullmatch(resource_id) is not None
    provider, *types = entry.arm_type.split("/")
    scope, sep, tail = resource_id.rpartition(f"/providers/{provider}/")
    if not sep or not scope:
        return False
    if "scope" not in entry.args and _GROUP.fullmatch(scope) is None:
        return False
    parts = tail.split("/")
    return len(parts) == 2 * len(types) and parts[0::2] == types


def get_route(entry: ArmType, resource_id: str) -> tuple[str, dict[str, str]] | None:
    """(api-version, other query) to GET `resource_id` by id with, or None to use the type's SDK call."""
    route = GET_ROUTES.get(entry.arm_type.lower())
    if route is None or entry.by_name or entry.get_kwargs or not _shaped_as_sdk_builds(entry, resource_id):
        return None
    return route


def list_url(entry: ArmType, resource_id: str, base_url: str) -> str | None:
    """The URL of the sibling list of `resource_id` (its id without the name), or None."""
    route = LIST_ROUTES.get(entry.arm_type.lower())
    if route is None or get_route(entry, resource_id) is None:
        return None
    version, query = route
    return f"{base_url}{resource_id.rsplit('/', 1)[0]}?{urlencode({'api-version': version, **query})}"
