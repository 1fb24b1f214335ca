"""The HTTP server: loopback only, any bearer token, real SDK clients pointed at its base_url."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient

from emulator import FaultConfig, read_request_log
from emulator.server import running_server

from .conftest import SUB, FakeCredential


class AnyBearer(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Adds a bearer header without azure-core's https-only check."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        request.http_request.headers["Authorization"] = "Bearer fake"


def test_sdk_clients_work_over_http_on_loopback(tmp_path: Path) -> None:
    state = tmp_path / "server.db"
    with running_server(state, faults=FaultConfig(throttle=False)) as server:
        assert server.server_address[0] == "127.0.0.1"
        kwargs: dict[str, Any] = {
            "credential": FakeCredential(),
            "subscription_id": SUB,
            "base_url": server.base_url,
            "authentication_policy": AnyBearer(),
            "polling_interval": 0,
        }
        ResourceManagementClient(**kwargs).resource_groups.create_or_update("rg1", {"location": "westus2"})
        net: Any = NetworkManagementClient(**kwargs)
        body: dict[str, Any] = {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
        vnet = net.virtual_networks.begin_create_or_update("rg1", "v1", body).result()
        assert vnet.properties.provisioning_state == "Succeeded"
        polls = [r for r in server.emulator.request_log if "/operationStatuses/" in r.path]
        assert polls, "the poller followed the absolute http:// Azure-AsyncOperation URL"
    assert any(r.method == "PUT" and r.path.endswith("/v1") for r in read_request_log(state))


def test_requests_without_a_token_are_401(tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    with running_server(tmp_path / "s.db") as server:
        try:
            urllib.request.urlopen(f"{server.base_url}/subscriptions/{SUB}?api-version=2022-12-01", timeout=10)
        except urllib.error.HTTPError as err:
            assert err.code == 401
        else:
            raise AssertionError("expected 401")
