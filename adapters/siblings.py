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

from adapters.arm_id import InvalidResourceId, arguments

if TYPE_CHECKING:
    from adapters.generic import GenericAdapter

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


def list_siblings(adapter: GenericAdapter, resource_id: str) -> SiblingListing | None:
    """Every resource of the adapter's type under `resource_id`'s parent, or
    None when the type has no list returning full bodies (read each with GET)."""
    operation = LIST_OPERATIONS.get(adapter.arm_type.lower())
    entry = adapter.entry
    if operation is None or entry.get_kwargs or not entry.args or entry.args[-1] != "name":
        return None
    method_name, extra = operation
    try:
        args = arguments(resource_id, entry.args[:-1])
    except InvalidResourceId:
        return None
    method = getattr(getattr(adapter.clients.client(entry.service), entry.operations), method_name, None)
    if method is None:
        return None
    pages: list[Any] = []
    try:
        # The pager deserialises into models; the wire JSON of each page is kept instead.
        for _ in method(*args, raw_response_hook=lambda r: pages.append(r.http_response), **extra):
            pass
    except ResourceNotFoundError:
        return SiblingListing(complete=True)
    except DeserializationError:
        return None
    listing = SiblingListing()
    for page in pages:
        text = page.text()
        payload = json.loads(text) if text else {}
        for item in payload.get("value", []) if isinstance(payload, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                listing.bodies[item["id"].lower()] = item
    return listing
