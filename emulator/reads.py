"""Reading the estate: a key's live row, a row rendered as ARM answers it, GET, and the 404s.

A resource whose asynchronous delete has finished still has a row until the
delete's operation is polled (emulator/polling.py); every read here treats it
as gone. While a write is in flight the body shows the type's transitional
provisioningState (docs/arm-semantics.md, LRO protocol).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from emulator import bodies, shapes
from emulator.addressing import Address
from emulator.errors import ArmError
from emulator.exchange import EmulatorResponse, Request, json_response
from emulator.faults import FaultConfig
from emulator.field_flags import flags_for
from emulator.store import Row, Store
from emulator.types import TYPES

RG_TYPE = "microsoft.resources/resourcegroups"


def lookup(conn: sqlite3.Connection, key: str, now: float) -> Row | None:
    """The live row of a key; a finished asynchronous delete counts as gone."""
    row = Store.get(conn, key)
    if row is None:
        return None
    if row.busy_kind == "delete" and now >= row.busy_until:
        return None
    return row


def body_of(conn: sqlite3.Connection, resource_id: str, now: float) -> dict[str, Any] | None:
    """The stored body of another resource, or None."""
    row = lookup(conn, resource_id.lower(), now)
    return None if row is None else dict(json.loads(row.body))


def render(conn: sqlite3.Connection, row: Row, now: float) -> dict[str, Any]:
    """A row's body as a GET answers it now: the in-flight provisioningState, inline children listed."""
    body: dict[str, Any] = json.loads(row.body)
    behaviour = TYPES.get(row.type)
    if now < row.busy_until and row.busy_kind and behaviour is None:
        # a type no table models: its definition's and conventions' state (emulator.shapes), or none at all
        work = "delete" if row.busy_kind.startswith("delete") else row.busy_kind
        generic = shapes.in_flight_state(row.type, work)
        props = body.setdefault("properties", {}) if generic is not None else None
        if isinstance(props, dict):
            props["provisioningState"] = generic
    elif behaviour is not None and now < row.busy_until and row.busy_kind:
        state = {"create": None, "update": None, "delete": "Deleting", "delete-fail": "Deleting"}.get(
            row.busy_kind
        )
        if behaviour.has_provisioning_state:
            props = body.setdefault("properties", {})
            if isinstance(props, dict):
                if state is None:
                    state = behaviour.creating_state if row.busy_kind == "create" else behaviour.updating_state
                props["provisioningState"] = state or "Updating"
    if behaviour is not None and behaviour.embedded:
        for list_path, child_type in behaviour.embedded:
            items = [
                render(conn, child, now)
                for child in Store.children(conn, row.key, child_type)
                if not (child.busy_kind == "delete" and now >= child.busy_until)
            ]
            bodies.set_path(body, list_path, items)
    return body


def row_response(conn: sqlite3.Connection, row: Row, now: float, status: int = 200) -> EmulatorResponse:
    """A row as an answer (200 unless told) with its ETag header."""
    behaviour = TYPES.get(row.type)
    headers = {"Content-Type": "application/json; charset=utf-8", "ETag": row.etag}
    if now >= row.busy_until and (behaviour is None or not behaviour.embedded):
        # fast path: the stored body is exactly the settled answer
        return EmulatorResponse(status, headers, row.body.encode())
    return EmulatorResponse(status, headers, json.dumps(render(conn, row, now)).encode())


def answer_get(store: Store, faults: FaultConfig, req: Request, addr: Address) -> EmulatorResponse:
    """GET of one resource: 404 when absent, or (injected) while it is still too fresh to read."""
    conn = store.read()
    row = lookup(conn, addr.key, req.now)
    if row is None:
        check_ancestors(conn, addr, req.now)
        listed, member = inline_member(conn, addr, req.now)
        if not listed:
            member = server_owned(conn, addr, req.now, req.api_version)
        if member is not None:
            return json_response(200, member)
        raise not_found(addr)
    window = faults.read_after_create_404_seconds
    if window > 0 and req.now - row.created < window:
        raise not_found(addr)
    return row_response(conn, row, req.now)


def inline_member(conn: sqlite3.Connection, addr: Address, now: float) -> tuple[bool, dict[str, Any] | None]:
    """(whether the parent lists such sub-resources inline, the one named): a sub-resource the parent's
    PUT declared inline (a load balancer's ``properties.probes[]``, a VPN site's ``vpnSiteLinks``), which
    ARM serves at ``{parent}/{list name}/{name}`` (recorded for Microsoft.Network; the resource-provider
    contract's nested resources shown in their parent)."""
    parent = lookup(conn, addr.parent_id.lower(), now) if addr.parent_id else None
    if parent is None or addr.type_key.count("/") < 2:
        return False, None
    props = json.loads(parent.body).get("properties")
    segment = addr.arm_type.rsplit("/", 1)[1].lower()
    listed = next((v for k, v in props.items() if k.lower() == segment), None) if isinstance(props, dict) else None
    if not isinstance(listed, list):
        return False, None
    for item in listed:
        if isinstance(item, dict) and str(item.get("name", "")).lower() == addr.name.lower():
            return True, {"id": addr.id, **item}
    return True, None


def server_owned(conn: sqlite3.Connection, addr: Address, now: float, api_version: str) -> dict[str, Any] | None:
    """A child the service creates with its parent (its type is readable but writable at no scope in ARM's
    type index: SQL ``automaticTuning/current``, ``serviceObjectives``): there as long as its parent is."""
    flags = flags_for(addr.type_key, api_version)
    if flags is None or not flags.server_owned or not (addr.extension or addr.type_key.count("/") >= 2):
        return None
    try:
        check_ancestors(conn, addr, now)  # its parent (or the scope it extends) is there
    except ArmError:
        return None
    return {"id": addr.id, "name": addr.name, "type": addr.arm_type, "properties": {}}


def not_found(addr: Address) -> ArmError:
    """404 ResourceNotFound in ARM's words for an address."""
    where = f" under resource group '{addr.rg}'" if addr.rg else ""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{addr.arm_type}/{addr.name}'{where} was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def check_ancestors(conn: sqlite3.Connection, addr: Address, now: float) -> None:
    """404 ResourceGroupNotFound / ParentResourceNotFound when the address's container is missing."""
    if addr.rg is not None:
        rg_row = lookup(conn, addr.rg_id.lower(), now)
        if rg_row is None:
            raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{addr.rg}' could not be found.")
    parent = addr.parent_id
    if not parent or parent.lower() == addr.rg_id.lower() or parent.count("/") <= 2:
        return
    key = parent.lower()
    while True:
        found = lookup(conn, key, now)
        if found is not None:
            return
        parent_type = type_of(key)
        row_type = TYPES.get(parent_type)
        owned = flags_for(parent_type)
        if (row_type is not None and row_type.implicit) or (owned is not None and owned.server_owned):
            key = key.rsplit("/", 2)[0]  # a level that exists with its own parent
            continue
        break
    if addr.extension:
        raise ArmError(404, "ResourceNotFound", f"The scope resource '{parent}' was not found.")
    raise ArmError(
        404,
        "ParentResourceNotFound",
        f"Can not perform requested operation on nested resource. Parent resource '{parent}' not found.",
    )


def type_of(key: str) -> str:
    """The lower-cased ARM type of a stored key."""
    segs = key.strip("/").split("/")
    low = [s.lower() for s in segs]
    at = [i for i in range(2, len(segs) - 1) if low[i] == "providers" and i % 2 == 0]
    if not at:
        return RG_TYPE if len(segs) == 4 else ""
    tail = low[at[-1] + 1 :]
    return "/".join([tail[0], *tail[1::2]])
