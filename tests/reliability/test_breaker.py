"""The run-wide circuit breaker (`adapters/breaker.py`, issue 22): what trips it, what does not,
and that it stands aside once the endpoint answered. Real connection failures are made through
azure-core's own transport; the CLI cases are in `tests/reliability/guarantees.py` (item 8)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import closing

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.core.pipeline.policies import RetryPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest

from adapters.breaker import CircuitBreaker, EndpointUnreachable, failure_kind


def _failure(url: str, **options: float) -> Exception:
    client = PipelineClient(url, policies=[RetryPolicy(retry_total=0)], transport=RequestsTransport())
    try:
        client.send_request(HttpRequest("GET", url), **options)
    except (ServiceRequestError, ServiceResponseError) as error:
        return error
    raise AssertionError("the request succeeded")


def _closed_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_failures_are_told_apart_by_their_causes() -> None:
    assert failure_kind(_failure(f"http://127.0.0.1:{_closed_port()}/")) == "refused"
    assert failure_kind(_failure("http://reconciler-test.invalid/")) == "dns"
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        assert failure_kind(_failure(url, connection_timeout=0.5, read_timeout=0.5)) == "timeout"
        # the TLS handshake waits under the connection timeout (300 s by default: the product sets 10 s, adapters/retry.py)
        assert failure_kind(_failure(url.replace("http:", "https:"), connection_timeout=0.5, read_timeout=0.5)) == "timeout"
    assert failure_kind(ServiceResponseError("connection reset")) is None  # a dropped answer: not the endpoint's


def test_hard_failures_trip_only_after_the_window_and_the_error_names_endpoint_and_cause() -> None:
    now = [100.0]
    breaker = CircuitBreaker("http://127.0.0.1:9", clock=lambda: now[0])
    refused = _failure(f"http://127.0.0.1:{_closed_port()}/")
    for _ in range(5):
        breaker.failure(refused)
    assert not breaker.tripped  # a restarting endpoint gets a moment
    now[0] += 2.5
    breaker.failure(refused)
    assert breaker.tripped
    with pytest.raises(EndpointUnreachable, match=r"http://127\.0\.0\.1:9: connection refused, before it answered"):
        breaker.check()


def test_an_endpoint_that_answered_once_is_never_declared_unreachable() -> None:
    breaker = CircuitBreaker("https://management.azure.com", clock=lambda: 0.0)
    breaker.answer()
    timeout = _failure(f"http://127.0.0.1:{_closed_port()}/")  # refused: as strong evidence as a timeout
    for _ in range(10):
        breaker.failure(timeout)
    breaker.gave_up(timeout, "wait budget used up", throttled=True)
    breaker.check()
    breaker.start_run()  # a new cycle: nothing is known again
    breaker.gave_up(None, "wait budget of 120 s used up (RECONCILER_REQUEST_BUDGET)", throttled=True)
    with pytest.raises(EndpointUnreachable, match=r"Retry-After.*RECONCILER_REQUEST_BUDGET"):
        breaker.check()


def test_one_whole_timeout_with_no_answer_trips_naming_what_bounded_the_wait() -> None:
    with closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        timeout = _failure(f"http://127.0.0.1:{silent.getsockname()[1]}/", read_timeout=0.3)
    breaker = CircuitBreaker("http://127.0.0.1:1")
    breaker.failure(timeout, "no answer in 3.0 s, the wait bounded by RECONCILER_REQUEST_BUDGET")
    with pytest.raises(EndpointUnreachable, match=r"did not answer within the timeout.*RECONCILER_REQUEST_BUDGET"):
        breaker.check()


def test_a_pause_ends_when_the_breaker_trips() -> None:
    breaker = CircuitBreaker("http://x:1")
    threading.Timer(0.2, lambda: breaker.gave_up(None, "", throttled=True)).start()
    started = time.monotonic()
    breaker.pause(30.0, time.sleep)
    assert time.monotonic() - started < 5
