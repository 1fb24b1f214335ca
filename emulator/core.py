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
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
from emulator.errors import ArmError, ConnectionDropped, RequestTimedOut
from emulator.etags import bump_etag, check_preconditions, moves_parent_etag, new_etag, with_etag
from emulator.exchange import EmulatorResponse, Request, error_response, json_response, parse_body
from emulator.fault_gate import through_faults
from emulator.faults import FaultConfig, FaultInjector
from emulator.listing import Listing
from emulator.lro import operation_url, poll_headers, start_operation
from emulator.polling import answer_operation
from emulator.reads import (
    RG_TYPE,
    body_of,
    check_ancestors,
    get,
    lookup,
    not_found,
    render,
    row_response,
    type_of,
)
from emulator.request_log import RequestRecord
from emulator.role_rules import ROLE_ASSIGNMENT_TYPE, check_role_assignment, principal_of
from emulator.store import Operation, Row, Store
from emulator.subscriptions import answer_subscription_level
from emulator.types import EMBEDDED_IN, TYPES, TypeBehaviour, behaviour_for
from emulator.versions_check import check_api_version, check_api_version_format

# Types that are always extension resources, never listed as a group's resources.
_EXTENSION_TYPES = frozenset({ROLE_ASSIGNMENT_TYPE, "microsoft.insights/diagnosticsettings", "microsoft.authorization/locks"})
# The writable top-level fields of an ARM resource (resource-provider contract, put-resource.md).
_ENVELOPE = frozenset(
    {"location", "tags", "sku", "kind", "identity", "properties", "plan", "zones", "managedBy", "extendedLocation"}
)
#: Requests kept in memory (`Emulator.request_log`); the state file keeps all.
REQUEST_LOG_MEMORY = 10_000


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
        self._listing = Listing(self._store, page_size)
        #: Who wrote what (emulator/changes.py): visibility delay and denial of the change APIs.
        self.change_feed = change_feed if change_feed is not None else changes.ChangeFeedConfig.from_env()
        with self._store.write() as conn:
            changes.ensure_schema(conn)

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
        req = Request(
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
            response = error_response(err)
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        self._log(req, response.status, started)
        return response

    # -- faults, throttling, logging --------------------------------------

    def _handle_with_faults(self, req: Request) -> EmulatorResponse:
        return through_faults(req, self.faults, self._injector, self._answer)

    def _answer(self, req: Request) -> EmulatorResponse:
        with self._store.lock:
            return self._route(req)

    def _log(self, req: Request, status: int, started: float) -> None:
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

    def _route(self, req: Request) -> EmulatorResponse:
        feed = self._change_feed(req)
        if feed is not None:
            return feed
        addr = parse_path(req.path)
        kind = addr.kind
        if kind in ("operation_status", "operation_result"):
            return answer_operation(self._store, req, addr)
        check_api_version_format(req.api_version)
        if kind in ("subscriptions", "subscription", "providers", "provider", "provider_register"):
            return answer_subscription_level(self._store, req, addr)
        if kind in ("resource_group", "resource_groups"):
            check_api_version(RG_TYPE, req.api_version)
            if kind == "resource_groups":
                return self._listing.resource_groups(req, addr)
            return self._resource_group(req, addr)
        if kind == "generic_list":
            check_api_version("microsoft.resources/resources", req.api_version)
            return self._listing.generic(req, addr)
        check_api_version(addr.type_key, req.api_version)
        if kind == "collection" and req.method == "POST":
            return self._action(req, addr)
        if kind == "collection":
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a collection.")
            return self._listing.collection(req, addr)
        behaviour = behaviour_for(addr.type_key, addr.arm_type)
        if req.method == "GET":
            return get(self._store, self.faults, req, addr)
        if req.method == "PUT":
            return self._put(req, addr, behaviour)
        if req.method == "PATCH":
            return self._patch(req, addr, behaviour)
        if req.method == "DELETE":
            return self._delete(req, addr, behaviour)
        if req.method == "HEAD":
            found = lookup(self._store.read(), addr.key, req.now)
            return EmulatorResponse(204 if found else 404)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on {addr.arm_type}.")

    def _change_feed(self, req: Request) -> EmulatorResponse | None:
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
            return json_response(200, resourcegraph.answer(conn, req.body, now=req.now, config=self.change_feed))
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on the Activity Log.")
        payload = activitylog.answer(
            conn, activity.group(1), req.query, base=req.base, path=req.path, now=req.now, config=self.change_feed
        )
        return json_response(200, payload)

    @staticmethod
    def _record_change(
        conn: sqlite3.Connection, req: Request, addr: Address, before: str | None, after: str | None
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

    # -- reads -----------------------------------------------------------

    def _web_config_list(self, req: Request, addr: Address) -> EmulatorResponse:
        """`POST {id}/list`: the config resources App Service reads only this way
        (app settings, connection strings: they hold secrets)."""
        target_id, _, action = addr.id.rpartition("/")
        target = parse_path(target_id)
        if (action.lower() != "list" or target.kind != "resource" or target.type_key != web_config.CONFIG
                or target.name.lower() not in web_config.LISTED):
            raise ArmError(404, "NotFound", f"No action '{action}' is served on '{target_id}'.")
        conn = self._store.read()
        row = lookup(conn, target.key, req.now)
        if row is not None:
            return row_response(conn, row, req.now)
        check_ancestors(conn, target, req.now)
        # A site whose settings were never written has none.
        return json_response(
            200, {"id": target.id, "name": target.name, "type": "Microsoft.Web/sites/config", "properties": {}}
        )

    # -- writes ----------------------------------------------------------

    def _put(self, req: Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        payload = parse_body(req.body)
        check_resource_name(addr.name)
        rule = behaviour.name_rule
        if rule is not None and not rule.pattern.match(addr.name):
            raise ArmError(400, rule.code, f"The name '{addr.name}' is invalid: it {rule.description}.", target="name")
        with self._store.write() as conn:
            check_ancestors(conn, addr, req.now)
            existing = lookup(conn, addr.key, req.now)
            check_preconditions(req, existing, for_put=True)
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
            if addr.type_key == ROLE_ASSIGNMENT_TYPE:
                check_role_assignment(conn, addr, payload, req.now, self.faults.principal_delay_seconds)
            if addr.type_key in locations.INHERITED and "location" not in payload:
                parent = lookup(conn, addr.parent_id.lower(), req.now)
                parent_location = json.loads(parent.body).get("location") if parent is not None else None
                if isinstance(parent_location, str):
                    payload["location"] = parent_location
            refusals.refuse(addr.type_key, payload, existing is None, lambda rid: body_of(conn, rid, req.now))
            return self._store_put(conn, req, addr, behaviour, payload, existing)

    def _store_put(
        self,
        conn: sqlite3.Connection,
        req: Request,
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
        etag = new_etag()
        if behaviour.has_etag:
            body = with_etag(body, etag)
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
            principal=principal_of(addr.type_key, body),
            seq=time.time_ns() if existing is None else existing.seq,
        )
        Store.put(conn, row)
        self._record_change(conn, req, addr, None if existing is None else existing.body, text)
        for child_type, items in embedded_lists.values():
            if patch and items is None:
                continue
            self._replace_children(conn, req, row, child_type, items or [])
        if moves_parent_etag(addr):
            bump_etag(conn, addr.parent_id.lower())
        for config_name, properties in configs.items():
            config = parse_path(f"{addr.id}/config/{config_name}")
            self._store_put(conn, req, config, behaviour_for(config.type_key, config.arm_type),
                            {"properties": properties}, lookup(conn, config.key, now))
        status = behaviour.create_status if created else 200
        if shape is not None:
            status = shape.status
        if not lro:
            if shape is not None and not shape.body:
                return EmulatorResponse(status, {"ETag": etag}, b"")
            return row_response(conn, row, now, status)
        op = start_operation(conn, addr, "patch" if patch else "put", now, duration, fails)
        poll = poll_headers(duration)
        if shape is not None:
            return self._recorded_answer(conn, req, addr, behaviour, row, op, shape, created)
        if behaviour.put_style == "location" or patch:
            headers = {"Location": operation_url(req, addr, op.id, "operationResults"), **poll}
            return EmulatorResponse(202, headers, b"")
        pending = json.loads(text)
        if behaviour.has_provisioning_state and isinstance(pending.get("properties"), dict):
            pending["properties"]["provisioningState"] = behaviour.creating_state if created else behaviour.updating_state
        if behaviour.embedded:
            rendered = render(conn, row, now)
            for list_path, _child in behaviour.embedded:
                bodies.set_path(pending, list_path, bodies.get_path(rendered, list_path) or [])
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "ETag": etag,
            "Azure-AsyncOperation": operation_url(req, addr, op.id, "operationStatuses"),
            **poll,
        }
        return EmulatorResponse(status, headers, json.dumps(pending).encode())

    def _recorded_answer(
        self,
        conn: sqlite3.Connection,
        req: Request,
        addr: Address,
        behaviour: TypeBehaviour,
        row: Row,
        op: Operation,
        shape: shapes.AnswerShape,
        created: bool,
    ) -> EmulatorResponse:
        """A write's first answer in the shape real ARM gave for this type (emulator.shapes)."""
        headers = {"ETag": row.etag, **poll_headers(op.end - req.now)}
        if shape.async_operation:
            headers["Azure-AsyncOperation"] = operation_url(req, addr, op.id, "operationStatuses")
        if shape.location:
            headers["Location"] = operation_url(req, addr, op.id, "operationResults")
        if not shape.body:
            return EmulatorResponse(shape.status, headers, b"")
        pending = render(conn, row, req.now)
        props = pending.get("properties")
        if isinstance(props, dict) and (shape.provisioning_state or behaviour.has_provisioning_state):
            props["provisioningState"] = shape.provisioning_state or (
                behaviour.creating_state if created else behaviour.updating_state
            )
        headers["Content-Type"] = "application/json; charset=utf-8"
        return EmulatorResponse(shape.status, headers, json.dumps(pending).encode())

    def _compose(self, addr: Address, behaviour: TypeBehaviour, payload: dict[str, Any], final: str) -> dict[str, Any]:
        """The settled body: caller's body plus server fields, minus write-only fields."""
        if addr.type_key == RG_TYPE:
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
        if addr.type_key == ROLE_ASSIGNMENT_TYPE:
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
        self, conn: sqlite3.Connection, req: Request, parent: Row, child_type: str, items: list[Any]
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

    def _patch(self, req: Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        patch = parse_body(req.body)
        with self._store.write() as conn:
            existing = lookup(conn, addr.key, req.now)
            if existing is None:
                check_ancestors(conn, addr, req.now)
                raise not_found(addr)
            check_preconditions(req, existing, for_put=False)
            self._check_busy(conn, addr, behaviour, existing, req.now)
            current = json.loads(existing.body)
            merged = bodies.merge_patch(current, {k: v for k, v in patch.items() if k != "tags"})
            if "tags" in patch:
                merged["tags"] = patch["tags"]
            return self._store_put(conn, req, addr, behaviour, merged, existing, patch=True)

    def _delete(self, req: Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        with self._store.write() as conn:
            existing = lookup(conn, addr.key, req.now)
            if existing is None:
                if Store.get(conn, addr.key) is not None:
                    Store.delete_tree(conn, addr.key)
                return EmulatorResponse(204)
            check_preconditions(req, existing, for_put=False)
            self._check_busy(conn, addr, behaviour, existing, req.now)
            self._record_change(conn, req, addr, existing.body, None)
            if moves_parent_etag(addr):
                bump_etag(conn, addr.parent_id.lower())
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
            op = start_operation(conn, addr, "delete", req.now, duration, fails)
            headers = {"Location": operation_url(req, addr, op.id, "operationResults"), **poll_headers(duration)}
            if shape is not None and not shape.location:
                del headers["Location"]
            if (shape.async_operation if shape is not None else addr.type_key != RG_TYPE):
                headers["Azure-AsyncOperation"] = operation_url(req, addr, op.id, "operationStatuses")
            return EmulatorResponse(202, headers, b"")

    def _action(self, req: Request, addr: Address) -> EmulatorResponse:
        """POST {resource}/{action} or {provider}/{action}: emulator.actions answers, on a resource that exists."""
        if addr.id.lower().endswith("/list") and type_of(addr.id.rsplit("/", 1)[0].lower()) == web_config.CONFIG:
            return self._web_config_list(req, addr)
        conn = self._store.read()
        parent_id, action = addr.id.rsplit("/", 1)
        parent_key = parent_id.lower()
        parent_type = type_of(parent_key)
        taken = False
        if "/" in parent_type and "/locations/" not in parent_key and lookup(conn, parent_key, req.now) is None:
            check_ancestors(conn, addr, req.now)
            raise not_found(parse_path(parent_id))
        if action.lower() == "checknameavailability" and req.body:
            wanted = parse_body(req.body)
            name, kind = str(wanted.get("name", "")), str(wanted.get("type", "")).lower()
            taken = any(
                str(json.loads(r.body).get("name", "")).lower() == name.lower()
                for r in Store.of_type(conn, addr.sub.lower(), None, kind)
            ) if kind.count("/") == 1 else False
        result = actions.answer(parent_type, parent_id, action, taken)
        headers: dict[str, str] = {}
        if result.async_operation or result.location:
            with self._store.write() as wconn:
                op = start_operation(wconn, addr, "action", req.now, self.faults.lro_duration(parent_type), False)
            headers.update(poll_headers(op.end - req.now))
            if result.async_operation:
                headers["Azure-AsyncOperation"] = operation_url(req, addr, op.id, "operationStatuses")
            if result.location:
                headers["Location"] = operation_url(req, addr, op.id, "operationResults")
        if result.body is None:
            return EmulatorResponse(result.status, headers, b"")
        return json_response(result.status, result.body, headers)

    # -- resource groups -------------------------------------------------

    def _resource_group(self, req: Request, addr: Address) -> EmulatorResponse:
        behaviour = TYPES[RG_TYPE]
        if req.method == "PUT":
            payload = parse_body(req.body)
            check_resource_group_name(addr.name)
            if not isinstance(payload.get("location"), str):
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            with self._store.write() as conn:
                existing = lookup(conn, addr.key, req.now)
                check_preconditions(req, existing, for_put=True)
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
            return get(self._store, self.faults, req, addr)
        if req.method == "HEAD":
            found = lookup(self._store.read(), addr.key, req.now)
            return EmulatorResponse(204 if found else 404)
        if req.method == "DELETE":
            return self._delete(req, addr, behaviour)
        if req.method == "PATCH":
            return self._patch(req, addr, behaviour)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on resource groups.")


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


def _delete_contents(conn: sqlite3.Connection, rg_key: str) -> None:
    conn.execute("DELETE FROM resources WHERE key > ? AND key < ?", (rg_key + "/", rg_key + "0"))


def _row_kind(addr: Address) -> str:
    if addr.type_key == RG_TYPE:
        return "rg"
    if addr.extension or addr.type_key in _EXTENSION_TYPES:
        return "ext"
    if addr.type_key.count("/") > 1:
        return "child"
    return "top"


_ACTIVITY_LOG = re.compile(r"^/subscriptions/([^/]+)/providers/microsoft\.insights/eventtypes/management/values$")
