"""Etags: minting them, where they sit in a body, which writes move a parent's, and If-Match / If-None-Match.

The precondition table is docs/arm-semantics.md (ETags); the parents whose
etag moves when a child is written come from the recordings (routes, service
endpoint policy definitions, firewall policy rule collection groups).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from emulator.addressing import Address
from emulator.errors import ArmError
from emulator.exchange import Request
from emulator.store import Row, Store
from emulator.types import EMBEDDED_IN

ETAG_MOVING_PARENTS = frozenset(
    {"microsoft.network/routetables", "microsoft.network/serviceendpointpolicies", "microsoft.network/firewallpolicies"}
)


def new_etag() -> str:
    """A fresh weak etag, as ARM returns them."""
    return f'W/"{uuid.uuid4()}"'


def same_etag(a: str, b: str) -> bool:
    """Etags compare equal ignoring the weak prefix and the quotes."""
    def norm(v: str) -> str:
        v = v.strip()
        return v[2:] if v.startswith("W/") else v

    return a == b or norm(a).strip('"') == norm(b).strip('"')


def with_etag(body: dict[str, Any], etag: str) -> dict[str, Any]:
    """The body with its etag, placed after name/type where ARM puts it."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        out[key] = value
        if key == "name" or (key == "type" and "etag" not in out):
            out.setdefault("etag", etag)
    out["etag"] = etag
    return out


def moves_parent_etag(addr: Address) -> bool:
    """A child write changes its parent's etag: inline children, and the Network children the
    recordings show doing so (routes, service endpoint policy definitions, firewall policy rule groups)."""
    return addr.type_key in EMBEDDED_IN or addr.type_key.rsplit("/", 1)[0] in ETAG_MOVING_PARENTS


def bump_etag(conn: sqlite3.Connection, key: str) -> None:
    """A new etag on a stored row (and in its body when the body shows one)."""
    row = Store.get(conn, key)
    if row is None:
        return
    row.etag = new_etag()
    body = json.loads(row.body)
    if "etag" in body:
        body["etag"] = row.etag
        row.body = json.dumps(body)
    Store.put(conn, row)


def check_preconditions(req: Request, existing: Row | None, *, for_put: bool) -> None:
    """If-Match / If-None-Match per the table in docs/arm-semantics.md (ETags)."""
    if_match = req.headers.get("if-match")
    if_none = req.headers.get("if-none-match")
    if if_match is not None:
        if existing is None:
            if for_put:
                raise ArmError(412, "PreconditionFailed", "If-Match was given but the resource does not exist.")
        elif if_match.strip() != "*" and not same_etag(if_match, existing.etag):
            raise ArmError(412, "PreconditionFailed", "The If-Match etag does not match the resource's etag.")
    if if_none is not None and if_none.strip() == "*" and existing is not None:
        raise ArmError(412, "PreconditionFailed", "If-None-Match: * was given but the resource exists.")
