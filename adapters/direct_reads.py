"""Reads sent by the generic resources client instead of the type's own SDK
client, where the two send the very same request (`adapters/read_routes.py`,
generated from the SDKs by `adapters/tools/gen_read_routes.py`).

Why: building one azure-mgmt client imports its package's whole `operations`
module (0.1-0.4 s each; bench/README.md, "Cold start"), and a dry run only
reads. Writes still go through the type's SDK client (models, LRO pollers).

Same request means: the URL path is the resource id, and the id is what
the SDK would build (it matches the SDK's path template recorded by the
generator, names of unreserved characters only, so the SDK's quoting
changes nothing), the same method, action suffix (`/list`), api-version and
query, the same pipeline (every client of a `ClientFactory` has the same
policies), and the same errors (`get_by_id` and `raise_for_arm` map 404 to
`ResourceNotFoundError` as every SDK operation does). Anything else keeps
the type's SDK call.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ResourceNotModifiedError,
    map_error,
)
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat

from adapters.read_routes import GET_ROUTES, LIST_ROUTES

if TYPE_CHECKING:
    from adapters.arm_type import ArmType
    from adapters.clients import ClientFactory

#: RFC 3986 unreserved characters: what the SDK's `quote` leaves alone.
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")
_SCOPE = "{scope}"
_SUBSCRIPTION = "{subscription}"
#: The error map of every generated azure-mgmt operation.
_ERROR_MAP: dict[int, type[HttpResponseError]] = {
    401: ClientAuthenticationError,
    404: ResourceNotFoundError,
    409: ResourceExistsError,
    304: ResourceNotModifiedError,
}


def _segments_match(template: list[str], parts: list[str], subscription_id: str) -> bool:
    return len(template) == len(parts) and all(
        (t == "*" and _UNRESERVED.fullmatch(p) is not None) or t == p or (t == _SUBSCRIPTION and p == subscription_id)
        for t, p in zip(template, parts, strict=True)
    )


def matches(template: str, resource_id: str, subscription_id: str) -> bool:
    """Whether the SDK, its client bound to `subscription_id`, would build
    exactly `resource_id` from its path `template` (adapters/read_routes.py):
    names of unreserved characters only (the SDK's quoting changes nothing),
    every other segment as the SDK spells it."""
    parts = resource_id.split("/")
    if template.startswith(_SCOPE + "/"):
        tail = template[len(_SCOPE) + 1:].split("/")
        scope = parts[: len(parts) - len(tail)]
        return (
            len(scope) > 1 and scope[0] == "" and all(_UNRESERVED.fullmatch(p) for p in scope[1:])
            and _segments_match(tail, parts[len(scope):], subscription_id)
        )
    return _segments_match(template.split("/"), parts, subscription_id)


#: (method, path template, suffix after the id, api-version, other query).
Route = tuple[str, str, str, str, dict[str, str]]


def read_route(entry: ArmType, resource_id: str, subscription_id: str) -> Route | None:
    """How the type's SDK (its client bound to `subscription_id`) reads
    `resource_id`, when the generic client can send the same request; None to
    use the type's SDK call. A route holds the query the read's own arguments
    add (`gen_read_routes` records it with them)."""
    for route in GET_ROUTES.get(entry.arm_type.lower(), ()):
        if matches(route[1], resource_id, subscription_id):
            return route
    return None


def sdk_api_version(arm_type: str) -> str | None:
    """The api-version the type's SDK reads it with (GET_ROUTES), or None for a type the table
    does not know. The type's collection answers at the same version (one resource type, one API)."""
    routes = GET_ROUTES.get(arm_type.lower())
    return routes[0][3] if routes else None


def read_url(route: Route, resource_id: str, base_url: str) -> str:
    _, _, suffix, version, query = route
    return f"{base_url}{resource_id}{suffix}?{urlencode({**query, 'api-version': version})}"


def raise_for_arm(response: Any) -> None:
    """The errors an SDK operation raises for a non-200 answer (`map_error`
    with the generated operations' error map, then ARM's error format)."""
    if response.status_code == 200:
        return
    map_error(status_code=response.status_code, response=response, error_map=_ERROR_MAP)
    raise HttpResponseError(response=response, error_format=ARMErrorFormat)


def send_read(client: Any, method: str, url: str, *, raw_response_hook: Any = None, **_: Any) -> Any:
    """Send a read that is not a plain GET of the id (App Service's `POST
    .../config/appsettings/list`) with `client`'s pipeline; the wire JSON back."""
    response = client.send_request(HttpRequest(method, url, headers={"Accept": "application/json"}))
    if raw_response_hook is not None:
        raw_response_hook(_Hooked(response))
    raise_for_arm(response)
    text = response.text()
    return json.loads(text) if text else {}


class _Hooked:
    """What a `raw_response_hook` receives: the response as `.http_response`."""

    def __init__(self, response: Any) -> None:
        self.http_response = response


def list_url(entry: ArmType, resource_id: str, base_url: str, subscription_id: str) -> str | None:
    """The URL of the sibling list of `resource_id` (its id without the name), or None."""
    route = LIST_ROUTES.get(entry.arm_type.lower())
    if route is None or not matches(route[0] + "/*", resource_id, subscription_id):
        return None
    _, version, query = route
    return f"{base_url}{resource_id.rsplit('/', 1)[0]}?{urlencode({'api-version': version, **query})}"


def read_call(entry: ArmType, resource_id: str, clients: ClientFactory) -> tuple[Any, list[str], dict[str, Any]] | None:
    """(method, positional, keyword arguments) reading `resource_id` through the
    generic resources client as the entry's SDK would, for `call_raw`; None
    to use the entry's own SDK call."""
    route = read_route(entry, resource_id, clients.subscription_id)
    if route is None:
        return None
    resources = clients.client("resource")
    if route[0] == "GET" and not route[2]:
        kwargs: dict[str, Any] = {"api_version": route[3]}
        if route[4]:
            kwargs["params"] = dict(route[4])
        return resources.resources.get_by_id, [resource_id.lstrip("/")], kwargs
    return partial(send_read, resources, route[0], read_url(route, resource_id, clients.base_url)), [], {}


def list_call(entry: ArmType, resource_id: str, clients: ClientFactory) -> tuple[Any, Any] | None:
    """(client, list method) listing the siblings of `resource_id` through the
    generic resources client as the entry's SDK would, for
    `adapters.siblings._pages`; None to use the entry's own SDK list."""
    url = list_url(entry, resource_id, clients.base_url, clients.subscription_id)
    if url is None:
        return None
    resources = clients.client("resource")
    return resources, partial(_first_page, resources, url)


def collection_call(entry: ArmType, collection: str, clients: ClientFactory) -> tuple[Any, Any] | None:
    """(client, list method) of a collection of `entry`'s type (a resource's id without its
    name, by ARM's convention): its `GET` at the api-version the type is read with, answering
    `{"value": [...], "nextLink"}` (docs/arm-semantics.md, Status codes), each item the
    resource as its GET returns it (adapters/siblings.py says where that was checked and
    which types differ). None when the read's api-version is not known here."""
    version = sdk_api_version(entry.arm_type) or entry.get_kwargs.get("api_version")
    if not isinstance(version, str) or not version or "/providers/" not in collection.lower():
        return None
    url = f"{clients.base_url}{quote(collection)}?{urlencode({'api-version': version})}"
    resources = clients.client("resource")
    return resources, partial(_first_page, resources, url)


class _OnePage:
    """`by_page()` of a list fetched with `send_request`: its first page only
    (`_pages` follows `nextLink` itself)."""

    def __init__(self, response: Any) -> None:
        self.response = response

    def by_page(self) -> Any:
        return iter([self.response])


def _first_page(client: Any, url: str, *args: Any, raw_response_hook: Any = None, **extra: Any) -> _OnePage:
    """The first page of a list at `url`, with the errors an SDK list raises."""
    response = client.send_request(HttpRequest("GET", url, headers={"Accept": "application/json"}))
    if raw_response_hook is not None:
        raw_response_hook(_Hooked(response))
    raise_for_arm(response)
    return _OnePage(response)
