"""Reading several resources of one type under one parent with one list call.

Only types whose list operation returns the same body as their GET are listed
here: some real list operations return less (Web apps' `siteConfig` is null
in `web_apps.list_by_resource_group`; Key Vault's subscription list returns
generic resources), and metric alerts' msrest models fail on real bodies. A
list body missing a field would read as drift, so those types stay on GET.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import DeserializationError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from adapters.arm_id import InvalidResourceId, arguments
from adapters.direct_reads import list_call
from adapters.paging import Pages, endpoint_of, sdk_pages
from adapters.sdk_imports import SDK_IMPORTS

if TYPE_CHECKING:
    from adapters.arm_type import ArmType
    from adapters.clients import ClientFactory

#: Lower-cased ARM type -> (list method of the type's operation group, extra keyword arguments).
#: The method's positional arguments are the GET's without the trailing name.
LIST_OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "microsoft.network/virtualnetworks/subnets": ("list", {}),
    "microsoft.network/networksecuritygroups": ("list", {}),
    "microsoft.network/networksecuritygroups/securityrules": ("list", {}),
    "microsoft.network/publicipaddresses": ("list", {}),
    "microsoft.network/privateendpoints": ("list", {}),
    "microsoft.network/natgateways": ("list", {}),
    "microsoft.network/privatednszones": ("list_by_resource_group", {}),
    "microsoft.network/privatednszones/virtualnetworklinks": ("list", {}),
    "microsoft.servicebus/namespaces/queues": ("list_by_namespace", {}),
    "microsoft.servicebus/namespaces/topics": ("list_by_namespace", {}),
    "microsoft.servicebus/namespaces/topics/subscriptions": ("list_by_topic", {}),
    "microsoft.storage/storageaccounts": ("list_by_resource_group", {}),
    "microsoft.storage/storageaccounts/blobservices/containers": ("list", {}),
    "microsoft.managedidentity/userassignedidentities": ("list_by_resource_group", {}),
    # atScope(): assignments at the scope (and above it, which match no desired id).
    "microsoft.authorization/roleassignments": ("list_for_scope", {"filter": "atScope()"}),
    "microsoft.app/containerapps": ("list_by_resource_group", {}),
    "microsoft.cdn/profiles/origingroups/origins": ("list_by_origin_group", {}),
    "microsoft.sql/servers/databases": ("list_by_server", {}),
}


@dataclass
class SiblingListing:
    """Raw bodies of one type under one parent, keyed by lower-cased id."""

    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: True when an id not in `bodies` surely does not exist (the parent is gone);
    #: False when such an id should still be read on its own.
    complete: bool = False


def listable(arm_type: str) -> bool:
    """Whether `arm_type`'s siblings can be read with one list call."""
    return arm_type.lower() in LIST_OPERATIONS


def list_siblings(entry: ArmType, clients: ClientFactory, resource_id: str) -> SiblingListing | None:
    """Every resource of `entry`'s type under `resource_id`'s parent, or
    None when the type has no list returning full bodies (read each with GET)."""
    operation = LIST_OPERATIONS.get(entry.arm_type.lower())
    if operation is None or entry.get_kwargs or not entry.args or entry.args[-1] != "name":
        return None
    method_name, extra = operation
    try:
        args = arguments(resource_id, entry.args[:-1])
    except InvalidResourceId:
        return None
    direct = list_call(entry, resource_id, clients)  # without importing the SDK (adapters/direct_reads.py)
    if direct is not None:
        client, method = direct
    else:
        client = clients.client(entry.service)
        with SDK_IMPORTS:  # adapters/sdk_imports.py
            method = getattr(getattr(client, entry.operations), method_name, None)
        if method is None:
            return None
    try:
        payloads = _pages(client, method, args, extra)
    except ResourceNotFoundError:
        return SiblingListing(complete=True)
    except DeserializationError:
        return None
    listing = SiblingListing()
    for payload in payloads:
        for item in payload.get("value", []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                listing.bodies[item["id"].lower()] = item
    return listing


def _pages(client: Any, method: Any, args: list[str], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The wire JSON of every page. The first page comes from the SDK operation
    (its URL, api-version and errors), or the same request sent by the generic
    client (adapters/direct_reads.py); the next ones follow `nextLink` through
    the same client's pipeline with `send_request`, so they are not deserialised
    into models that would be thrown away. Without `send_request`, the pager
    fetches them. Either way through the one pager (`adapters/paging.py`): a repeated
    `nextLink`, one off the endpoint or too many pages end the listing with `PagingError`."""
    responses: list[Any] = []
    paged = method(*args, raw_response_hook=lambda r: responses.append(r.http_response), **extra)
    send = getattr(client, "send_request", None)
    if not callable(send):
        for _page in sdk_pages(paged, "a sibling list"):
            pass
        return [_json_object(r) for r in responses if r.status_code == 200]
    next(paged.by_page(), None)
    first = _json_object(responses[-1]) if responses else {}  # earlier ones: retried tries
    request = getattr(responses[-1], "request", None) if responses else None
    url = str(getattr(request, "url", "") or "")
    pages = Pages(endpoint_of(url) or "a sibling list", base_url=url or None)
    payloads = [first]
    next_link = pages.follow(first.get("nextLink"))
    while next_link is not None:
        response = send(HttpRequest("GET", next_link))
        response.raise_for_status()
        page = _json_object(response)
        payloads.append(page)
        next_link = pages.follow(page.get("nextLink"))
    return payloads


def _json_object(response: Any) -> dict[str, Any]:
    text = response.text()
    payload = json.loads(text) if text else {}
    return payload if isinstance(payload, dict) else {}
