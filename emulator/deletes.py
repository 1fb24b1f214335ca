"""Deletes: DELETE of a resource or resource group, synchronously or as a long-running operation.

Per docs/arm-semantics.md: deleting what is absent answers 204; an
asynchronous delete answers 202 with Location (and Azure-AsyncOperation
except for resource groups, unless the recordings show another shape), the
container's contents vanish at once and the container itself when its
operation is polled after it finished (emulator/polling.py). Deleting a
child moves its parent's etag where ARM does (emulator/etags.py).
"""

from __future__ import annotations

import sqlite3

from emulator.addressing import Address
from emulator.etags import bump_etag, check_preconditions, moves_parent_etag
from emulator.exchange import EmulatorResponse, Request
from emulator.faults import FaultConfig, FaultInjector
from emulator.lro import operation_url, poll_headers, start_operation
from emulator.reads import RG_TYPE, lookup
from emulator.store import Store
from emulator.types import TypeBehaviour
from emulator.writes import answer_shape, check_busy, record_change


class Deletes:
    """DELETE against the store, with the configured faults (LRO durations, failures)."""

    def __init__(self, store: Store, faults: FaultConfig, injector: FaultInjector) -> None:
        self._store = store
        self._faults = faults
        self._injector = injector

    def delete(self, req: Request, addr: Address, behaviour: TypeBehaviour) -> EmulatorResponse:
        """DELETE: 204 when absent; else gone at once, or an LRO (contents vanish first, the container at the end)."""
        with self._store.write() as conn:
            existing = lookup(conn, addr.key, req.now)
            if existing is None:
                if Store.get(conn, addr.key) is not None:
                    Store.delete_tree(conn, addr.key)
                return EmulatorResponse(204)
            check_preconditions(req, existing, for_put=False)
            check_busy(conn, addr, behaviour, existing, req.now)
            record_change(conn, req, addr, existing.body, None)
            if moves_parent_etag(addr):
                bump_etag(conn, addr.parent_id.lower())
            shape = answer_shape(addr, "DELETE", req.api_version)
            if not (shape.running if shape is not None else behaviour.delete_async):
                Store.delete_tree(conn, addr.key)
                return EmulatorResponse(shape.status if shape is not None else 200)
            duration = self._faults.lro_duration(addr.type_key)
            fails = self._injector.lro_fails(addr.name)
            if duration <= 0 and not fails:
                Store.delete_tree(conn, addr.key)
            else:
                if not fails:
                    delete_contents(conn, addr.key)  # contents vanish while the container is deleting
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


def delete_contents(conn: sqlite3.Connection, rg_key: str) -> None:
    """Remove every row under a container (a resource group's resources), keeping the container."""
    conn.execute("DELETE FROM resources WHERE key > ? AND key < ?", (rg_key + "/", rg_key + "0"))
