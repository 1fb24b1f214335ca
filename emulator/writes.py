"""Writes: PUT and PATCH of resources and resource groups, and the answer each write gives.

A write is validated (names, container, If-Match, one operation at a time,
the type's refusals), composed (emulator/composition.py), stored with the
who-wrote-what record (emulator/changes.py), and answered either at once or
as a long-running operation in the shape the recordings show for the type
(emulator/shapes.py: the type's, its provider's, else ARM's common convention), or for a modelled
type no recording shows per its declared put style (docs/arm-semantics.md, LRO).
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Any

from emulator import bodies, changes, computed, locations, readback, refusals, shapes, web_config
from emulator.addressing import Address, check_resource_group_name, check_resource_name, parse_path
from emulator.composition import compose, pop_list, replace_children
from emulator.errors import ArmError
from emulator.etags import bump_etag, check_preconditions, moves_parent_etag, new_etag, with_etag
from emulator.exchange import EmulatorResponse, Request, parse_body
from emulator.faults import FaultConfig, FaultInjector
from emulator.lro import operation_url, poll_headers, start_operation
from emulator.reads import (
    RG_TYPE,
    body_of,
    check_ancestors,
    lookup,
    not_found,
    render,
    row_response,
    server_owned,
)
from emulator.role_rules import ROLE_ASSIGNMENT_TYPE, check_role_assignment, principal_of
from emulator.store import Operation, Row, Store
from emulator.types import EMBEDDED_IN, TYPES, TypeBehaviour, behaviour_for

# Types that are always extension resources, never listed as a group's resources.
EXTENSION_TYPES = frozenset({ROLE_ASSIGNMENT_TYPE, "microsoft.insights/diagnosticsettings", "microsoft.authorization/locks"})


class Writes:
    """PUT and PATCH against the store, with the configured faults (LRO durations, failures, conflicts)."""

    def __init__(self, store: Store, faults: FaultConfig, injector: FaultInjector) -> None:
        self._store = store
        self._faults = faults
        self._injector = injector

    def put(self, req: Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        """PUT of a resource: name rules, container, preconditions, one write at a time, the type's refusals."""
        # recorded: ARM creates a proxy resource from a PUT without a body (SQL job executions, DNS aliases)
        payload = parse_body(req.body) if req.body else {}
        check_resource_name(addr.name)
        rule = behaviour.name_rule
        if rule is not None and not rule.pattern.match(addr.name):
            raise ArmError(400, rule.code, f"The name '{addr.name}' is invalid: it {rule.description}.", target="name")
        with self._store.write() as conn:
            check_ancestors(conn, addr, req.now)
            existing = lookup(conn, addr.key, req.now)
            check_preconditions(req, existing, for_put=True)
            check_busy(conn, addr, behaviour, existing, req.now)
            if self._injector.draw("conflict", self._faults.conflict_rate):
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
            if existing is None and row_kind(addr) == "top" and addr.type_key in TYPES and not isinstance(location, str):
                # a tracked resource needs its location (resource-provider contract; Network answers
                # LocationRequired, quoted in pulumi/pulumi-azure-native#215)
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.", target="location")
            if addr.type_key == ROLE_ASSIGNMENT_TYPE:
                check_role_assignment(conn, addr, payload, req.now, self._faults.principal_delay_seconds)
            if (addr.type_key in locations.INHERITED and "location" not in payload) or readback.inherits_location(
                addr.type_key, req.api_version
            ):
                parent = lookup(conn, addr.parent_id.lower(), req.now)
                parent_location = json.loads(parent.body).get("location") if parent is not None else None
                if isinstance(parent_location, str):
                    payload["location"] = parent_location
            refusals.refuse(addr.type_key, payload, existing is None, lambda rid: body_of(conn, rid, req.now))
            return self._store_put(conn, req, addr, behaviour, payload, existing)

    def put_resource_group(self, req: Request, addr: Address) -> EmulatorResponse:
        """PUT of a resource group: a name, a location that cannot change, not while it is being deleted."""
        behaviour = TYPES[RG_TYPE]
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

    def patch(self, req: Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        """PATCH: a JSON merge patch of the stored body (tags replaced whole), then stored as a PUT would be."""
        patch = parse_body(req.body)
        with self._store.write() as conn:
            existing = lookup(conn, addr.key, req.now)
            owned = None
            if existing is None:
                check_ancestors(conn, addr, req.now)
                owned = server_owned(conn, addr, req.now, req.api_version)  # exists with its parent
                if owned is None:
                    raise not_found(addr)
            else:
                check_preconditions(req, existing, for_put=False)
                check_busy(conn, addr, behaviour, existing, req.now)
            current = owned if existing is None else json.loads(existing.body)
            merged = bodies.merge_patch(current, {k: v for k, v in patch.items() if k != "tags"})
            if "tags" in patch:
                merged["tags"] = patch["tags"]
            return self._store_put(conn, req, addr, behaviour, merged, existing, patch=True)

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
        """Compose, store and answer a write whose checks have passed (synchronously or as an LRO)."""
        now = req.now
        role = "PATCH" if patch else shapes.put_role(addr.type_key, addr.name, existing is not None)
        shape = answer_shape(addr, role, req.api_version)
        if shape is not None:
            lro = shape.running
        elif patch:
            # UpdateTags / PATCH answers synchronously with the body unless traffic shows otherwise
            # (recordings: VNet, public IP, route table, Key Vault, App Service PATCH are all 200 + body)
            lro = False
        else:
            lro = behaviour.put_style != "sync" and not (behaviour.put_style == "location" and existing is not None)
        duration = self._faults.lro_duration(addr.type_key) if lro else 0.0
        fails = lro and self._injector.lro_fails(addr.name)
        configs = web_config.split_site(payload) if addr.type_key == web_config.SITES else {}
        if addr.type_key == web_config.CONFIG and addr.name.lower() == "web" and existing is not None:
            # siteConfig fields a PUT leaves out keep their values
            kept = json.loads(existing.body).get("properties") or {}
            payload["properties"] = {**kept, **(payload.get("properties") or {})}
        embedded_lists: dict[str, tuple[str, list[Any] | None]] = {}
        for list_path, child_type in behaviour.embedded:
            embedded_lists[list_path] = (child_type, pop_list(payload, list_path))
        body = compose(addr, behaviour, payload, "Failed" if fails else "Succeeded", self._faults, req.api_version)
        computed.place_in_subnet(addr.type_key, body, lambda rid: body_of(conn, rid, now))
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
            kind=row_kind(addr),
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
        record_change(conn, req, addr, None if existing is None else existing.body, text)
        for child_type, items in embedded_lists.values():
            if patch and items is None:
                continue
            replace_children(conn, req.now, row, child_type, items or [], self._faults, req.api_version)
        if moves_parent_etag(addr):
            bump_etag(conn, addr.parent_id.lower())
        for config_name, properties in configs.items():
            config = parse_path(f"{addr.id}/config/{config_name}")
            self._store_put(conn, req, config, behaviour_for(config.type_key, config.arm_type),
                            {"properties": properties}, lookup(conn, config.key, now))
        status = behaviour.create_status if role == "PUT-create" else 200
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
        state: str | None = None
        if addr.type_key not in TYPES:  # the state its definition and conventions give (emulator.shapes)
            state = shapes.in_flight_state(addr.type_key, "create" if created else "update", req.api_version)
        elif shape.provisioning_state or behaviour.has_provisioning_state:
            state = shape.provisioning_state or (behaviour.creating_state if created else behaviour.updating_state)
        if isinstance(props, dict) and state is not None:
            props["provisioningState"] = state
        headers["Content-Type"] = "application/json; charset=utf-8"
        return EmulatorResponse(shape.status, headers, json.dumps(pending).encode())


def answer_shape(addr: Address, role: str, api_version: str) -> shapes.AnswerShape | None:
    """How ARM answers this write (emulator.shapes): the type's or its provider's recorded convention;
    for a type neither shows, the declared style of a modelled type (None; a long-running one without
    provisioningState: the 202 model) else ARM's common convention. Resource groups are ARM's own,
    answered as docs/arm-semantics.md says (None)."""
    if addr.type_key == RG_TYPE:
        return None
    shape = shapes.recorded(addr.type_key, role, api_version, modelled=addr.type_key in TYPES)
    if shape is None and addr.type_key not in TYPES:
        shape = shapes.arm_common(addr.type_key, role, api_version)
    elif shape is None and role != "DELETE" and TYPES[addr.type_key].put_style != "sync":
        shape = shapes.unrecorded_long_running(addr.type_key, api_version)
    return shape


def check_busy(
    conn: sqlite3.Connection, addr: Address, behaviour: TypeBehaviour, existing: Row | None, now: float
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


def record_change(
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


def row_kind(addr: Address) -> str:
    """The row kind the store indexes: rg, ext (extension), child or top."""
    if addr.type_key == RG_TYPE:
        return "rg"
    if addr.extension or addr.type_key in EXTENSION_TYPES:
        return "ext"
    if addr.type_key.count("/") > 1:
        return "child"
    return "top"
