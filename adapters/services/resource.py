"""Resource groups (azure-mgmt-resource 26, TypeSpec models), and the generic
resource listing the engine uses to find owned resources to prune."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from adapters.arm_id import checked_id
from adapters.arm_type import ArmType
from adapters.bodies import to_wire
from adapters.clients import ClientFactory
from adapters.compare import CompareRules
from adapters.paging import Pages, sdk_items

TYPES = (
    ArmType(
        arm_type="Microsoft.Resources/resourceGroups",
        graph_row=True,
        service="resource", operations="resource_groups",
        get="get", create="create_or_update", delete="begin_delete",
        args=("resource_group",), model="azure.mgmt.resource.resources.models:ResourceGroup",
        rules=CompareRules(),
        etag=False,
        data_holding=True,  # deleting a group deletes everything in it
    ),
)


@dataclass(frozen=True)
class ListedResource:
    """One resource as the generic listing returns it."""

    id: str
    type: str
    tags: Mapping[str, str] = field(default_factory=dict)


def list_resources(
    clients: ClientFactory, resource_group: str, tag_filter: Mapping[str, str] | None = None
) -> list[ListedResource]:
    """Every resource in a group carrying all the given tags.

    ARM's `$filter` accepts one tag (`tagName eq 'k' and tagValue eq 'v'`), so
    the first tag filters on the server and the others here. Child resources
    (subnets, queues) are not listed by ARM; the engine finds those through
    their parents.
    """
    tags = dict(tag_filter or {})
    kwargs: dict[str, Any] = {}
    if tags:
        name, value = next(iter(tags.items()))
        kwargs["filter"] = f"tagName eq '{_quote(name)}' and tagValue eq '{_quote(value)}'"
    listed: list[ListedResource] = []
    paged = clients.client("resource").resources.list_by_resource_group(resource_group, **kwargs)
    endpoint = f"/subscriptions/{clients.subscription_id}/resourceGroups/{resource_group}/resources"
    for item in sdk_items(paged, endpoint):  # the one pager (adapters/paging.py)
        wire = to_wire(item)
        live_tags = {str(k): str(v) for k, v in (wire.get("tags") or {}).items()}
        lowered = {k.lower(): v for k, v in live_tags.items()}
        if all(lowered.get(k.lower()) == v for k, v in tags.items()):
            # The one id constructor (adapters/arm_id.py): an id that would address something else is
            # refused, and with it this group's listing (nothing of it is pruned; the plan says why).
            rid = checked_id(str(wire.get("id", "")), source=f"the listing of resource group {resource_group}",
                             subscription=clients.subscription_id, arm_type=str(wire.get("type", "")) or None)
            listed.append(ListedResource(id=rid, type=str(wire.get("type", "")), tags=live_tags))
    return listed


def _quote(value: str) -> str:
    return value.replace("'", "''")  # OData string literal escaping


def list_children(clients: ClientFactory, parent_id: str, segment: str, api_version: str) -> list[str]:
    """Ids of the children of one type under a parent: `GET {parent}/{segment}`,
    ARM's collection of a child type, page by page (`nextLink`), through the
    resource client's pipeline (its retry, rate limit and credentials). A parent
    that is gone has no children."""
    client = clients.client("resource")
    url: str | None = f"{parent_id.rstrip('/')}/{quote(segment)}?api-version={quote(api_version)}"
    pages = Pages(f"{parent_id.rstrip('/')}/{segment}", base_url=clients.base_url)  # the one pager
    ids: list[str] = []
    while url:
        response = client.send_request(HttpRequest("GET", url))
        if response.status_code == 404:
            return ids
        try:
            response.raise_for_status()
        except ResourceNotFoundError:
            return ids
        except HttpResponseError:
            raise
        page = json.loads(response.text() or "{}")
        ids.extend(
            checked_id(str(item["id"]), source=f"the children listed under {parent_id}", under=parent_id)
            for item in page.get("value", []) if isinstance(item, dict) and item.get("id")
        )
        url = pages.follow(page.get("nextLink"))
    return ids
