"""The run-wide circuit breaker of the one retry layer (issue 22).

An endpoint that cannot be reached at all -- connection refused, a name that does not
resolve, a TLS handshake that fails, one that accepts connections and never answers, or one
that answers every request with an absurd ``Retry-After`` -- used to cost every request its
own full retries: 97 s and 124 "could not be read" lines for a refused connection, minutes
for a hung one, level after level. The breaker watches the first requests of a run (a
controller cycle): until the endpoint has given one real answer, failures of those kinds are
evidence that it is not there, and once the evidence is enough

- hard failures (refused, DNS, TLS) seen for `HARD_WINDOW_S` seconds (and at least three),
- a timeout (a whole connect or read timeout without any answer),
- or a request giving up (its tries or its wait budget used up) after such failures or after
  answers that all asked to wait longer than the cap (`Retry-After`),

the breaker trips: the request that tripped it and every request after it in this run fail
at once with `EndpointUnreachable`, one line naming the endpoint and the cause (and the wait
budget when one ran out), and pauses in progress end early. The CLI prints that line and exits
1; the controller marks the cycle failed and backs off. Once the endpoint has answered, the
breaker stands aside for the rest of the run: a failure later is a failure of that request,
handled by retries and budgets as before. `start_run` (a new run, a new cycle) resets it.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError

from desired_state.errors import ReconcilerError

#: Seconds of hard failures (refused, DNS, TLS) before the breaker trips (a restarting endpoint gets this long).
HARD_WINDOW_S = 2.0
HARD_MINIMUM = 3
#: Timeouts (connect or read) before the breaker trips: one whole timeout with no answer at all is
#: enough (the first request of a run may be a lone one, and a second try would wait as long again).
TIMEOUTS = 1


class EndpointUnreachable(ReconcilerError, AzureError):
    """The run's ARM endpoint cannot be used at all (not retried): one line, endpoint and cause."""

    outcome = "transient"  # the run ends; the next run or cycle tries again


def failure_kind(error: BaseException) -> str | None:
    """`refused`, `dns`, `tls` or `timeout` for a connection-level failure, by its causes; None otherwise."""
    seen: set[int] = set()
    stack: list[object] = [error]
    kinds: set[str] = set()
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectionRefusedError):
            kinds.add("refused")
        elif isinstance(item, socket.gaierror):
            kinds.add("dns")
        elif isinstance(item, ssl.SSLError | ssl.CertificateError):
            kinds.add("tls")
        elif isinstance(item, TimeoutError | socket.timeout):
            kinds.add("timeout")
        stack += [item.__cause__, item.__context__, getattr(item, "inner_exception", None), getattr(item, "reason", None)]
        stack += [a for a in item.args if isinstance(a, BaseException)]
    for kind in ("refused", "dns", "tls", "timeout"):
        if kind in kinds:
            return kind
    return None


_CAUSES = {
    "refused": "connection refused",
    "dns": "its host name does not resolve (DNS)",
    "tls": "the TLS handshake failed",
    "timeout": "it accepted the connection but did not answer within the timeout",
    "retry-after": "it answered every request asking to wait longer than the wait budget allows (Retry-After)",
}
_FIX = ("check the endpoint (--emulator-url, or Azure's: AZURE_* settings), the network, a proxy and its "
        "certificates, then run again")


class CircuitBreaker:
    """Shared by every client of one `ClientFactory` (one run's endpoint)."""

    def __init__(self, base_url: str, clock: Callable[[], float] = time.monotonic) -> None:
        parts = urlsplit(base_url)
        self.endpoint = f"{parts.scheme}://{parts.netloc}" if parts.scheme else base_url
        self.clock = clock
        self._lock = threading.Lock()
        self._tripped = threading.Event()
        self.start_run()

    def start_run(self) -> None:
        """A new run (a controller cycle): nothing is known of the endpoint yet."""
        with self._lock:
            self.answered = False
            self.error: EndpointUnreachable | None = None
            self._first_hard: float | None = None
            self._hard = 0
            self._timeouts = 0
            self._tripped.clear()

    @property
    def tripped(self) -> bool:
        return self._tripped.is_set()

    def check(self) -> None:
        """Before each try: fail at once when the breaker has tripped in this run."""
        error = self.error
        if error is not None:
            raise EndpointUnreachable(str(error))

    def raise_if_tripped(self) -> None:
        """For the CLI and the controller after a phase: the one line that ends the run."""
        self.check()

    def answer(self) -> None:
        """The endpoint answered (any HTTP status but an absurd throttle): it is there."""
        if not self.answered:
            with self._lock:
                self.answered = True

    def failure(self, error: BaseException, detail: str = "") -> None:
        """A try failed without an answer (`detail`: how long it waited, bounded by what): count
        it; trips when the evidence is enough."""
        kind = failure_kind(error)
        with self._lock:
            if self.answered or self.error is not None or kind is None:
                return
            if kind == "timeout":
                self._timeouts += 1
                enough = self._timeouts >= TIMEOUTS
            else:
                now = self.clock()
                self._first_hard = now if self._first_hard is None else self._first_hard
                self._hard += 1
                enough = self._hard >= HARD_MINIMUM and now - self._first_hard >= HARD_WINDOW_S
                detail = f"{self._hard} tries over {now - self._first_hard:.1f} s"
            if enough:
                self._trip(kind, detail)

    def gave_up(self, cause: BaseException | None, detail: str, *, throttled: bool) -> None:
        """A request gave up (tries or budget used up, `detail` says which) before the endpoint
        ever answered: trip, naming the `cause` of its last failure."""
        kind = "retry-after" if throttled else (failure_kind(cause) if cause is not None else None)
        with self._lock:
            if self.answered or self.error is not None or kind is None:
                return  # a connection dropped mid-answer, a 5xx: that request's failure, not the endpoint's
            self._trip(kind, detail.splitlines()[0] if detail else "")

    def _trip(self, kind: str, detail: str) -> None:
        text = f"cannot use the ARM endpoint {self.endpoint}: {_CAUSES[kind]}, before it answered anything"
        if detail:
            text += f" ({detail})"
        self.error = EndpointUnreachable(f"{text}; {_FIX}")
        self._tripped.set()

    def pause(self, seconds: float, sleep: Callable[[float], None]) -> None:
        """A retry's pause, cut short when the breaker trips (the real clock only)."""
        if sleep is time.sleep:
            self._tripped.wait(seconds)
        else:
            sleep(seconds)
