"""The emulator's request handler: ARM semantics over the SQLite store.

Facts modelled are those of docs/arm-semantics.md (status
codes, LRO protocol, etag table, throttling, eventual consistency); where a
detail comes from elsewhere, the line says so.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from emulator import (
    actions,
    activitylog,
    bodies,
    changes,
    computed,
    locations,
    readback,
    refusals,
    resourcegraph,
    shapes,
    web_config,
)
from emulator.addressing import Address, check_resource_group_name, check_resource_name, parse_path
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.errors import ArmError, ConnectionDropped, RequestTimedOut
from emulator.faults import BucketKind, FaultConfig, FaultInjector
from emulator.graph_quota import GraphQuota
from emulator.request_log import RequestRecord
from emulator.store import Operation, Row, Store
from emulator.types import EMBEDDED_IN, TYPES, TypeBehaviour, behaviour_for

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-[a-zA-Z]+)?$")
_RG_TYPE = "microsoft.resources/resourcegroups"
_IDENTITY_TYPE = "microsoft.managedidentity/userassignedidentities"
_ROLE_ASSIGNMENT_TYPE = "microsoft.authorization/roleassignments"
# Types that are always extension resources, never listed as a group's resources.
_EXTENSION_TYPES = frozenset({_ROLE_ASSIGNMENT_TYPE, "microsoft.insights/diagnosticsettings", "microsoft.authorization/locks"})
_TERMINAL = ("Succeeded", "Failed", "Canceled")
_ETAG_MOVING_PARENTS = frozenset(
    {"microsoft.network/routetables", "microsoft.network/serviceendpointpolicies", "microsoft.network/firewallpolicies"}
)
# The writable top-level fields of an ARM resource (resource-provider contract, put-resource.md).
_ENVELOPE = frozenset(
    {"location", "tags", "sku", "kind", "identity", "properties", "plan", "zones", "managedBy", "extendedLocation"}
)
_T = TypeVar("_T")
#: Requests kept in memory (`Emulator.request_log`); the state file keeps all.
REQUEST_LOG_MEMORY = 10_000
# Poll hints: azure-core reads Retry-After first, then retry-after-ms / x-ms-retry-after-ms
# (azure/core/pipeline/policies/_utils.py get_retry_after); 0 would mean the 30 s default.
_POLL_MS = "10"
_SUBSCRIPTION_DISPLAY = "Emulated subscription"


@dataclass
class EmulatorResponse:
    """An HTTP answer: status, headers, body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class _Request:
    method: str
    base: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes | None
    api_version: str
    now: float
    timeout: float | None


def _json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> EmulatorResponse:
    out = {"Content-Type": "application/json; charset=utf-8"}
    if headers:
        out.update(headers)
    return EmulatorResponse(status, out, json.dumps(payload).encode())


def _error_response(err: ArmError) -> EmulatorResponse:
    payload: dict[str, Any] = {
        "error": {"code": err.code, "message": err.message, "target": err.target, "details": []}
    }
    return _json_response(err.status, payload, err.headers)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def _same_etag(a: str, b: str) -> bool:
    def norm(v: str) -> str:
        v = v.strip()
        return v[2:] if v.startswith("W/") else v

    return a == b or norm(a).strip('"') == norm(b).strip('"')


def _poll_headers(remaining: float) -> dict[str, str]:
    """Small non-zero polling hints; Retry-After (whole seconds) only for LROs that last >= 1 s."""
    headers = {"retry-after-ms": _POLL_MS, "x-ms-retry-after-ms": _POLL_MS}
    if remaining >= 1.0:
        headers["Retry-After"] = str(int(min(remaining, 60)))
    return headers


class Emulator:
    """A local Azure Resource Manager: ``handle(method, url, headers, body)`` -> response."""

    def __init__(
        self,
        state_path: str | Path,
        *,
        faults: FaultConfig | None = None,
        page_size: int = 100,
        clock: Callable[[], float] = time.time,
        change_feed: changes.ChangeFeedConfig | None = None,
    ) -> None:
        self.state_path = Path(state_path)
        # the wall clock; a replay of recorded traffic passes its own to reproduce Azure's timing
        self.clock = clock
        self.faults = faults or FaultConfig()
        self.page_size = page_size
        # Bounded: a long-running embedded emulator (a controller's) must not
        # grow without limit; the state file's log keeps the full history.
        self.request_log: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_MEMORY)
        self._log_lock = threading.Lock()
        self._injector = FaultInjector(self.faults)
        self._store = Store(self.state_path)
        #: Who wrote what (emulator/changes.py): visibility delay and denial of the change APIs.
        self.change_feed = change_feed if change_feed is not None else changes.ChangeFeedConfig.from_env()
        with self._store.write() as conn:
            changes.ensure_schema(conn)
        self._graph_quota = GraphQuota(self.faults, clock)  # Resource Graph's per-user quota (emulator/graph_quota.py)

    # -- public ----------------------------------------------------------

    def reset(self) -> None:
        """Forget the whole estate, pending operations and the request log."""
        self._store.reset()
        with self._log_lock:
            self.request_log.clear()

    def close(self) -> None:
        """Close the database connection (reopened on next use)."""
        self._store.close()

    def handle(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        timeout: float | None = None,
    ) -> EmulatorResponse:
        """Answer one ARM request as Azure Resource Manager would.

        ``timeout`` is the caller's read timeout: an injected hang longer than it
        raises :class:`RequestTimedOut` after ``timeout`` seconds.
        """
        started = time.perf_counter()
        parts = urlsplit(url)
        query = {k.lower() if k.lower() == "api-version" else k: v for k, v in parse_qsl(parts.query)}
        req = _Request(
            method=method.upper(),
            base=f"{parts.scheme or 'https'}://{parts.netloc or 'management.azure.com'}",
            path=parts.path,
            query=query,
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
            api_version=query.get("api-version", ""),
            now=self.clock(),
            timeout=timeout,
        )
        try:
            response = self._handle_with_faults(req)
        except (ConnectionDropped, RequestTimedOut):
            self._log(req, 0, started)
            raise
        except ArmError as err:
            response = _error_response(err)
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        self._log(req, response.status, started)
        return response

    # -- faults, throttling, logging --------------------------------------

    def _handle_with_faults(self, req: _Request) -> EmulatorResponse:
        cfg = self.faults
        if cfg.latency_ms > 0:
            time.sleep(cfg.latency_ms / 1000.0)
        if self._injector.draw("drop", cfg.drop_rate):
            raise ConnectionDropped("connection dropped by injected fault")
        if self._injector.draw("hang", cfg.hang_rate):
            if req.timeout is not None and req.timeout < cfg.hang_seconds:
                time.sleep(req.timeout)
                raise RequestTimedOut(f"no answer within the caller's {req.timeout} s (injected hang)")
            time.sleep(cfg.hang_seconds)
        sub = _subscription_of(req.path)
        bucket: BucketKind = (
            "reads" if req.method in ("GET", "HEAD") else "deletes" if req.method == "DELETE" else "writes"
        )
        limit_headers: dict[str, str] = {}
        if sub:
            allowed, remaining, wait = self._injector.throttle(sub.lower(), bucket)
            limit_headers[f"x-ms-ratelimit-remaining-subscription-{bucket}"] = str(remaining)
            if not allowed:
                raise ArmError(
                    429,
                    "TooManyRequests",
                    f"The request is being throttled: the subscription's {bucket} budget is exhausted.",
                    headers={"Retry-After": str(wait), **limit_headers},
                )
        if self._injector.draw("error", cfg.error_rate):
            status = self._injector.error_status()
            code = "InternalServerError" if status == 500 else "ServiceUnavailable"
            raise ArmError(status, code, "Injected transient server error.", headers=limit_headers)
        try:
            with self._store.lock:
                response = self._route(req)
        except ArmError as err:
            err.headers.update(limit_headers)
            raise
        response.headers.update(limit_headers)
        return response

    def _log(self, req: _Request, status: int, started: float) -> None:
        latency = (time.perf_counter() - started) * 1000.0
        record = RequestRecord(req.method, req.path, req.api_version, status, latency, req.now)
        with self._log_lock:
            self.request_log.append(record)
        # the log is diagnostics; a busy or locked file must not fail the request
        with contextlib.suppress(sqlite3.DatabaseError), self._store.lock:
            self._store.read().execute(
                "INSERT INTO request_log (method, path, api_version, status, latency_ms, at) VALUES (?,?,?,?,?,?)",
                (record.method, record.path, record.api_version, record.status, record.latency_ms, record.at),
            )

    # -- routing ---------------------------------------------------------

    def _route(self, req: _Request) -> EmulatorResponse:
        feed = self._change_feed(req)
        if feed is not None:
            return feed
        addr = parse_path(req.path)
        kind = addr.kind
        if kind in ("operation_status", "operation_result"):
            return self._operation(req, addr)
        if not req.api_version:
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        if not _API_VERSION.match(req.api_version):
            raise ArmError(
                400,
                "InvalidApiVersionParameter",
                f"The api-version '{req.api_version}' is invalid. The supported versions are date-formatted "
                "(yyyy-mm-dd, optionally with a suffix such as -preview).",
            )
        if kind in ("subscriptions", "subscription", "providers", "provider", "provider_register"):
            return self._subscription_level(req, addr)
        if kind in ("resource_group", "resource_groups"):
            self._check_api_version(_RG_TYPE, req.api_version)
            if kind == "resource_groups":
                return self._list_resource_groups(req, addr)
            return self._resource_group(req, addr)
        if kind == "generic_list":
            self._check_api_version("microsoft.resources/resources", req.api_version)
            return self._generic_list(req, addr)
        self._check_api_version(addr.type_key, req.api_version)
        if kind == "collection" and req.method == "POST":
            return self._action(req, addr)
        if kind == "collection":
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a collection.")
            return self._list(req, addr)
        behaviour = behaviour_for(addr.type_key, addr.arm_type)
        if req.method == "GET":
            return self._get(req, addr, behaviour)
        if req.method == "PUT":
            return self._put(req, addr, behaviour)
        if req.method == "PATCH":
            return self._patch(req, addr, behaviour)
        if req.method == "DELETE":
            return self._delete(req, addr, behaviour)
        if req.method == "HEAD":
            found = self._lookup(self._store.read(), addr.key, req.now)
            return EmulatorResponse(204 if found else 404)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on {addr.arm_type}.")

    def _change_feed(self, req: _Request) -> EmulatorResponse | None:
        """Resource Graph and Activity Log queries over the recorded writes; None for other paths."""
        low = req.path.lower().rstrip("/")
        activity = _ACTIVITY_LOG.match(low)
        if low != "/providers/microsoft.resourcegraph/resources" and activity is None:
            return None
        if not req.api_version:
            raise ArmError(
                400, "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        conn = self._store.read()
        if activity is None:
            if req.method != "POST":
                raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed; POST a query.")
            payload, limits = resourcegraph.answer(conn, req.body, req.headers, now=req.now, config=self.change_feed,
                                                   faults=self.faults, quota=self._graph_quota)
            return _json_response(200, payload, limits)
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on the Activity Log.")
        payload = activitylog.answer(
            conn, activity.group(1), req.query, base=req.base, path=req.path, now=req.now, config=self.change_feed
        )
        return _json_response(200, payload)

    @staticmethod
    def _record_change(
        conn: sqlite3.Connection, req: _Request, addr: Address, before: str | None, after: str | None
    ) -> None:
        """Who wrote what, in the write's own transaction (emulator/changes.py)."""
        changes.record(
            conn,
            caller=changes.caller_of(req.headers),
            method=req.method,
            target_id=addr.id,
            arm_type=addr.arm_type,
            before=before,
            after=after,
            at=req.now,
            correlation_id=req.headers.get("x-ms-correlation-request-id") or str(uuid.uuid4()),
        )

    @staticmethod
    def _check_api_version(type_key: str, version: str) -> None:
        """400 NoRegisteredProviderFound for a version the type's provider does not serve."""
        probe = type_key
        while probe.count("/") >= 1:
            known = KNOWN_API_VERSIONS.get(probe)
            if known is not None:
                if version in known:
                    return
                raise ArmError(
                    400,
                    "NoRegisteredProviderFound",
                    f"No registered resource provider found for API version '{version}' and type "
                    f"'{type_key}'. The supported api-versions are '{', '.join(sorted(known))}'.",
                )
            probe = probe.rsplit("/", 1)[0]

    # -- reads -----------------------------------------------------------

    @staticmethod
    def _lookup(conn: sqlite3.Connection, key: str, now: float) -> Row | None:
        """The live row of a key; a finished asynchronous delete counts as gone."""
        row = Store.get(conn, key)
        if row is None:
            return None
        if row.busy_kind == "delete" and now >= row.busy_until:
            return None
        return row

    def _body_of(self, conn: sqlite3.Connection, resource_id: str, now: float) -> dict[str, Any] | None:
        """The stored body of another resource, or None."""
        row = self._lookup(conn, resource_id.lower(), now)
        return None if row is None else dict(json.loads(row.body))

    def _render(self, conn: sqlite3.Connection, row: Row, now: float) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(row.body)
        behaviour = TYPES.get(row.type)
        if now < row.busy_until and row.busy_kind:
            state = {"create": None, "update": None, "delete": "Deleting", "delete-fail": "Deleting"}.get(
                row.busy_kind
            )
            if behaviour is None or behaviour.has_provisioning_state:
                props = body.setdefault("properties", {})
                if isinstance(props, dict):
                    if state is None and behaviour is not None:
                        state = behaviour.creating_state if row.busy_kind == "create" else behaviour.updating_state
                    props["provisioningState"] = state or "Updating"
        if behaviour is not None and behaviour.embedded:
            for list_path, child_type in behaviour.embedded:
                items = [
                    self._render(conn, child, now)
                    for child in Store.children(conn, row.key, child_type)
                    if not (child.busy_kind == "delete" and now >= child.busy_until)
                ]
                bodies.set_path(body, list_path, items)
        return body

    def _row_response(self, conn: sqlite3.Connection, row: Row, now: float, status: int = 200) -> EmulatorResponse:
        behaviour = TYPES.get(row.type)
        headers = {"Content-Type": "application/json; charset=utf-8", "ETag": row.etag}
        if now >= row.busy_until and (behaviour is None or not behaviour.embedded):
            # fast path: the stored body is exactly the settled answer
            return EmulatorResponse(status, headers, row.body.encode())
        return EmulatorResponse(status, headers, json.dumps(self._render(conn, row, now)).encode())

    def _get(self, req: _Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        conn = self._store.read()
        row = self._lookup(conn, addr.key, req.now)
        if row is None:
            self._check_ancestors(conn, addr, req.now)
            raise self._not_found(addr)
        window = self.faults.read_after_create_404_seconds
        if window > 0 and req.now - row.created < window:
            raise self._not_found(addr)
        return self._row_response(conn, row, req.now)

    def _web_config_list(self, req: _Request, addr: Address) -> EmulatorResponse:
        """`POST {id}/list`: the config resources App Service reads only this way
        (app settings, connection strings: they hold secrets)."""
        target_id, _, action = addr.id.rpartition("/")
        target = parse_path(target_id)
        if (action.lower() != "list" or target.kind != "resource" or target.type_key != web_config.CONFIG
                or target.name.lower() not in web_config.LISTED):
            raise ArmError(404, "NotFound", f"No action '{action}' is served on '{target_id}'.")
        conn = self._store.read()
        row = self._lookup(conn, target.key, req.now)
        if row is not None:
            return self._row_response(conn, row, req.now)
        self._check_ancestors(conn, target, req.now)
        # A site whose settings were never written has none.
        return _json_response(
            200, {"id": target.id, "name": target.name, "type": "Microsoft.Web/sites/config", "properties": {}}
        )

    @staticmethod
    def _not_found(addr: Address) -> ArmError:
        where = f" under resource group '{addr.rg}'" if addr.rg else ""
        return ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{addr.arm_type}/{addr.name}'{where} was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        )

    def _check_ancestors(self, conn: sqlite3.Connection, addr: Address, now: float) -> None:
        """404 ResourceGroupNotFound / ParentResourceNotFound when the address's container is missing."""
        if addr.rg is not None:
            rg_row = self._lookup(conn, addr.rg_id.lower(), now)
            if rg_row is None:
                raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{addr.rg}' could not be found.")
        parent = addr.parent_id
        if not parent or parent.lower() == addr.rg_id.lower() or parent.count("/") <= 2:
            return
        key = parent.lower()
        while True:
            found = self._lookup(conn, key, now)
            if found is not None:
                return
            parent_type = _type_of(key)
            row_type = TYPES.get(parent_type)
            if row_type is not None and row_type.implicit:
                key = key.rsplit("/", 2)[0]
                continue
            break
        if addr.extension:
            raise ArmError(404, "ResourceNotFound", f"The scope resource '{parent}' was not found.")
        raise ArmError(
            404,
            "ParentResourceNotFound",
            f"Can not perform requested operation on nested resource. Parent resource '{parent}' not found.",
        )

    def _list(self, req: _Request, addr: Address) -> EmulatorResponse:
        conn = self._store.read()
        parent_key = addr.parent_id.lower()
        sub = addr.sub.lower()
        rg: str | None = (addr.rg or "").lower()
        parent: str | None = None
        if addr.rg is None and not addr.extension and parent_key.count("/") == 2:
            rg = None
        elif parent_key != addr.rg_id.lower():
            self._check_ancestors(conn, addr, req.now)
            parent = parent_key
        else:
            self._check_ancestors(conn, addr, req.now)
        if addr.type_key == _ROLE_ASSIGNMENT_TYPE:
            # Filtered on their bodies: read them whole.
            rows = (
                Store.children(conn, parent, addr.type_key)
                if parent is not None
                else Store.of_type(conn, sub, rg, addr.type_key)
            )
            rows = [r for r in rows if not (r.busy_kind == "delete" and req.now >= r.busy_until)]
            rows = _filter_role_assignments(rows, req.query.get("$filter", ""), parent_key)
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
        return _json_response(200, {"value": [self._render(conn, r, req.now) for r in page_rows], "nextLink": next_link})

    def _page_of(self, req: _Request, items: list[_T]) -> tuple[list[_T], str | None]:
        skip = int(req.query.get("$skiptoken", "0") or 0)
        next_link = None
        if skip + self.page_size < len(items):
            params = {**req.query, "$skiptoken": str(skip + self.page_size)}
            next_link = f"{req.base}{quote(req.path)}?{urlencode(params)}"
        return items[skip : skip + self.page_size], next_link

    def _page(self, req: _Request, items: list[dict[str, Any]]) -> EmulatorResponse:
        page, next_link = self._page_of(req, items)
        return _json_response(200, {"value": page, "nextLink": next_link})

    def _generic_list(self, req: _Request, addr: Address) -> EmulatorResponse:
        conn = self._store.read()
        if addr.rg is not None:
            self._check_ancestors(conn, addr, req.now)
        clauses = _parse_filter(req.query.get("$filter", ""))
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
            if not _matches(body, clauses):
                continue
            if len(items) == self.page_size:
                params = {**req.query, "$skiptoken": str(last_seq)}
                next_link = f"{req.base}{quote(req.path)}?{urlencode(params)}"
                break
            generic = {"id": body.get("id", row.id), "name": body.get("name"), "type": _arm_type_of(row, body)}
            for key in ("kind", "location", "tags", "sku", "identity", "managedBy", "plan"):
                if key in body:
                    generic[key] = body[key]
            items.append(generic)
            last_seq = row.seq
        return _json_response(200, {"value": items, "nextLink": next_link})

    # -- writes ----------------------------------------------------------

    def _put(self, req: _Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        payload = _parse_body(req.body)
        check_resource_name(addr.name)
        rule = behaviour.name_rule
        if rule is not None and not rule.pattern.match(addr.name):
            raise ArmError(400, rule.code, f"The name '{addr.name}' is invalid: it {rule.description}.", target="name")
        with self._store.write() as conn:
            self._check_ancestors(conn, addr, req.now)
            existing = self._lookup(conn, addr.key, req.now)
            self._check_preconditions(req, existing, for_put=True)
            self._check_busy(conn, addr, behaviour, existing, req.now)
            if self._injector.draw("conflict", self.faults.conflict_rate):
                raise ArmError(409, "AnotherOperationInProgress", "Injected: another operation is in progress on this resource.")
            location = payload.get("location")
            if existing is not None and isinstance(location, str) and existing.loc and existing.loc != bodies.normalise_location(location):
                raise ArmError(
                    400,
                    "InvalidResourceLocation",
                    f"The resource '{addr.name}' already exists in location '{existing.loc}'. A resource with the "
                    f"same name cannot be created in location '{location}'.",
                    target="location",
                )
            if existing is None and _row_kind(addr) == "top" and addr.type_key in TYPES and not isinstance(location, str):
                # a tracked resource needs its location (resource-provider contract; Network answers
                # LocationRequired, quoted in pulumi/pulumi-azure-native#215)
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.", target="location")
            if addr.type_key == _ROLE_ASSIGNMENT_TYPE:
                self._check_role_assignment(conn, addr, payload, req.now)
            if addr.type_key in locations.INHERITED and "location" not in payload:
                parent = self._lookup(conn, addr.parent_id.lower(), req.now)
                parent_location = json.loads(parent.body).get("location") if parent is not None else None
                if isinstance(parent_location, str):
                    payload["location"] = parent_location
            refusals.refuse(addr.type_key, payload, existing is None, lambda rid: self._body_of(conn, rid, req.now))
            return self._store_put(conn, req, addr, behaviour, payload, existing)

    def _store_put(
        self,
        conn: sqlite3.Connection,
        req: _Request,
        addr: Address,
        behaviour: TypeBehaviour,
        payload: dict[str, Any],
        existing: Row | None,
        *,
        patch: bool = False,
    ) -> EmulatorResponse:
        now = req.now
        shape = shapes.recorded(addr.type_key, "PATCH" if patch else "PUT-create" if existing is None else "PUT-update")
        if shape is not None:
            lro = shape.running
        elif patch:
            # UpdateTags / PATCH answers synchronously with the body unless traffic shows otherwise
            # (recordings: VNet, public IP, route table, Key Vault, App Service PATCH are all 200 + body)
            lro = False
        else:
            lro = behaviour.put_style != "sync" and not (behaviour.put_style == "location" and existing is not None)
        duration = self.faults.lro_duration(addr.type_key) if lro else 0.0
        fails = lro and self._injector.lro_fails(addr.name)
        configs = web_config.split_site(payload) if addr.type_key == web_config.SITES else {}
        if addr.type_key == web_config.CONFIG and addr.name.lower() == "web" and existing is not None:
            # siteConfig fields a PUT leaves out keep their values
            kept = json.loads(existing.body).get("properties") or {}
            payload["properties"] = {**kept, **(payload.get("properties") or {})}
        embedded_lists: dict[str, tuple[str, list[Any] | None]] = {}
        for list_path, child_type in behaviour.embedded:
            embedded_lists[list_path] = (child_type, _pop(payload, list_path))
        body = self._compose(addr, behaviour, payload, "Failed" if fails else "Succeeded")
        etag = _new_etag()
        if behaviour.has_etag:
            body = _with_etag(body, etag)
        text = json.dumps(body)
        if existing is None and Store.get(conn, addr.key) is not None:
            Store.delete_tree(conn, addr.key)  # the leftover of a finished asynchronous delete
        created = existing is None
        busy_kind = ("create" if created else "update") if lro and duration > 0 else ""
        row = Row(
            key=addr.key,
            id=addr.id,
            sub=addr.sub.lower(),
            rg=(addr.rg or "").lower(),
            type=addr.type_key,
            parent=addr.parent_id.lower(),
            kind=_row_kind(addr),
            body=text,
            etag=etag,
            loc=bodies.normalise_location(payload["location"]) if isinstance(payload.get("location"), str) else (existing.loc if existing else ""),
            created=now if existing is None else existing.created,
            busy_until=now + duration if busy_kind else 0.0,
            busy_kind=busy_kind,
            principal=_principal_of(addr.type_key, body),
            seq=time.time_ns() if existing is None else existing.seq,
        )
        Store.put(conn, row)
        self._record_change(conn, req, addr, None if existing is None else existing.body, text)
        for child_type, items in embedded_lists.values():
            if patch and items is None:
                continue
            self._replace_children(conn, req, row, child_type, items or [])
        if _moves_parent_etag(addr):
            _bump_etag(conn, addr.parent_id.lower())
        for config_name, properties in configs.items():
            config = parse_path(f"{addr.id}/config/{config_name}")
            self._store_put(conn, req, config, behaviour_for(config.type_key, config.arm_type),
                            {"properties": properties}, self._lookup(conn, config.key, now))
        status = behaviour.create_status if created else 200
        if shape is not None:
            status = shape.status
        if not lro:
            if shape is not None and not shape.body:
                return EmulatorResponse(status, {"ETag": etag}, b"")
            return self._row_response(conn, row, now, status)
        op = self._start_operation(conn, addr, "patch" if patch else "put", now, duration, fails)
        poll = _poll_headers(duration)
        if shape is not None:
            return self._recorded_answer(conn, req, addr, behaviour, row, op, shape, created)
        if behaviour.put_style == "location" or patch:
            headers = {"Location": self._operation_url(req, addr, op.id, "operationResults"), **poll}
            return EmulatorResponse(202, headers, b"")
        pending = json.loads(text)
        if behaviour.has_provisioning_state and isinstance(pending.get("properties"), dict):
            pending["properties"]["provisioningState"] = behaviour.creating_state if created else behaviour.updating_state
        if behaviour.embedded:
            rendered = self._render(conn, row, now)
            for list_path, _child in behaviour.embedded:
                bodies.set_path(pending, list_path, bodies.get_path(rendered, list_path) or [])
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "ETag": etag,
            "Azure-AsyncOperation": self._operation_url(req, addr, op.id, "operationStatuses"),
            **poll,
        }
        return EmulatorResponse(status, headers, json.dumps(pending).encode())

    def _recorded_answer(
        self,
        conn: sqlite3.Connection,
        req: _Request,
        addr: Address,
        behaviour: TypeBehaviour,
        row: Row,
        op: Operation,
        shape: shapes.AnswerShape,
        created: bool,
    ) -> EmulatorResponse:
        """A write's first answer in the shape real ARM gave for this type (emulator.shapes)."""
        headers = {"ETag": row.etag, **_poll_headers(op.end - req.now)}
        if shape.async_operation:
            headers["Azure-AsyncOperation"] = self._operation_url(req, addr, op.id, "operationStatuses")
        if shape.location:
            headers["Location"] = self._operation_url(req, addr, op.id, "operationResults")
        if not shape.body:
            return EmulatorResponse(shape.status, headers, b"")
        pending = self._render(conn, row, req.now)
        props = pending.get("properties")
        if isinstance(props, dict) and (shape.provisioning_state or behaviour.has_provisioning_state):
            props["provisioningState"] = shape.provisioning_state or (
                behaviour.creating_state if created else behaviour.updating_state
            )
        headers["Content-Type"] = "application/json; charset=utf-8"
        return EmulatorResponse(shape.status, headers, json.dumps(pending).encode())

    def _compose(self, addr: Address, behaviour: TypeBehaviour, payload: dict[str, Any], final: str) -> dict[str, Any]:
        """The settled body: caller's body plus server fields, minus write-only fields."""
        if addr.type_key == _RG_TYPE:
            out: dict[str, Any] = {"id": addr.id, "name": addr.name, "type": "Microsoft.Resources/resourceGroups"}
            for key in ("location", "managedBy", "tags"):
                if key in payload:
                    out[key] = payload[key]
            out["properties"] = {"provisioningState": "Succeeded"}
            return out
        # ARM's resource envelope: other top-level fields are dropped (the provider deserialises into
        # its model), read-only ones (id, name, type, etag, systemData) are ignored on PUT
        work = {k: v for k, v in payload.items() if k in _ENVELOPE}
        props = work.get("properties")
        if isinstance(props, dict):
            props.pop("provisioningState", None)
        if isinstance(work.get("location"), str):
            work["location"] = locations.spelled(addr.type_key, work["location"])
        bodies.apply_renames(work, behaviour)
        bodies.strip_write_only(work, behaviour)
        bodies.apply_defaults(work, behaviour.defaults, addr.id, addr.key)
        computed.fill(addr.type_key, work, addr.id, addr.key)
        readback.rewrite(addr.type_key, work)
        for path, value in self.faults.rewrites(addr.type_key):
            if bodies.get_path(work, path) is not None:
                bodies.set_path(work, path, value)  # injected: a value the server replaces
        if addr.type_key == _ROLE_ASSIGNMENT_TYPE:
            work.setdefault("properties", {})["scope"] = addr.parent_id
        out = {"id": addr.id, "name": addr.name}
        if behaviour.has_type:
            out["type"] = behaviour.arm_type if addr.type_key in TYPES else addr.arm_type
        out.update(work)
        if behaviour.has_provisioning_state:
            props = out.setdefault("properties", {})
            if isinstance(props, dict):
                props["provisioningState"] = final
        return out

    def _replace_children(
        self, conn: sqlite3.Connection, req: _Request, parent: Row, child_type: str, items: list[Any]
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
            body = self._compose(child_addr, child_behaviour, dict(item), "Succeeded")
            etag = _new_etag()
            if child_behaviour.has_etag:
                body = _with_etag(body, etag)
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
                    created=existing.created if existing else req.now,
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

    def _check_preconditions(self, req: _Request, existing: Row | None, *, for_put: bool) -> None:
        """If-Match / If-None-Match per the table in ARM-SEMANTICS.md (ETags)."""
        if_match = req.headers.get("if-match")
        if_none = req.headers.get("if-none-match")
        if if_match is not None:
            if existing is None:
                if for_put:
                    raise ArmError(412, "PreconditionFailed", "If-Match was given but the resource does not exist.")
            elif if_match.strip() != "*" and not _same_etag(if_match, existing.etag):
                raise ArmError(412, "PreconditionFailed", "The If-Match etag does not match the resource's etag.")
        if if_none is not None and if_none.strip() == "*" and existing is not None:
            raise ArmError(412, "PreconditionFailed", "If-None-Match: * was given but the resource exists.")

    def _check_busy(
        self, conn: sqlite3.Connection, addr: Address, behaviour: TypeBehaviour, existing: Row | None, now: float
    ) -> None:
        """One write at a time per resource (and per inline parent for network children)."""
        rows = [existing]
        if addr.type_key in EMBEDDED_IN:
            rows.append(Store.get(conn, addr.parent_id.lower()))
        for row in rows:
            if row is not None and row.busy_kind and now < row.busy_until:
                raise ArmError(
                    behaviour.busy_status,
                    behaviour.busy_code,
                    f"Operation on '{addr.name}' cannot be performed while another operation on "
                    f"'{row.id.rsplit('/', 1)[1]}' is in progress.",
                    headers={"Retry-After": "1"} if behaviour.busy_status == 429 else None,
                )

    def _check_role_assignment(self, conn: sqlite3.Connection, addr: Address, payload: dict[str, Any], now: float) -> None:
        props = payload.get("properties") if isinstance(payload.get("properties"), dict) else {}
        assert isinstance(props, dict)
        principal = str(props.get("principalId", ""))
        delay = self.faults.principal_delay_seconds
        if delay > 0 and principal and not props.get("principalType"):
            identity = Store.by_principal(conn, principal)
            if identity is not None and now - identity.created < delay:
                raise ArmError(
                    400,
                    "PrincipalNotFound",
                    f"Principal {principal.replace('-', '')} does not exist in the directory {bodies.EMULATOR_TENANT_ID}. "
                    "If you are creating this principal and then immediately assigning a role, this error might "
                    "be related to a replication delay.",
                )
        role = str(props.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
        for other in Store.children(conn, addr.parent_id.lower(), _ROLE_ASSIGNMENT_TYPE):
            if other.key == addr.key:
                continue
            other_props = json.loads(other.body).get("properties", {})
            if (
                str(other_props.get("principalId", "")).lower() == principal.lower()
                and str(other_props.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower() == role
            ):
                raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")

    def _patch(self, req: _Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        patch = _parse_body(req.body)
        with self._store.write() as conn:
            existing = self._lookup(conn, addr.key, req.now)
            if existing is None:
                self._check_ancestors(conn, addr, req.now)
                raise self._not_found(addr)
            self._check_preconditions(req, existing, for_put=False)
            self._check_busy(conn, addr, behaviour, existing, req.now)
            current = json.loads(existing.body)
            merged = bodies.merge_patch(current, {k: v for k, v in patch.items() if k != "tags"})
            if "tags" in patch:
                merged["tags"] = patch["tags"]
            return self._store_put(conn, req, addr, behaviour, merged, existing, patch=True)

    def _delete(self, req: _Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        with self._store.write() as conn:
            existing = self._lookup(conn, addr.key, req.now)
            if existing is None:
                if Store.get(conn, addr.key) is not None:
                    Store.delete_tree(conn, addr.key)
                return EmulatorResponse(204)
            self._check_preconditions(req, existing, for_put=False)
            self._check_busy(conn, addr, behaviour, existing, req.now)
            self._record_change(conn, req, addr, existing.body, None)
            if _moves_parent_etag(addr):
                _bump_etag(conn, addr.parent_id.lower())
            shape = shapes.recorded(addr.type_key, "DELETE")
            if not (shape.running if shape is not None else behaviour.delete_async):
                Store.delete_tree(conn, addr.key)
                return EmulatorResponse(shape.status if shape is not None else 200)
            duration = self.faults.lro_duration(addr.type_key)
            fails = self._injector.lro_fails(addr.name)
            if duration <= 0 and not fails:
                Store.delete_tree(conn, addr.key)
            else:
                if not fails:
                    _delete_contents(conn, addr.key)  # contents vanish while the container is deleting
                existing.busy_kind = "delete-fail" if fails else "delete"
                existing.busy_until = req.now + duration
                Store.put(conn, existing)
            op = self._start_operation(conn, addr, "delete", req.now, duration, fails)
            headers = {"Location": self._operation_url(req, addr, op.id, "operationResults"), **_poll_headers(duration)}
            if shape is not None and not shape.location:
                del headers["Location"]
            if (shape.async_operation if shape is not None else addr.type_key != _RG_TYPE):
                headers["Azure-AsyncOperation"] = self._operation_url(req, addr, op.id, "operationStatuses")
            return EmulatorResponse(202, headers, b"")

    def _action(self, req: _Request, addr: Address) -> EmulatorResponse:
        """POST {resource}/{action} or {provider}/{action}: emulator.actions answers, on a resource that exists."""
        if addr.id.lower().endswith("/list") and _type_of(addr.id.rsplit("/", 1)[0].lower()) == web_config.CONFIG:
            return self._web_config_list(req, addr)
        conn = self._store.read()
        parent_id, action = addr.id.rsplit("/", 1)
        parent_key = parent_id.lower()
        parent_type = _type_of(parent_key)
        taken = False
        if "/" in parent_type and "/locations/" not in parent_key and self._lookup(conn, parent_key, req.now) is None:
            self._check_ancestors(conn, addr, req.now)
            raise self._not_found(parse_path(parent_id))
        if action.lower() == "checknameavailability" and req.body:
            wanted = _parse_body(req.body)
            name, kind = str(wanted.get("name", "")), str(wanted.get("type", "")).lower()
            taken = any(
                str(json.loads(r.body).get("name", "")).lower() == name.lower()
                for r in Store.of_type(conn, addr.sub.lower(), None, kind)
            ) if kind.count("/") == 1 else False
        result = actions.answer(parent_type, parent_id, action, taken)
        headers: dict[str, str] = {}
        if result.async_operation or result.location:
            with self._store.write() as wconn:
                op = self._start_operation(wconn, addr, "action", req.now, self.faults.lro_duration(parent_type), False)
            headers.update(_poll_headers(op.end - req.now))
            if result.async_operation:
                headers["Azure-AsyncOperation"] = self._operation_url(req, addr, op.id, "operationStatuses")
            if result.location:
                headers["Location"] = self._operation_url(req, addr, op.id, "operationResults")
        if result.body is None:
            return EmulatorResponse(result.status, headers, b"")
        return _json_response(result.status, result.body, headers)

    # -- resource groups -------------------------------------------------

    def _resource_group(self, req: _Request, addr: Address) -> EmulatorResponse:
        behaviour = TYPES[_RG_TYPE]
        if req.method == "PUT":
            payload = _parse_body(req.body)
            check_resource_group_name(addr.name)
            if not isinstance(payload.get("location"), str):
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            with self._store.write() as conn:
                existing = self._lookup(conn, addr.key, req.now)
                self._check_preconditions(req, existing, for_put=True)
                if existing is not None and existing.busy_kind == "delete" and req.now < existing.busy_until:
                    raise ArmError(409, "ResourceGroupBeingDeleted", f"The resource group '{addr.name}' is in deprovisioning state.")
                if existing is not None and existing.loc != bodies.normalise_location(payload["location"]):
                    raise ArmError(
                        409,
                        "InvalidResourceGroupLocation",
                        f"Invalid resource group location '{payload['location']}'. The Resource group already exists "
                        f"in location '{existing.loc}'.",
                    )
                return self._store_put(conn, req, addr, behaviour, payload, existing)
        if req.method == "GET":
            return self._get(req, addr, behaviour)
        if req.method == "HEAD":
            found = self._lookup(self._store.read(), addr.key, req.now)
            return EmulatorResponse(204 if found else 404)
        if req.method == "DELETE":
            return self._delete(req, addr, behaviour)
        if req.method == "PATCH":
            return self._patch(req, addr, behaviour)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on resource groups.")

    def _list_resource_groups(self, req: _Request, addr: Address) -> EmulatorResponse:
        conn = self._store.read()
        rows = Store.of_type(conn, addr.sub.lower(), None, _RG_TYPE)
        items = [self._render(conn, r, req.now) for r in rows if not (r.busy_kind == "delete" and req.now >= r.busy_until)]
        clauses = _parse_filter(req.query.get("$filter", ""))
        return self._page(req, [i for i in items if _matches(i, clauses)])

    # -- subscriptions and providers --------------------------------------

    def _subscription_level(self, req: _Request, addr: Address) -> EmulatorResponse:
        if addr.kind == "subscriptions":
            subs = sorted({r[0] for r in self._store.read().execute("SELECT DISTINCT id FROM resources WHERE type = ?", (_RG_TYPE,)).fetchall()})
            ids = sorted({s.split("/")[2] for s in subs})
            return _json_response(200, {"value": [_subscription(s) for s in ids], "nextLink": None})
        if addr.kind == "subscription":
            return _json_response(200, _subscription(addr.sub))
        if addr.kind == "providers":
            namespaces = sorted({t.arm_type.split("/", 1)[0] for t in TYPES.values()}, key=str.lower)
            return _json_response(200, {"value": [_provider(addr.sub, ns) for ns in namespaces], "nextLink": None})
        return _json_response(200, _provider(addr.sub, addr.namespace))

    # -- long-running operations -------------------------------------------

    def _start_operation(
        self, conn: sqlite3.Connection, addr: Address, kind: str, now: float, duration: float, fails: bool
    ) -> Operation:
        error = None
        if fails:
            error = json.dumps(
                {"code": "ProvisioningFailed", "message": f"Injected: the {kind} of '{addr.name}' failed.", "target": addr.id}
            )
        op = Operation(
            id=uuid.uuid4().hex,
            key=addr.key,
            kind=kind,
            start=now,
            end=now + duration,
            outcome="Failed" if fails else "Succeeded",
            error=error,
        )
        Store.add_operation(conn, op)
        return op

    def _operation_url(self, req: _Request, addr: Address, op_id: str, leaf: str) -> str:
        namespace = addr.namespace or addr.arm_type.split("/", 1)[0] or "Microsoft.Resources"
        return (
            f"{req.base}/subscriptions/{addr.sub}/providers/{namespace}/locations/emulator/{leaf}/{op_id}"
            f"?api-version={req.api_version}"
        )

    def _operation(self, req: _Request, addr: Address) -> EmulatorResponse:
        op = self._store.operation(addr.op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"The operation '{addr.op_id}' was not found.")
        done = req.now >= op.end
        if op.kind == "delete" and done:
            self._finish_delete(op, req.now)
        if addr.kind == "operation_status":
            payload: dict[str, Any] = {
                "id": req.path,
                "name": op.id,
                "status": op.outcome if done else "InProgress",
                "startTime": _iso(op.start),
                "endTime": _iso(op.end) if done else None,
                "error": json.loads(op.error) if done and op.error else None,
            }
            headers = {} if done else _poll_headers(op.end - req.now)
            return _json_response(200, payload, headers)
        if not done:
            location = f"{req.base}{req.path}?api-version={req.api_version}"
            return EmulatorResponse(202, {"Location": location, **_poll_headers(op.end - req.now)}, b"")
        if op.error:
            err = json.loads(op.error)
            return _json_response(400, {"error": {**err, "details": []}})
        if op.kind == "delete":
            # recorded live traffic: a finished delete's operationResults answers 200, no body
            # (Service Bus, Redis, resource groups), where ARM-SEMANTICS.md suggested 204
            return EmulatorResponse(200)
        if op.kind == "action":
            # recorded: group actions (moveResources) end 204, resource actions (CDN purge, vault purge) 200
            return EmulatorResponse(204 if op.key.count("/") == 5 else 200)
        conn = self._store.read()
        row = self._lookup(conn, op.key, req.now)
        if row is None:
            return EmulatorResponse(204)
        return self._row_response(conn, row, req.now)

    def _finish_delete(self, op: Operation, now: float) -> None:
        """Purge a resource whose asynchronous delete has completed."""
        row = Store.get(self._store.read(), op.key)
        if row is None:
            return
        with self._store.write() as conn:
            row = Store.get(conn, op.key)
            if row is None:
                return
            if row.busy_kind == "delete" and now >= row.busy_until:
                Store.delete_tree(conn, op.key)
            elif row.busy_kind == "delete-fail" and now >= row.busy_until:
                body = json.loads(row.body)
                props = body.get("properties")
                if isinstance(props, dict) and "provisioningState" in props:
                    props["provisioningState"] = "Failed"
                row.body = json.dumps(body)
                row.busy_kind = ""
                row.busy_until = 0.0
                Store.put(conn, row)


# -- small pure functions ------------------------------------------------------


def _pop(body: dict[str, Any], path: str) -> list[Any] | None:
    parts = path.split(".")
    node: Any = body
    for part in parts[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            return None
        node = node[part]
    value = node.pop(parts[-1], None) if isinstance(node, dict) else None
    return value if isinstance(value, list) else None


def _with_etag(body: dict[str, Any], etag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body.items():
        out[key] = value
        if key == "name" or (key == "type" and "etag" not in out):
            out.setdefault("etag", etag)
    out["etag"] = etag
    return out


def _moves_parent_etag(addr: Address) -> bool:
    """A child write changes its parent's etag: inline children, and the Network children the
    recordings show doing so (routes, service endpoint policy definitions, firewall policy rule groups)."""
    return addr.type_key in EMBEDDED_IN or addr.type_key.rsplit("/", 1)[0] in _ETAG_MOVING_PARENTS


def _bump_etag(conn: sqlite3.Connection, key: str) -> None:
    row = Store.get(conn, key)
    if row is None:
        return
    row.etag = _new_etag()
    body = json.loads(row.body)
    if "etag" in body:
        body["etag"] = row.etag
        row.body = json.dumps(body)
    Store.put(conn, row)


def _delete_contents(conn: sqlite3.Connection, rg_key: str) -> None:
    conn.execute("DELETE FROM resources WHERE key > ? AND key < ?", (rg_key + "/", rg_key + "0"))


def _parse_body(raw: bytes | None) -> dict[str, Any]:
    if not raw:
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: empty body.")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {err}.") from err
    if not isinstance(value, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return value


def _subscription_of(path: str) -> str:
    parts = path.split("/", 3)
    if len(parts) >= 3 and parts[1].lower() == "subscriptions":
        return parts[2]
    return ""


def _type_of(key: str) -> str:
    """The lower-cased ARM type of a stored key."""
    segs = key.strip("/").split("/")
    low = [s.lower() for s in segs]
    at = [i for i in range(2, len(segs) - 1) if low[i] == "providers" and i % 2 == 0]
    if not at:
        return _RG_TYPE if len(segs) == 4 else ""
    tail = low[at[-1] + 1 :]
    return "/".join([tail[0], *tail[1::2]])


def _row_kind(addr: Address) -> str:
    if addr.type_key == _RG_TYPE:
        return "rg"
    if addr.extension or addr.type_key in _EXTENSION_TYPES:
        return "ext"
    if addr.type_key.count("/") > 1:
        return "child"
    return "top"


def _arm_type_of(row: Row, body: dict[str, Any]) -> str:
    known = TYPES.get(row.type)
    if known is not None:
        return known.arm_type
    return str(body.get("type") or row.type)


def _principal_of(type_key: str, body: dict[str, Any]) -> str | None:
    if type_key != _IDENTITY_TYPE:
        return None
    props = body.get("properties")
    if isinstance(props, dict) and isinstance(props.get("principalId"), str):
        return str(props["principalId"]).lower()
    return None


_ACTIVITY_LOG = re.compile(r"^/subscriptions/([^/]+)/providers/microsoft\.insights/eventtypes/management/values$")
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def _parse_filter(text: str) -> list[tuple[str, str]]:
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


def _matches(body: dict[str, Any], clauses: list[tuple[str, str]]) -> bool:
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


def _filter_role_assignments(rows: list[Row], text: str, scope_key: str) -> list[Row]:
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


def _subscription(sub: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": bodies.EMULATOR_TENANT_ID,
        "displayName": _SUBSCRIPTION_DISPLAY,
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
    }


def _provider(sub: str, namespace: str) -> dict[str, Any]:
    """A provider registration: its resource types and the api-versions each serves, newest first, as ARM lists them."""
    names = {t.arm_type.split("/", 1)[1].lower(): t.arm_type.split("/", 1)[1] for t in TYPES.values()}
    prefix = namespace.lower() + "/"
    types = sorted(k[len(prefix):] for k in KNOWN_API_VERSIONS if k.startswith(prefix))
    types += sorted(k for k in names if (prefix + k) not in KNOWN_API_VERSIONS and any(
        t.key == prefix + k for t in TYPES.values()))
    return {
        "id": f"/subscriptions/{sub}/providers/{namespace}",
        "namespace": namespace,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": [
            {
                "resourceType": names.get(t, t),
                "locations": [],
                "apiVersions": sorted(KNOWN_API_VERSIONS.get(prefix + t, ()), reverse=True),
            }
            for t in types
        ],
    }
