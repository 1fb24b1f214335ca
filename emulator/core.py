"""The emulator's request handler: ARM semantics over the SQLite store.

Facts modelled are those of docs/arm-semantics.md (status
codes, LRO protocol, etag table, throttling, eventual consistency); where a
detail comes from elsewhere, the line says so.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from emulator import (
    activitylog,
    changes,
    resourcegraph,
)
from emulator.action_requests import answer_action
from emulator.addressing import Address, parse_path
from emulator.deletes import Deletes
from emulator.errors import ArmError, ConnectionDropped, RequestTimedOut
from emulator.exchange import EmulatorResponse, Request, error_response, json_response
from emulator.fault_gate import through_faults
from emulator.faults import FaultConfig, FaultInjector
from emulator.listing import Listing
from emulator.polling import answer_operation
from emulator.reads import (
    RG_TYPE,
    get,
    lookup,
)
from emulator.request_log import RequestRecord
from emulator.store import Store
from emulator.subscriptions import answer_subscription_level
from emulator.types import TYPES, behaviour_for
from emulator.versions_check import check_api_version, check_api_version_format
from emulator.writes import Writes

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
        self._writes = Writes(self._store, self.faults, self._injector)
        self._deletes = Deletes(self._store, self.faults, self._injector)
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
            return answer_action(self._store, self.faults, req, addr)
        if kind == "collection":
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a collection.")
            return self._listing.collection(req, addr)
        behaviour = behaviour_for(addr.type_key, addr.arm_type)
        if req.method == "GET":
            return get(self._store, self.faults, req, addr)
        if req.method == "PUT":
            return self._writes.put(req, addr, behaviour)
        if req.method == "PATCH":
            return self._writes.patch(req, addr, behaviour)
        if req.method == "DELETE":
            return self._deletes.delete(req, addr, behaviour)
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

    # -- reads -----------------------------------------------------------

    # -- writes ----------------------------------------------------------

    # -- resource groups -------------------------------------------------

    def _resource_group(self, req: Request, addr: Address) -> EmulatorResponse:
        behaviour = TYPES[RG_TYPE]
        if req.method == "PUT":
            return self._writes.put_resource_group(req, addr)
        if req.method == "GET":
            return get(self._store, self.faults, req, addr)
        if req.method == "HEAD":
            found = lookup(self._store.read(), addr.key, req.now)
            return EmulatorResponse(204 if found else 404)
        if req.method == "DELETE":
            return self._deletes.delete(req, addr, behaviour)
        if req.method == "PATCH":
            return self._writes.patch(req, addr, behaviour)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on resource groups.")


# -- small pure functions ------------------------------------------------------


_ACTIVITY_LOG = re.compile(r"^/subscriptions/([^/]+)/providers/microsoft\.insights/eventtypes/management/values$")
