"""The product's one retry layer: an azure-core pipeline policy in every client.

The SDK's own `RetryPolicy` is replaced by this one (passed as
`retry_policy=`), so nothing retries twice. Retried: 408/429/500/502/503/504
and dropped connections (azure-core `ServiceRequestError` /
`ServiceResponseError`), plus ARM's eventual-consistency errors:

- 400 `PrincipalNotFound` on a role assignment PUT (identity not replicated
  yet; ARM-SEMANTICS.md "Eventual consistency seen in the wild");
- 409 `AnotherOperationInProgress` and the network provider's 429
  `RetryableErrorDueToAnotherOperation` (one write at a time per resource);
- a GET 404 on a URL this process PUT successfully less than
  `recent_put_window` seconds ago (a read just after a create).

Delays: exponential backoff with full jitter (base 0.5 s, cap 30 s), never
earlier than `Retry-After` / `retry-after-ms` / `x-ms-retry-after-ms` asks,
never longer than the wait budget's cap; all tries and pauses of one request,
and of one run, stay within the wait budget (adapters/wait_budget.py).
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy

from adapters.breaker import CircuitBreaker, EndpointUnreachable
from adapters.wait_budget import VARIABLES, RunClock, WaitBudget, WaitBudgetExceeded, exceeded

#: Request-context key: seconds left of the wait budget for the try being sent.
WAIT_LEFT = "reconciler_wait_left"

#: Transient statuses, as azure-core's RetryPolicy (ARM-SEMANTICS.md "Throttling").
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

#: (status, error code) pairs that mean "not yet", not "no".
EVENTUAL_CONSISTENCY = {
    (400, "principalnotfound"): "principal-not-found",
    (409, "anotheroperationinprogress"): "another-operation-in-progress",
    (429, "retryableerrorduetoanotheroperation"): "another-operation-in-progress",
}


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (AWS architecture blog, 2015)."""

    base: float = 0.5
    cap: float = 30.0
    max_tries: int = 8

    def delay(self, retry_number: int, rng: random.Random) -> float:
        """Delay before retry `retry_number` (1-based): uniform in [0, min(cap, base*2^(n-1))]."""
        return rng.uniform(0.0, min(self.cap, self.base * 2 ** (retry_number - 1)))


@dataclass
class RetryStats:
    """Counters the engine and metrics read (thread-safe snapshots)."""

    attempts: int = 0
    throttled: int = 0
    gave_up: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "attempts": self.attempts,
                "throttled_429": self.throttled,
                "gave_up": self.gave_up,
                "retries_by_reason": dict(self.retries),
            }


def retry_after_seconds(headers: Any) -> float | None:
    """The delay a response asks for, from its retry headers, or None."""
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        value = headers.get(name)
        if value:
            with contextlib.suppress(ValueError):
                return max(0.0, float(value) / 1000.0)
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def error_code(response: Any) -> str:
    """The ARM error code of a response body, tolerant of `Code` casing."""
    try:
        # An LRO's initial call is sent with stream=True: its body must be read
        # before text(), or azure-core raises ResponseNotReadError.
        read = getattr(response, "read", None)
        if callable(read):
            read()
        body = json.loads(response.text() or "{}")
    except (ValueError, TypeError, AttributeError, AzureError):
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error") or body.get("Error") or body
    if not isinstance(error, dict):
        return ""
    code = error.get("code") or error.get("Code") or ""
    return str(code)


def _url_key(url: str) -> str:
    return urlsplit(url).path.rstrip("/").lower()


class RecentPuts:
    """URLs this process PUT successfully, and when (shared by every client)."""

    def __init__(self) -> None:
        self._when: dict[str, float] = {}
        self._lock = threading.Lock()

    def remember(self, url: str, now: float, window: float) -> None:
        with self._lock:
            self._when[_url_key(url)] = now
            for stale in [k for k, t in self._when.items() if t < now - window]:
                del self._when[stale]

    def forget(self, url: str) -> None:
        """A DELETE succeeded: the resource and everything under it are gone (ARM deletes a
        resource's children with it), so a 404 on any of them is no longer news to wait for."""
        key = _url_key(url)
        with self._lock:
            for gone in [k for k in self._when if k == key or k.startswith(key + "/")]:
                del self._when[gone]

    def within(self, url: str, now: float, window: float) -> bool:
        with self._lock:
            when = self._when.get(_url_key(url))
        return when is not None and now - when < window


class ArmRetryPolicy(RetryPolicy[Any, Any]):
    """Retries transient and eventual-consistency failures with jittered backoff.

    Subclasses azure-core's RetryPolicy only so the pipeline recognises it as
    *the* retry policy (per-retry policies are placed after it); its own
    logic replaces the base class entirely.
    """

    def __init__(
        self,
        *,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        recent_put_window: float = 30.0,
        stats: RetryStats | None = None,
        recent_puts: RecentPuts | None = None,
        budget: WaitBudget | None = None,
        run_clock: RunClock | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        super().__init__(retry_total=0)
        #: The run-wide circuit breaker shared by every client of the factory (adapters/breaker.py).
        self.breaker = breaker
        self.budget = budget or WaitBudget()
        self.run_clock = run_clock
        self.backoff = backoff or Backoff()
        self.sleep_fn = sleep
        self.clock = clock
        self.rng = rng or random.Random()
        self.recent_put_window = recent_put_window
        self.stats = stats or RetryStats()
        self.recent_puts = recent_puts or RecentPuts()

    # -- decisions ---------------------------------------------------------------
    def reason(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> str | None:
        """Why this response should be retried, or None."""
        http = response.http_response
        status = http.status_code
        method = request.http_request.method.upper()
        if status in (400, 409, 429):
            code = error_code(http).lower()
            reason = EVENTUAL_CONSISTENCY.get((status, code))
            if reason == "principal-not-found" and method != "PUT":
                reason = None
            if reason:
                return reason
        if status in TRANSIENT_STATUSES:
            return "throttled" if status == 429 else f"http-{status}"
        if status == 404 and method == "GET" and self._put_recently(request.http_request.url):
            return "not-yet-visible"
        return None

    def _put_recently(self, url: str) -> bool:
        return self.recent_puts.within(url, self.clock(), self.recent_put_window)

    def _remember(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        status = response.http_response.status_code
        method = request.http_request.method.upper()
        url = request.http_request.url
        if method == "PUT" and 200 <= status < 300:
            self.recent_puts.remember(url, self.clock(), self.recent_put_window)
        elif method == "DELETE" and 200 <= status < 300:
            self.recent_puts.forget(url)

    def _count(self, reason: str | None = None, *, attempt: bool = False, throttled: bool = False) -> None:
        with self.stats._lock:
            if attempt:
                self.stats.attempts += 1
            if throttled:
                self.stats.throttled += 1
            if reason:
                self.stats.retries[reason] += 1

    # -- the policy ----------------------------------------------------------------
    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        # Take the per-call retry options (retry_total, timeout, ...) out of the
        # request as the base class would, so none reaches the transport.
        self.configure_retries(request.context.options)
        tries = 0
        start = self.clock()
        breaker = self.breaker
        throttled_away = False  # every answer so far asked for more than the Retry-After cap
        while True:
            if breaker is not None:
                breaker.check()  # tripped in this run: no try at all (adapters/breaker.py)
            tries += 1
            left = self._left(start)
            if left <= 0:
                raise self._give_up(self._exhausted(request, start), None, throttled_away)
            # Each try's timeouts are cut to what is left of the budget (the read
            # timeout by ReadTimeoutPolicy, from WAIT_LEFT).
            request.context.options["connection_timeout"] = min(self.budget.connect_timeout, left)
            request.context[WAIT_LEFT] = left
            self._count(attempt=True)
            sent_at = self.clock()
            try:
                response = self.next.send(request)
            except (ServiceRequestError, ServiceResponseError) as error:
                if breaker is not None:
                    breaker.failure(error, self._wait_bound(start, left, self.clock() - sent_at))
                    if breaker.tripped:
                        raise breaker.error or error from error
                if tries >= self.backoff.max_tries:
                    replaced = self._give_up(error, error, False)
                    if replaced is error:
                        raise
                    raise replaced from error
                delay = self.backoff.delay(tries, self.rng)
                if delay >= self._left(start):
                    raise self._give_up(self._exhausted(request, start), error, False) from error
                self._count("connection")
                self._pause(delay)
                continue
            status = response.http_response.status_code
            asked = retry_after_seconds(response.http_response.headers)
            # Every answer asks to wait past the cap: no real answer yet. Not for Resource Graph, whose
            # quota is per user and apart from ARM's (graph mode falls back to ARM reads when it gives up).
            throttled_away = (status == 429 and asked is not None and asked > self.budget.retry_after_cap
                              and "/microsoft.resourcegraph/" not in request.http_request.url.lower())
            if breaker is not None and not throttled_away:
                breaker.answer()
            if status == 429:
                self._count(throttled=True)
            reason = self.reason(request, response)
            if reason is None:
                self._remember(request, response)
                return response
            if tries >= self.backoff.max_tries:
                if isinstance(unreachable := self._give_up(None, None, throttled_away), EndpointUnreachable):
                    raise unreachable
                return response
            delay = self.backoff.delay(tries, self.rng)
            if asked is not None:
                # Never earlier than the service asked, never longer than the cap.
                delay = max(delay, min(asked, self.budget.retry_after_cap))
            if delay >= self._left(start):
                raise self._give_up(self._exhausted(request, start, status=status, asked=asked), None, throttled_away)
            self._count(reason)
            self._pause(delay)

    def _wait_bound(self, start: float, left: float, waited: float) -> str:
        """What bounded a try that got no answer: its timeout, or the wait budget it was cut to."""
        if left < min(self.budget.read_timeout, self.budget.connect_timeout):
            run_left = self.run_clock.remaining() if self.run_clock is not None else math.inf
            variable = VARIABLES["run_total"] if run_left <= self.budget.request_total else VARIABLES["request_total"]
        else:
            variable = f"{VARIABLES['connect_timeout']}, {VARIABLES['read_timeout']}"
        return f"no answer in {waited:.1f} s, the wait bounded by {variable}"

    def _pause(self, delay: float) -> None:
        if self.breaker is not None:
            self.breaker.pause(delay, self.sleep_fn)
        else:
            self.sleep_fn(delay)

    def _left(self, start: float) -> float:
        """Seconds left of this request's budget and of the run's."""
        left = self.budget.request_total - (self.clock() - start)
        if self.run_clock is not None:
            left = min(left, self.run_clock.remaining())
        return left

    def _exhausted(
        self, request: PipelineRequest[Any], start: float, *, status: int | None = None, asked: float | None = None
    ) -> WaitBudgetExceeded:
        http = request.http_request
        what = f"{http.method} {urlsplit(http.url).path}"
        if status is not None:
            what += f" (last answer {status}" + (f", asking to wait {asked:g} s)" if asked is not None else ")")
        spent = self.clock() - start
        run_left = self.run_clock.remaining() if self.run_clock is not None else math.inf
        if run_left <= self.budget.request_total - spent:
            return exceeded(what, spent, self.budget.run_total, VARIABLES["run_total"])
        return exceeded(what, spent, self.budget.request_total, VARIABLES["request_total"])

    def _give_up(self, error: Exception | None, cause: BaseException | None, throttled: bool) -> Any:
        """Count a request given up; before the endpoint ever answered, that trips the breaker
        and the breaker's one line (`EndpointUnreachable`) replaces `error`. Returns what to raise."""
        with self.stats._lock:
            self.stats.gave_up += 1
        breaker = self.breaker
        if breaker is not None:
            breaker.gave_up(cause, str(error) if error is not None else "", throttled=throttled)
            if breaker.error is not None:
                return EndpointUnreachable(str(breaker.error))
        return error
