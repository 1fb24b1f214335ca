"""Listing: a type's collection, a group's or subscription's resources, resource groups; paging and $filter.

Paging follows ARM's nextLink contract (an opaque ``$skiptoken``);
``$filter`` supports the clauses ARM's generic list documents (tagName,
tagValue, resourceType, name, location) and, for role assignments,
``atScope()`` and ``principalId eq``.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from emulator import bodies
from emulator.addressing import Address
from emulator.errors import ArmError
from emulator.exchange import EmulatorResponse, Request, json_response
from emulator.reads import RG_TYPE, check_ancestors, render
from emulator.role_rules import ROLE_ASSIGNMENT_TYPE
from emulator.store import Row, Store
from emulator.types import TYPES

_T = TypeVar("_T")
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


class Listing:
    """Answers list requests from the store, ``page_size`` items a page."""

    def __init__(self, store: Store, page_size: int) -> None:
        self._store = store
        self.page_size = page_size

    def resource_groups(self, req: Request, addr: Address) -> EmulatorResponse:
        """GET /subscriptions/{sub}/resourcegroups, with $filter and paging."""
        conn = self._store.read()
        rows = Store.of_type(conn, addr.sub.lower(), None, RG_TYPE)
        items = [render(conn, r, req.now) for r in rows if not (r.busy_kind == "delete" and req.now >= r.busy_until)]
        clauses = parse_filter(req.query.get("$filter", ""))
        return self._page(req, [i for i in items if matches(i, clauses)])

    def collection(self, req: Request, addr: Address) -> EmulatorResponse:
        """GET of a collection of one type (in a group, a subscription, or under a parent), paged."""
        conn = self._store.read()
        parent_key = addr.parent_id.lower()
        sub = addr.sub.lower()
        rg: str | None = (addr.rg or "").lower()
        parent: str | None = None
        if addr.rg is None and not addr.extension and parent_key.count("/") == 2:
            rg = None
        elif parent_key != addr.rg_id.lower():
            check_ancestors(conn, addr, req.now)
            parent = parent_key
        else:
            check_ancestors(conn, addr, req.now)
        if addr.type_key == ROLE_ASSIGNMENT_TYPE:
            # Filtered on their bodies: read them whole.
            rows = (
                Store.children(conn, parent, addr.type_key)
                if parent is not None
                else Store.of_type(conn, sub, rg, addr.type_key)
            )
            rows = [r for r in rows if not (r.busy_kind == "delete" and req.now >= r.busy_until)]
            rows = filter_role_assignments(rows, req.query.get("$filter", ""), parent_key)
            page_rows, next_link = self._page_of(req, rows)
        else:
            # Page in SQL, then read and render only the page's rows: reading
            # every row for every page made listing grow with pages x rows.
            skip = int(req.query.get("$skiptoken", "0") or 0)
            keys = Store.listing(
                conn, sub=sub, rg=rg, parent=parent, type_key=addr.type_key, now=req.now,
                offset=skip, limit=self.page_size + 1,
            )
            page_rows = Store.get_many(conn, keys[: self.page_size])
            next_link = None
            if len(keys) > self.page_size:
                params = {**req.query, "$skiptoken": str(skip + self.page_size)}
                next_link = f"{req.base}{quote(req.path)}?{urlencode(params)}"
        return json_response(200, {"value": [render(conn, r, req.now) for r in page_rows], "nextLink": next_link})

    def generic(self, req: Request, addr: Address) -> EmulatorResponse:
        """GET .../resources: every top-level resource, generic fields only, $filter and a cursor."""
        conn = self._store.read()
        if addr.rg is not None:
            check_ancestors(conn, addr, req.now)
        clauses = parse_filter(req.query.get("$filter", ""))
        # The skip token is a creation-order cursor (opaque to clients, as
        # ARM's are): each page reads on from where the last one stopped.
        after = int(req.query.get("$skiptoken", "-1") or -1)
        items: list[dict[str, Any]] = []
        next_link = None
        last_seq = after
        for row in Store.top_level(conn, addr.sub.lower(), addr.rg.lower() if addr.rg else None, after):
            if row.busy_kind == "delete" and req.now >= row.busy_until:
                continue
            body = json.loads(row.body)
            if not isinstance(body, dict):  # a damaged stored body: ARM lists from its own index
                body = {}
            if not matches(body, clauses):
                continue
            if len(items) == self.page_size:
                params = {**req.query, "$skiptoken": str(last_seq)}
                next_link = f"{req.base}{quote(req.path)}?{urlencode(params)}"
                break
            generic = {"id": body.get("id", row.id), "name": body.get("name", row.id.rsplit("/", 1)[-1]),
                       "type": arm_type_of(row, body)}
            for key in ("kind", "location", "tags", "sku", "identity", "managedBy", "plan"):
                if key in body:
                    generic[key] = body[key]
            items.append(generic)
            last_seq = row.seq
        return json_response(200, {"value": items, "nextLink": next_link})

    def _page_of(self, req: Request, items: list[_T]) -> tuple[list[_T], str | None]:
        skip = int(req.query.get("$skiptoken", "0") or 0)
        next_link = None
        if skip + self.page_size < len(items):
            params = {**req.query, "$skiptoken": str(skip + self.page_size)}
            next_link = f"{req.base}{quote(req.path)}?{urlencode(params)}"
        return items[skip : skip + self.page_size], next_link

    def _page(self, req: Request, items: list[dict[str, Any]]) -> EmulatorResponse:
        page, next_link = self._page_of(req, items)
        return json_response(200, {"value": page, "nextLink": next_link})


def parse_filter(text: str) -> list[tuple[str, str]]:
    """``$filter`` clauses joined by ``and``: ``tagName eq 'x'``, ``tagValue eq 'y'``, ``resourceType eq 'z'``."""
    if not text.strip():
        return []
    out: list[tuple[str, str]] = []
    for clause in re.split(r"\s+and\s+", text, flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ArmError(400, "InvalidFilterInQueryString", f"Invalid $filter clause '{clause.strip()}'.")
        out.append((match.group(1).lower(), match.group(2).replace("''", "'")))
    return out


def matches(body: dict[str, Any], clauses: list[tuple[str, str]]) -> bool:
    """Whether a body passes every clause of a parsed ``$filter``."""
    tags = body.get("tags") if isinstance(body.get("tags"), dict) else {}
    assert isinstance(tags, dict)
    tag_name = next((v for k, v in clauses if k == "tagname"), None)
    for key, value in clauses:
        if key == "resourcetype" and str(body.get("type", "")).lower() != value.lower():
            return False
        if key == "name" and str(body.get("name", "")).lower() != value.lower():
            return False
        if key == "location" and bodies.normalise_location(str(body.get("location", ""))) != bodies.normalise_location(value):
            return False
        if key == "tagname" and not any(k.lower() == value.lower() for k in tags):
            return False
        if key == "tagvalue":
            if tag_name is None:
                return False
            if not any(k.lower() == tag_name.lower() and str(v) == value for k, v in tags.items()):
                return False
    return True


def filter_role_assignments(rows: list[Row], text: str, scope_key: str) -> list[Row]:
    """Role assignment list filters: ``atScope()`` and ``principalId eq '...'``."""
    text = text.strip()
    if not text:
        return rows
    out = rows
    for clause in re.split(r"\s+and\s+", text, flags=re.IGNORECASE):
        if clause.strip().lower() == "atscope()":
            out = [r for r in out if r.parent == scope_key]
            continue
        match = _CLAUSE.match(clause)
        if match and match.group(1).lower() == "principalid":
            wanted = match.group(2).lower()
            out = [r for r in out if str(json.loads(r.body).get("properties", {}).get("principalId", "")).lower() == wanted]
    return out


def arm_type_of(row: Row, body: dict[str, Any]) -> str:
    """The type a generic listing shows for a row: the known spelling, else the body's."""
    known = TYPES.get(row.type)
    if known is not None:
        return known.arm_type
    return str(body.get("type") or row.type)
