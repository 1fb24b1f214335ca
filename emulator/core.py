"""The emulator's entry point: :class:`Emulator` parses a request, passes it through the fault gate, and answers it.

Who answers what: Resource Graph and Activity Log queries are answered here
(``Emulator._change_feed``, over the recorded writes); every other ARM request
goes to emulator/routing.py, which hands it to reads, listing, writes,
deletes, action_requests, polling or subscriptions. Facts modelled are those of
docs/arm-semantics.md (status codes, LRO protocol, etag table, throttling,
eventual consistency); where a detail comes from elsewhere, the line says so.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from emulator import changes, request_log
from emulator.errors import ArmError, ConnectionDropped, RequestTimedOut
from emulator.exchange import (
    EmulatorResponse,
    Request,
    check_body,
    check_query,
    error_response,
    json_response,
)
from emulator.fault_gate import through_faults
from emulator.faults import FaultConfig, FaultInjector
from emulator.graph_quota import GraphQuota
from emulator.request_log import RequestRecord
from emulator.routing import Router
from emulator.store import Store
from emulator.tenant import answer_tenant

_log = logging.getLogger("emulator")
#: The methods ARM answers; any other is 405 at the root.
_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"})

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
        self._router = Router(self._store, self.faults, self._injector, page_size)
        #: Who wrote what (emulator/changes.py): visibility delay and denial of the change APIs.
        self.change_feed = change_feed if change_feed is not None else changes.ChangeFeedConfig.from_env()
        with self._store.write() as conn:
            changes.ensure_schema(conn)
            request_log.ensure_schema(conn)
        self._graph_quota = GraphQuota(self.faults, clock)  # Resource Graph's per-user quota (emulator/graph_quota.py)

    # -- public ----------------------------------------------------------

    @property
    def new_state(self) -> bool:
        """Whether the state file was absent or empty when opened: a new, empty estate."""
        return self._store.is_new

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
        arrived = time.monotonic()  # the request log's waves (emulator/request_log.py)
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
            # The request-parsing root: a body that is not strict JSON, a token whose claims
            # cannot be read, are ARM's 400 here, before any handler sees them.
            if req.method not in _METHODS:
                raise ArmError(405, "MethodNotAllowed", f"The HTTP method {req.method[:20]!r} is not supported.")
            check_body(req.body)
            check_query(req.query)
            changes.check_token(req.headers)
            response = self._handle_with_faults(req)
        except (ConnectionDropped, RequestTimedOut):
            self._log(req, 0, started, arrived)
            raise
        except ArmError as err:
            response = error_response(err)
        except Exception as err:  # never a dropped connection or a traceback: ARM's 500, one log line
            _log.error("internal error answering %s %s: %s: %s", req.method, req.path[:200], type(err).__name__,
                       str(err)[:200])
            response = error_response(ArmError(500, "InternalServerError", "The emulator could not answer this request."))
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        self._log(req, response.status, started, arrived)
        return response

    # -- faults, throttling, logging --------------------------------------

    def _handle_with_faults(self, req: Request) -> EmulatorResponse:
        return through_faults(req, self.faults, self._injector, self._answer)

    def _answer(self, req: Request) -> EmulatorResponse:
        with self._store.lock:
            # Resource Graph and Activity Log queries first, then every ARM route (emulator/routing.py)
            feed = self._change_feed(req)
            if feed is None and req.path.lower().startswith("/providers/"):
                feed = answer_tenant(req)  # tenant-level provider endpoints (emulator/tenant.py)
            return feed if feed is not None else self._router.route(req)

    def _log(self, req: Request, status: int, started: float, arrived: float) -> None:
        latency = (time.perf_counter() - started) * 1000.0
        record = RequestRecord(req.method, req.path, req.api_version, status, latency, req.now, arrived, time.monotonic())
        with self._log_lock:
            self.request_log.append(record)
        # the log is diagnostics; a busy or locked file must not fail the request
        with contextlib.suppress(sqlite3.DatabaseError), self._store.lock:
            request_log.insert(self._store.read(), record)

    # -- Resource Graph and Activity Log ---------------------------------

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
        # Imported on the first query: a run that sends none (a per-resource dry run) never pays for KQL.
        from emulator import activitylog, resourcegraph

        conn = self._store.read()
        if activity is None:
            if req.method != "POST":
                raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed; POST a query.")
            payload, limits = resourcegraph.answer(conn, req.body, req.headers, now=req.now, config=self.change_feed,
                                                   faults=self.faults, quota=self._graph_quota)
            return json_response(200, payload, limits)
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on the Activity Log.")
        payload = activitylog.answer(
            conn, activity.group(1), req.query, base=req.base, path=req.path, now=req.now, config=self.change_feed
        )
        return json_response(200, payload)


_ACTIVITY_LOG = re.compile(r"^/subscriptions/([^/]+)/providers/microsoft\.insights/eventtypes/management/values$")
