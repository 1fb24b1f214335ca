"""Ownership before any delete or replace, whatever observed it (issue 22, item 1).

Graph mode may *find* prune candidates in Resource Graph rows, which lag ARM (Azure documents up
to 30 s) and may come from other subscriptions; only a fresh GET by id may *condemn* one. These
tests run the real CLI (`python -m reconciler.cli`, a separate process) against the emulator:

- someone removes the ownership tags of an NSG we no longer declare while Resource Graph still
  shows them: `--yes --prune --observe graph` deletes nothing;
- Resource Graph answers a row of another subscription carrying our tags, with an NSG of the
  same name in our subscription that is not ours: nothing is deleted in ours.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from desired_state import build
from desired_state.tags import ownership_tags
from emulator import Emulator, FaultConfig
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.request_log import clear_request_log, read_request_log
from emulator.server import running_server
from tests.cli.cli_process import on_pipe
from tests.estates import copy_state

BASE = "https://management.azure.com"
PORTAL = {"Authorization": "Bearer portal-user", "Content-Type": "application/json"}
NSG = "Microsoft.Network/networkSecurityGroups"
OTHER_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"


pytestmark = pytest.mark.usefixtures("cli_isolated")  # tests/engine/conftest.py


def _url(rid: str, arm_type: str) -> str:
    return f"{BASE}{rid}?api-version={max(KNOWN_API_VERSIONS[arm_type.lower()])}"


def _put(emulator: Emulator, rid: str, arm_type: str, body: dict[str, Any]) -> None:
    answer = emulator.handle("PUT", _url(rid, arm_type), PORTAL, json.dumps(body).encode())
    assert answer.status in (200, 201), answer.body


def _get(emulator: Emulator, rid: str, arm_type: str) -> dict[str, Any] | None:
    answer = emulator.handle("GET", _url(rid, arm_type), PORTAL, b"")
    if answer.status == 404:
        return None
    assert answer.status == 200, answer.body
    body: dict[str, Any] = json.loads(answer.body)
    return body


def _group_id() -> str:
    vnet = build("dev").by_address("networking.vnet")
    return vnet.id.split("/providers/")[0]


def _deletes(state: Path) -> list[str]:
    return [r.path for r in read_request_log(state) if r.method == "DELETE"]


def test_graph_mode_deletes_nothing_whose_ownership_tags_were_removed_while_the_rows_lag(
    applied_dev: Path, tmp_path: Path
) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    nsg = f"{_group_id()}/providers/{NSG}/nsg-retired"
    # An NSG we made an hour ago and no longer declare: Resource Graph has long shown its tags.
    an_hour_ago = Emulator(state, faults=FaultConfig(throttle=False), clock=lambda: time.time() - 3600)
    _put(an_hour_ago, nsg, NSG, {"location": "westus2", "tags": ownership_tags("dev"), "properties": {}})
    an_hour_ago.close()
    # Just now another team took it over: our ownership tags are gone, Resource Graph still lags.
    now = Emulator(state, faults=FaultConfig(throttle=False))
    _put(now, nsg, NSG, {"location": "westus2", "tags": {"owner": "another-team"}, "properties": {}})
    now.close()
    clear_request_log(state)

    ran = on_pipe(tmp_path, "--yes", "--prune", "--observe", "graph", "--env", "dev", "--emulator-state", str(state),
                  RECONCILER_EMULATOR_GRAPH_STALENESS_SECONDS="600")

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert [p for p in _deletes(state) if "nsg-retired" in p.lower()] == []
    assert any("/providers/microsoft.resourcegraph/resources" in r.path.lower() for r in read_request_log(state))
    after = Emulator(state, faults=FaultConfig(throttle=False))
    kept = _get(after, nsg, NSG)
    after.close()
    assert kept is not None and kept["tags"] == {"owner": "another-team"}
    assert "nsg-retired" not in ran.stdout, "a resource that is not ours is no prune candidate in the plan"


class _ForeignRows:
    """A Resource Graph in front of the emulator that also answers rows of another subscription
    (as a query scoped wider than one subscription does); everything else is passed through."""

    def __init__(self, upstream: str, foreign_rows: list[dict[str, Any]]) -> None:
        self.upstream = upstream.rstrip("/")
        self.foreign_rows = foreign_rows

    @contextmanager
    def serving(self) -> Iterator[str]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.request(self.command, proxy.upstream + self.path, data=body, headers=headers,
                                          timeout=60, allow_redirects=False)
                content = answer.content
                if self.path.lower().startswith("/providers/microsoft.resourcegraph/resources") and body:
                    query = json.loads(body).get("query", "")
                    if query.lstrip().startswith("resources") and answer.status_code == 200:
                        document = answer.json()
                        document["data"] = [*document.get("data", []), *proxy.foreign_rows]
                        document["count"] = len(document["data"])
                        document["totalRecords"] = document.get("totalRecords", 0) + len(proxy.foreign_rows)
                        content = json.dumps(document).encode()
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(key, value.replace(proxy.upstream, f"http://127.0.0.1:{self.server.server_port}"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _forward

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()


def test_a_resource_graph_row_of_another_subscription_deletes_nothing_in_ours(
    applied_dev: Path, tmp_path: Path
) -> None:
    state = copy_state(applied_dev, tmp_path / "dev.db")
    ours = f"{_group_id()}/providers/{NSG}/nsg-shared-name"
    group_name = _group_id().rsplit("/", 1)[-1]
    theirs = f"/subscriptions/{OTHER_SUBSCRIPTION}/resourceGroups/{group_name}/providers/{NSG}/nsg-shared-name"
    emulator = Emulator(state, faults=FaultConfig(throttle=False))
    # Another team's NSG in our subscription, without our tags...
    _put(emulator, ours, NSG, {"location": "westus2", "tags": {"owner": "another-team"}, "properties": {}})
    emulator.close()
    # ...and a Resource Graph row of the same name in another subscription, carrying our tags.
    row = {
        "id": theirs, "name": "nsg-shared-name", "type": NSG.lower(), "location": "westus2",
        "resourceGroup": group_name.lower(), "subscriptionId": OTHER_SUBSCRIPTION, "tags": ownership_tags("dev"),
        "properties": {"securityRules": []}, "sku": None, "kind": "", "identity": None, "managedBy": "",
        "zones": None,
    }
    clear_request_log(state)

    with running_server(state, faults=FaultConfig(throttle=False)) as server, \
            _ForeignRows(server.base_url, [row]).serving() as url:
        ran = on_pipe(tmp_path, "--yes", "--prune", "--observe", "graph", "--env", "dev", "--emulator-url", url)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert [p for p in _deletes(state) if "nsg-shared-name" in p.lower()] == []
    after = Emulator(state, faults=FaultConfig(throttle=False))
    kept = _get(after, ours, NSG)
    after.close()
    assert kept is not None and kept["tags"] == {"owner": "another-team"}
    assert OTHER_SUBSCRIPTION not in ran.stdout, "a row outside the target subscription is no prune candidate"


def test_managed_redis_is_data_and_is_not_pruned_without_allow_data_loss(applied_dev: Path, tmp_path: Path) -> None:
    """Issue 22 item 2: whether a type holds data is its declaration's fact, which the safety
    policy reads (it used to keep its own list, without Azure Managed Redis)."""
    state = copy_state(applied_dev, tmp_path / "dev.db")
    cluster = f"{_group_id()}/providers/Microsoft.Cache/redisEnterprise/amr-retired"
    emulator = Emulator(state, faults=FaultConfig(throttle=False))
    _put(emulator, cluster, "Microsoft.Cache/redisEnterprise",
         {"location": "westus2", "tags": ownership_tags("dev"), "sku": {"name": "Balanced_B0"},
          "properties": {"minimumTlsVersion": "1.2"}})
    emulator.close()
    clear_request_log(state)

    ran = on_pipe(tmp_path, "--yes", "--prune", "--env", "dev", "--emulator-state", str(state))

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert [p for p in _deletes(state) if "amr-retired" in p.lower()] == []
    assert "amr-retired" in ran.stdout and "--allow-data-loss" in ran.stdout
    after = Emulator(state, faults=FaultConfig(throttle=False))
    assert _get(after, cluster, "Microsoft.Cache/redisEnterprise") is not None
    after.close()
