"""POST actions: ``{resource}/{action}`` and ``{provider}/{action}`` requests.

The action must target a resource that exists (404 as a GET would answer);
checkNameAvailability looks at the stored names; the answer itself comes from
emulator/actions.py, with LRO headers when the action runs asynchronously.
App Service's ``config/{name}/list`` is answered here from the stored
config resource (emulator/web_config.py).
"""

from __future__ import annotations

import json

from emulator import actions, web_config
from emulator.addressing import Address, parse_path
from emulator.errors import ArmError
from emulator.exchange import EmulatorResponse, Request, json_response, parse_body
from emulator.faults import FaultConfig
from emulator.lro import operation_url, poll_headers, start_operation
from emulator.reads import check_ancestors, lookup, not_found, row_response, type_of
from emulator.store import Store


def answer_action(store: Store, faults: FaultConfig, req: Request, addr: Address) -> EmulatorResponse:
    """POST {resource}/{action} or {provider}/{action}: emulator.actions answers, on a resource that exists."""
    if addr.id.lower().endswith("/list") and type_of(addr.id.rsplit("/", 1)[0].lower()) == web_config.CONFIG:
        return _web_config_list(store, req, addr)
    conn = store.read()
    parent_id, action = addr.id.rsplit("/", 1)
    parent_key = parent_id.lower()
    parent_type = type_of(parent_key)
    taken = False
    if parse_path(parent_id).kind == "collection":
        # an action on a collection (`.../disasterRecoveryConfigs/checkNameAvailability`): its container must exist
        check_ancestors(conn, addr, req.now)
    elif "/" in parent_type and "/locations/" not in parent_key and lookup(conn, parent_key, req.now) is None:
        check_ancestors(conn, addr, req.now)
        raise not_found(parse_path(parent_id))
    if action.lower() == "checknameavailability" and req.body:
        wanted = parse_body(req.body)
        name, kind = str(wanted.get("name", "")), str(wanted.get("type", "")).lower()
        taken = any(
            str(json.loads(r.body).get("name", "")).lower() == name.lower()
            for r in Store.of_type(conn, addr.sub.lower(), None, kind)
        ) if kind.count("/") == 1 else False
    if action.lower() == "move" and req.body:
        _rename(store, req, parent_id, parse_body(req.body))
    result = actions.answer(parent_type, parent_id, action, taken, req.api_version)
    headers: dict[str, str] = {}
    if result.async_operation or result.location:
        with store.write() as wconn:
            op = start_operation(wconn, addr, "action", req.now, faults.lro_duration(parent_type), False)
        headers.update(poll_headers(op.end - req.now))
        if result.async_operation:
            headers["Azure-AsyncOperation"] = operation_url(req, addr, op.id, "operationStatuses")
        if result.location:
            headers["Location"] = operation_url(req, addr, op.id, "operationResults")
    if result.body is None:
        return EmulatorResponse(result.status, headers, b"")
    return json_response(result.status, result.body, headers)


def _rename(store: Store, req: Request, source_id: str, body: dict[str, object]) -> None:
    """``POST {resource}/move`` with ``{"id": <new id>}`` (the REST specs' ResourceMoveDefinition, recorded for
    SQL databases: Databases_Rename): the resource is there under its new name, of the same type and parent."""
    target = parse_path(str(body.get("id", "")))
    source = parse_path(source_id)
    if target.kind != "resource" or target.type_key != source.type_key or target.parent_id.lower() != source.parent_id.lower():
        raise ArmError(400, "InvalidResourceMoveDefinition", "A move keeps the resource's type and parent; only its name changes.")
    with store.write() as conn:
        row = lookup(conn, source.key, req.now)
        if row is None:
            raise not_found(source)
        moved = {**json.loads(row.body), "id": target.id, "name": target.name}
        Store.delete_tree(conn, row.key)
        row.key, row.id, row.body = target.key, target.id, json.dumps(moved)
        Store.put(conn, row)


def _web_config_list(store: Store, req: Request, addr: Address) -> EmulatorResponse:
    """`POST {id}/list`: the config resources App Service reads only this way
    (app settings, connection strings: they hold secrets)."""
    target_id, _, action = addr.id.rpartition("/")
    target = parse_path(target_id)
    if (action.lower() != "list" or target.kind != "resource" or target.type_key != web_config.CONFIG
            or target.name.lower() not in web_config.LISTED):
        raise ArmError(404, "NotFound", f"No action '{action}' is served on '{target_id}'.")
    conn = store.read()
    row = lookup(conn, target.key, req.now)
    if row is not None:
        return row_response(conn, row, req.now)
    check_ancestors(conn, target, req.now)
    # A site whose settings were never written has none.
    return json_response(
        200, {"id": target.id, "name": target.name, "type": "Microsoft.Web/sites/config", "properties": {}}
    )
