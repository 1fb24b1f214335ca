"""Client-side rate limiting shaped like ARM's token buckets, and request counts.

ARM throttles per subscription and principal with token buckets (since 2024):
reads 250 + 25/s, writes 200 + 10/s, deletes 200 + 10/s (Microsoft Learn,
"Understand how Azure Resource Manager throttles requests"). Waiting for a
token before sending costs the same time as a 429 would, without burning a
retry, so the limiter blocks instead of letting ARM answer 429. When the
`x-ms-ratelimit-remaining-subscription-*` headers show less budget than the
bucket holds (another client shares the subscription), the bucket drops to it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy, SansIOHTTPPolicy


@dataclass(frozen=True)
class BucketShape:
    """Capacity and refill rate (tokens per second) of one bucket."""

    capacity: float
    refill_per_second: float


#: ARM's documented buckets per subscription.
ARM_BUCKETS = {
    "reads": BucketShape(250, 25),
    "writes": BucketShape(200, 10),
    "deletes": BucketShape(200, 10),
}

_BUCKET_OF_METHOD = {"GET": "reads", "HEAD": "reads", "OPTIONS": "reads", "DELETE": "deletes"}


def bucket_of(method: str) -> str:
    """Which ARM bucket a request draws from."""
    return _BUCKET_OF_METHOD.get(method.upper(), "writes")


class TokenBucket:
    """A thread-safe token bucket that reserves a token and says how long to wait."""

    def __init__(self, shape: BucketShape, clock: Callable[[], float]) -> None:
        self.shape = shape
        self.clock = clock
        self.tokens = shape.capacity
        self.updated = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.shape.capacity, self.tokens + elapsed * self.shape.refill_per_second)
        self.updated = now

    def reserve(self) -> float:
        """Take one token (possibly on credit) and return the seconds to wait for it."""
        with self._lock:
            self._refill()
            self.tokens -= 1.0
            if self.tokens >= 0:
                return 0.0
            return -self.tokens / self.shape.refill_per_second

    def observe_remaining(self, remaining: float) -> None:
        """Lower the bucket to what ARM says remains, never raise it."""
        with self._lock:
            self._refill()
            if remaining < self.tokens:
                self.tokens = remaining

    def available(self) -> float:
        with self._lock:
            self._refill()
            return self.tokens


class RateLimiter:
    """The three ARM buckets of one subscription."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        shapes: dict[str, BucketShape] | None = None,
    ) -> None:
        base = shapes or ARM_BUCKETS
        self.buckets = {
            name: TokenBucket(BucketShape(s.capacity * scale, s.refill_per_second * scale), clock)
            for name, s in base.items()
        }
        self.sleep = sleep
        self.waited_seconds = 0.0
        self.waits = 0
        self._lock = threading.Lock()

    def acquire(self, method: str) -> float:
        """Block until the request may be sent; returns the seconds waited."""
        wait = self.buckets[bucket_of(method)].reserve()
        if wait > 0:
            with self._lock:
                self.waits += 1
                self.waited_seconds += wait
            self.sleep(wait)
        return wait

    def observe(self, headers: Any) -> None:
        """Lower the buckets to the remaining budget ARM reports. The token-bucket
        algorithm (2024) reports `...-global-reads` / `-global-writes`; the older
        one `...-reads` / `-writes` / `-deletes` (Microsoft Learn, "Understand how
        Azure Resource Manager throttles requests")."""
        for name, bucket in self.buckets.items():
            for header in (f"x-ms-ratelimit-remaining-subscription-{name}",
                           f"x-ms-ratelimit-remaining-subscription-global-{name}"):
                value = headers.get(header)
                if value is None:
                    continue
                try:
                    bucket.observe_remaining(float(value))
                except ValueError:
                    continue

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "waits": self.waits,
                "waited_seconds": round(self.waited_seconds, 3),
                "available": {n: round(b.available(), 1) for n, b in self.buckets.items()},
            }


class RateLimitPolicy(HTTPPolicy[Any, Any]):
    """Per-try policy: waits for a token before each request leaves."""

    def __init__(self, limiter: RateLimiter) -> None:
        super().__init__()
        self.limiter = limiter

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        self.limiter.acquire(request.http_request.method)
        response: PipelineResponse[Any, Any] = self.next.send(request)
        self.limiter.observe(response.http_response.headers)
        return response


class RequestCounter(SansIOHTTPPolicy[Any, Any]):
    """Counts requests sent, by method and status (`error` when none came back)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        with self._lock:
            self.counts[(request.http_request.method.upper(), str(response.http_response.status_code))] += 1

    def on_exception(self, request: PipelineRequest[Any]) -> None:
        with self._lock:
            self.counts[(request.http_request.method.upper(), "error")] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            result: dict[str, dict[str, int]] = {}
            for (method, status), count in sorted(self.counts.items()):
                result.setdefault(method, {})[status] = count
            return result
