"""Paged Resource Graph queries that stay inside the caller's per-user quota.

Resource Graph answers ``POST /providers/Microsoft.ResourceGraph/resources`` (api-version
2021-03-01, ``QueryRequest``/``QueryResponse``; Azure/azure-rest-api-specs
``specification/resourcegraph/resource-manager/Microsoft.ResourceGraph/stable/2021-03-01``) with
at most 1,000 rows a page and a ``$skipToken`` for the next page (paging needs ``id`` among the
projected columns). Each user may send about 15 queries every 5 seconds; every answer says how
many are left (``x-ms-user-quota-remaining``) and when the window resets
(``x-ms-user-quota-resets-after``, ``hh:mm:ss``); past it the answer is 429 with ``Retry-After``
(Microsoft Learn, "Guidance for throttled requests in Azure Resource Graph",
https://learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests).

Before a query, when the last answer said no query is left, the client waits until the window
resets (at most the wait budget's Retry-After cap, ``adapters.wait_budget``), so it does not
spend a 429; a 429 that comes anyway is retried by the client pipeline after its ``Retry-After``,
bounded by the same budget.

Every page follows the one pager (`adapters/paging.py`), and the rows stay wire JSON. Graph mode's
relists and change feed (`reconciler/engine/graph_observe.py`) and attribution's change records
(`reconciler/engine/attribution.py`) query through here: the reconciler imports no azure.* for it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from adapters.paging import Pages
from desired_state import controller_telemetry as names

log = logging.getLogger("adapters.resource_graph")

#: Rows per page: Resource Graph's maximum.
PAGE_ROWS = 1000
API_VERSION = "2021-03-01"
QUERY_PATH = "/providers/Microsoft.ResourceGraph/resources"
REMAINING_HEADER = "x-ms-user-quota-remaining"
RESETS_HEADER = "x-ms-user-quota-resets-after"
#: Longest wait for the quota window when the client has no wait budget to ask.
DEFAULT_WAIT_CAP = 60.0


def resets_after_seconds(text: str | None) -> float | None:
    """Seconds in ``hh:mm:ss`` (fractions allowed); None when absent or malformed."""
    if not text:
        return None
    parts = text.strip().split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    seconds = 0.0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds if seconds >= 0 else None


class GraphQuery:
    """Runs Resource Graph queries through the target's ``resourcegraph`` SDK client."""

    def __init__(
        self,
        clients: Any,
        subscription_ids: list[str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self.subscription_ids = subscription_ids
        self.sleep = sleep
        self.clock = clock
        budget = getattr(clients, "budget", None)
        self.wait_cap = float(getattr(budget, "retry_after_cap", DEFAULT_WAIT_CAP))
        self._lock = threading.Lock()
        self._remaining: int | None = None
        self._resets_at = 0.0
        #: Queries sent (pages included), for the benchmarks and logs.
        self.sent = 0
        self.waited_s = 0.0

    def rows(self, query: str) -> list[dict[str, Any]]:
        """Every row of `query`, following ``$skipToken`` to the last page."""
        client = self.clients.client("resourcegraph")
        # The generated client's request sender (public `send_request` in newer SDKs): the rows
        # stay wire JSON instead of being built into models and thrown away (thousands a page).
        send = getattr(client, "send_request", None) or getattr(client, "_send_request", None)
        out: list[dict[str, Any]] = []
        skip_token: str | None = None
        # The one pager (adapters/paging.py): a repeated $skipToken or too many pages end the query.
        pages = Pages(f"POST {QUERY_PATH}", kind="$skipToken")
        while True:
            self._wait_for_quota()
            options: dict[str, Any] = {"resultFormat": "objectArray", "$top": PAGE_ROWS}
            if skip_token:
                options["$skipToken"] = skip_token
            request = {"subscriptions": self.subscription_ids, "query": query, "options": options}
            page = self._send(send, request) if callable(send) else self._sdk(client, request)
            with self._lock:
                self.sent += 1
            data = page.get("data")
            out.extend(row for row in (data if isinstance(data, list) else []) if isinstance(row, dict))
            skip_token = pages.follow(page.get("$skipToken"))
            if not skip_token:
                return out

    def _send(self, send: Callable[..., Any], request: dict[str, Any]) -> dict[str, Any]:
        from azure.core.rest import HttpRequest

        response = send(HttpRequest("POST", QUERY_PATH,
                                    params={"api-version": API_VERSION}, json=request))
        self._remember_headers(response.headers)
        response.raise_for_status()
        payload = response.json()
        return payload if isinstance(payload, dict) else {}

    def _sdk(self, client: Any, request: dict[str, Any]) -> dict[str, Any]:
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        options = request["options"]
        answer = client.resources(
            QueryRequest(subscriptions=request["subscriptions"], query=request["query"], options=QueryRequestOptions(
                result_format="objectArray", top=options["$top"], skip_token=options.get("$skipToken"))),
            raw_response_hook=lambda r: self._remember_headers(r.http_response.headers),
        )
        return {"data": answer.data, "$skipToken": answer.skip_token}

    def _wait_for_quota(self) -> None:
        with self._lock:
            remaining, resets_at = self._remaining, self._resets_at
        if remaining is None or remaining > 0:
            return
        pause = min(max(0.0, resets_at - self.clock()), self.wait_cap)
        if pause > 0:
            log.info("Resource Graph quota used up; waiting %.1f s for it to reset", pause,
                     extra={"event": names.GRAPH_QUOTA_WAIT_EVENT, "phase": "observe", "seconds": round(pause, 3)})
            self.sleep(pause)
            with self._lock:
                self.waited_s += pause
        with self._lock:
            self._remaining = None  # a new window: the next answer says how much is left

    def _remember_headers(self, headers: Any) -> None:
        raw = headers.get(REMAINING_HEADER)
        resets = resets_after_seconds(headers.get(RESETS_HEADER))
        with self._lock:
            with contextlib.suppress(ValueError):
                self._remaining = int(raw) if raw is not None else self._remaining
            if resets is not None:
                self._resets_at = self.clock() + resets
