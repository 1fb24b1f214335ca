"""Composing a stored body from a PUT: ARM's resource envelope, server-set fields, inline children.

What a provider keeps of a PUT (resource-provider contract, put-resource.md):
the writable envelope fields, minus write-only ones, plus defaults and
computed values the server fills (emulator/bodies.py, computed.py,
readback.py); an inline child list (a route table's routes) is stored as
child rows, replaced wholesale by the parent's PUT.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from emulator import bodies, computed, locations, readback, shapes
from emulator.addressing import Address, check_resource_name, parse_path
from emulator.errors import ArmError
from emulator.etags import new_etag, with_etag
from emulator.faults import FaultConfig
from emulator.reads import RG_TYPE
from emulator.role_rules import ROLE_ASSIGNMENT_TYPE
from emulator.store import Row, Store
from emulator.types import TYPES, TypeBehaviour

# The writable top-level fields of an ARM resource (resource-provider contract, put-resource.md).
ENVELOPE = frozenset(
    {"location", "tags", "sku", "kind", "identity", "properties", "plan", "zones", "managedBy", "extendedLocation"}
)


def compose(
    addr: Address,
    behaviour: TypeBehaviour,
    payload: dict[str, Any],
    final: str,
    faults: FaultConfig,
    api_version: str = "",
) -> dict[str, Any]:
    """The settled body: caller's body minus what the server owns or never returns, plus server fields."""
    if addr.type_key == RG_TYPE:
        out: dict[str, Any] = {"id": addr.id, "name": addr.name, "type": "Microsoft.Resources/resourceGroups"}
        for key in ("location", "managedBy", "tags"):
            if key in payload:
                out[key] = payload[key]
        out["properties"] = {"provisioningState": "Succeeded"}
        return out
    # ARM's resource envelope: other top-level fields are dropped (the provider deserialises into
    # its model), read-only ones (id, name, type, etag, systemData) are ignored on PUT
    work = {k: v for k, v in payload.items() if k in ENVELOPE}
    props = work.get("properties")
    if isinstance(props, dict):
        props.pop("provisioningState", None)
    if isinstance(work.get("location"), str):
        work["location"] = locations.spelled(addr.type_key, work["location"])
    bodies.apply_renames(work, behaviour)
    bodies.strip_write_only(work, behaviour)
    readback.drop_client_fields(addr.type_key, api_version, work)
    bodies.apply_defaults(work, behaviour.defaults, addr.id, addr.key)
    computed.fill(addr.type_key, work, addr.id, addr.key)
    readback.rewrite(addr.type_key, work, api_version)
    for path, value in faults.rewrites(addr.type_key):
        if bodies.get_path(work, path) is not None:
            bodies.set_path(work, path, value)  # injected: a value the server replaces
    if addr.type_key == ROLE_ASSIGNMENT_TYPE:
        work.setdefault("properties", {})["scope"] = addr.parent_id
    out = {"id": addr.id, "name": addr.name}
    if behaviour.has_type:
        out["type"] = behaviour.arm_type if addr.type_key in TYPES else addr.arm_type
    out.update(work)
    # a type no table models carries provisioningState only where its definition has one (ARM's type index)
    modelled = addr.type_key in TYPES
    if behaviour.has_provisioning_state and (modelled or shapes.type_class(addr.type_key, api_version) != "nops"):
        props = out.setdefault("properties", {})
        if isinstance(props, dict):
            props["provisioningState"] = final
    return out


def replace_children(
    conn: sqlite3.Connection,
    now: float,
    parent: Row,
    child_type: str,
    items: list[Any],
    faults: FaultConfig,
    api_version: str = "",
) -> None:
    """A parent PUT replaces its inline children: listed ones are upserted, others deleted."""
    child_behaviour = TYPES[child_type]
    segment = child_behaviour.arm_type.rsplit("/", 1)[1]
    keep: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ArmError(400, "InvalidRequestFormat", f"Every item of {segment} needs a name.")
        name = item["name"]
        check_resource_name(name)
        cid = f"{parent.id}/{segment}/{name}"
        child_addr = Address(
            "resource",
            sub=parent.sub,
            rg=parse_path(parent.id).rg,
            id=cid,
            type_key=child_type,
            arm_type=child_behaviour.arm_type,
            name=name,
            parent_id=parent.id,
            namespace=child_behaviour.arm_type.split("/", 1)[0],
        )
        existing = Store.get(conn, cid.lower())
        body = compose(child_addr, child_behaviour, dict(item), "Succeeded", faults, api_version)
        etag = new_etag()
        if child_behaviour.has_etag:
            body = with_etag(body, etag)
        Store.put(
            conn,
            Row(
                key=cid.lower(),
                id=cid,
                sub=parent.sub,
                rg=parent.rg,
                type=child_type,
                parent=parent.key,
                kind="child",
                body=json.dumps(body),
                etag=etag,
                loc="",
                created=existing.created if existing else now,
                busy_until=0.0,
                busy_kind="",
                principal=None,
                seq=existing.seq if existing else time.time_ns(),
            ),
        )
        keep.add(cid.lower())
    for child in Store.children(conn, parent.key, child_type):
        if child.key not in keep:
            Store.delete_tree(conn, child.key)


def pop_list(body: dict[str, Any], path: str) -> list[Any] | None:
    """Remove and return the list at a dotted path (None when absent or not a list)."""
    parts = path.split(".")
    node: Any = body
    for part in parts[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            return None
        node = node[part]
    value = node.pop(parts[-1], None) if isinstance(node, dict) else None
    return value if isinstance(value, list) else None
