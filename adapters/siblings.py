"""Reading several resources of one type under one parent with one list call.

ARM's collection of a type under a parent (a resource group, or the parent resource) is a
`GET` of a resource's id without its name, answering the resources as their GETs do. Checked
against every recorded list answer that has a GET of the same resource beside it
(tests/fixtures/recordings and recordings2; `tests/adapters/test_list_convention.py`): 43
types of 14 providers, every item carrying every field its GET carries, but for fields the
server owns (a VM's `instanceView`, a blob container's `immutabilityPolicy` and `legalHold`,
a file share's `shareUsageBytes`), which are never compared. So every type is listed by that
convention, but the types in `UNLISTED` (each with its source); and a list item that lacks a
field the comparison reads is read again with its own GET (`reconciler/engine/list_reads.py`),
so a list that returns less can cost a read, never a false difference.

Types with an SDK list operation of their own (`LIST_OPERATIONS`) are listed with it (or
the same request sent by the generic client, adapters/direct_reads.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import DeserializationError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from adapters.arm_id import InvalidResourceId, arguments
from adapters.direct_reads import collection_call, list_call
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
    "microsoft.app/containerapps": ("list_by_resource_group", {}),
    "microsoft.cdn/profiles/origingroups/origins": ("list_by_origin_group", {}),
    "microsoft.sql/servers/databases": ("list_by_server", {}),
}


#: Lower-cased ARM type -> why its collection is not read in place of its GETs (a GET each).
UNLISTED: dict[str, str] = {
    "microsoft.resources/resourcegroups": "a group's collection is the subscription's groups, read by a GET each",
    "microsoft.web/sites/config": (
        "one type, read differently by name: `appsettings` with the POST `list` action (secrets: no GET "
        "returns them), `web` with GET; `GET sites/{name}/config` lists only `web` (REST spec "
        "WebApps_ListConfigurations)"
    ),
    "microsoft.insights/workbooks": (
        "Workbooks - List By Resource Group requires a `category` and returns `serializedData` only with "
        "`canFetchContent=true` (REST spec applicationinsights workbooks_API.json); the GET route asks for it"
    ),
}


#: Lower-cased ARM type -> why one collection at the resource group holds every one in the
#: group, whatever its scope below the group: read together, whatever their parents.
GROUP_WIDE: dict[str, str] = {
    "microsoft.authorization/roleassignments": (
        "Role Assignments - List For Resource Group without `$filter` answers the assignments at, above and "
        "below the group (Microsoft Learn, 'List Azure role assignments using the REST API')"
    ),
}
_GROUP = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+(?=/)", re.IGNORECASE)


@dataclass
class SiblingListing:
    """Raw bodies of one type under one parent, keyed by lower-cased id."""

    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: True when an id not in `bodies` surely does not exist (the parent is gone);
    #: False when such an id should still be read on its own.
    complete: bool = False


def listable(arm_type: str) -> bool:
    """Whether `arm_type`'s siblings can be read with one list call."""
    return arm_type.lower() not in UNLISTED


def sibling_parent(arm_type: str, resource_id: str) -> str:
    """Where `resource_id`'s siblings are listed (lower-cased): its parent (the id without its
    type segment and name), or its resource group for a `GROUP_WIDE` type."""
    group = _GROUP.match(resource_id) if arm_type.lower() in GROUP_WIDE else None
    return (group.group(0) if group is not None else resource_id.rsplit("/", 2)[0]).lower()


def _collection(entry: ArmType, resource_id: str) -> str:
    group = _GROUP.match(resource_id) if entry.arm_type.lower() in GROUP_WIDE else None
    if group is not None:
        return f"{group.group(0)}/providers/{entry.arm_type}"
    return resource_id.rstrip("/").rsplit("/", 1)[0]


def list_siblings(entry: ArmType, clients: ClientFactory, resource_id: str) -> SiblingListing | None:
    """Every resource of `entry`'s type under `resource_id`'s parent (`sibling_parent`), or
    None when the type has no list returning full bodies (read each with GET)."""
    key = entry.arm_type.lower()
    if key in UNLISTED:
        return None
    operation = None if key in GROUP_WIDE else LIST_OPERATIONS.get(key)
    if operation is None:
        call = collection_call(entry, _collection(entry, resource_id), clients)  # ARM's convention (module docstring)
        if call is None:
            return None
        client, method = call
        args: list[str] = []
        extra: dict[str, Any] = {}
    else:
        if entry.get_kwargs or not entry.args or entry.args[-1] != "name":
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
