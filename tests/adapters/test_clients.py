"""The client factory: targets, one client per service, pipeline shape, LRO timeout."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from azure.core.pipeline.policies import RetryPolicy

from adapters.base import Adapter
from adapters.clients import EMULATOR_TOKEN, SERVICES, ClientFactory, LroTimeout
from adapters.ratelimit import RateLimitPolicy, RequestCounter
from adapters.registry import AdapterRegistry
from adapters.retry import ArmRetryPolicy
from tests.adapters.examples import example

SUB = "00000000-0000-0000-0000-00000000bbbb"
VNET = "Microsoft.Network/virtualNetworks"


def pipeline_policies(client: Any) -> list[Any]:
    return [getattr(p, "_policy", p) for p in client._client._pipeline._impl_policies]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_client_has_only_our_retry_policy_with_limiter_and_counter_per_try(service: str) -> None:
    clients = ClientFactory.for_endpoint(SUB, "http://127.0.0.1:9")
    policies = pipeline_policies(clients.client(service))
    retries = [p for p in policies if isinstance(p, RetryPolicy)]
    assert [type(p) for p in retries] == [ArmRetryPolicy]
    after_retry = [type(p) for p in policies[policies.index(retries[0]) + 1:]]
    # Per try: each attempt waits for a token and is counted.
    assert RateLimitPolicy in after_retry
    assert RequestCounter in after_retry


def test_clients_are_cached_across_threads() -> None:
    clients = ClientFactory.for_endpoint(SUB, "http://127.0.0.1:9")
    seen: list[Any] = []
    threads = [threading.Thread(target=lambda: seen.append(clients.client("network"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1


def test_emulator_targets_poll_fast_and_azure_keeps_the_sdk_default() -> None:
    assert ClientFactory.for_endpoint(SUB, "http://127.0.0.1:9").client("network")._config.polling_interval == 0.05
    azure = ClientFactory.for_azure(SUB, credential=_Credential())
    assert azure.client("network")._config.polling_interval == 30
    assert azure.base_url == "https://management.azure.com"


class _Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("no request is sent in this test")


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A plain-HTTP ARM endpoint on loopback serving one VNet."""
    seen: list[dict[str, str]] = []
    body = json.dumps(example(VNET, "GET").live_body()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, "authorization": self.headers.get("Authorization", "")})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_plain_http_endpoint_gets_the_fake_token(loopback: tuple[str, list[dict[str, str]]]) -> None:
    url, seen = loopback
    registry = AdapterRegistry(ClientFactory.for_endpoint(SUB, url))
    resource_id = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v1"
    adapter: Adapter = registry.for_type(VNET)  # the generic adapter satisfies the contract
    assert adapter.read(resource_id) == example(VNET, "GET").live_body()
    assert seen[0]["path"].startswith(resource_id + "?api-version=")
    assert seen[0]["authorization"] == f"Bearer {EMULATOR_TOKEN}"


class _StuckPoller:
    def result(self, timeout: float | None = None) -> None:
        self.waited = timeout

    def done(self) -> bool:
        return False


def test_an_lro_that_outlives_its_timeout_raises_a_clear_error() -> None:
    clients = ClientFactory.for_endpoint(SUB, "http://127.0.0.1:9", lro_timeout=12)
    poller = _StuckPoller()
    with pytest.raises(LroTimeout, match="vnet v1: long-running operation not finished after 12 s"):
        clients.wait(poller, "vnet v1")  # type: ignore[arg-type]
    assert poller.waited == 12
