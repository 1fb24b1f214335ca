"""A misbehaving ARM endpoint on loopback, for the hardening cases (issue 18).

Not the emulator (which behaves like Azure): a small HTTP server that answers
ARM-shaped requests the way a compromised or broken endpoint might, so the
real CLI (a subprocess pointed at it with `--emulator-url`) can be watched
refusing it. Every request it receives is recorded (method, path,
Authorization header), and so is every request a second, "foreign" server
receives: that one stands for another host an LRO answer points at.

Behaviours (`HostileArm(behaviour=...)`):

- `foreign-async-operation`: a write is answered 201 with an
  `Azure-AsyncOperation` URL on the foreign server (same scheme and host,
  another port), which says "Succeeded" to anyone;
- `foreign-location`: the same with a `Location` URL only;
- `echo-secret`: a Key Vault secret write is answered 400 with a message quoting the
  request body (the secret's value included) and ESC/BEL sequences;
- `throttle-forever`: every request is answered 429 with
  `Retry-After: 1000000000`;
- `escape-names`: reads find nothing, but the resource group lists an owned
  resource whose name holds terminal escape sequences;
- `repeat-next-link` / `endless-next-link` / `foreign-next-link` (issue 22): a
  resource group's listing answers a `nextLink` to itself, a new `nextLink` on
  every page, or a `nextLink` on the foreign server;
- `repeat-skip-token`: Resource Graph answers every query with the same
  `$skipToken`; `graph-retry-after`: Resource Graph answers 429 with
  `Retry-After: 1000000000` (ARM reads answer as usual).

Otherwise a GET is a 404 (nothing exists), a list is empty, and a write is
answered 200 with the body sent (provisioning `Succeeded`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

#: An OSC title change, a bell and a colour: what a hostile value smuggles in.
ESCAPES = "\x1b]0;pwned\x07\x1b[31m"


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None


@dataclass
class _Log:
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seen: Seen) -> None:
        with self.lock:
            self.requests.append(seen)


def _server(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class HostileArm:
    """The endpoint (`url`) and the foreign host (`foreign_url`), both recording."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.seen = _Log()
        self.foreign_seen = _Log()
        self._foreign = _server(self._foreign_handler())
        self.foreign_url = f"http://127.0.0.1:{self._foreign.server_address[1]}"
        self._main = _server(self._main_handler())
        self.url = f"http://127.0.0.1:{self._main.server_address[1]}"

    def close(self) -> None:
        for server in (self._main, self._foreign):
            server.shutdown()
            server.server_close()

    def __enter__(self) -> HostileArm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- handlers ---------------------------------------------------------------------------------
    def _foreign_handler(self) -> type[BaseHTTPRequestHandler]:
        log = self.foreign_seen

        class Foreign(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                log.add(Seen("GET", self.path, self.headers.get("Authorization")))
                _send(self, 200, {"status": "Succeeded"})

        return Foreign

    def _main_handler(self) -> type[BaseHTTPRequestHandler]:
        arm = self

        class Main(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    parsed = json.loads(raw or b"{}")
                except ValueError:
                    return {}
                return parsed if isinstance(parsed, dict) else {}

            def do_POST(self) -> None:
                arm.seen.add(Seen("POST", self.path, self.headers.get("Authorization")))
                self._body()
                if arm.behaviour == "throttle-forever":
                    _send(self, 429, _error("TooManyRequests", "slow down"), {"Retry-After": "1000000000"})
                elif urlsplit(self.path).path.lower() != "/providers/microsoft.resourcegraph/resources":
                    _send(self, 404, _error("NotFound", "no such action"))
                elif arm.behaviour == "repeat-skip-token":
                    _send(self, 200, {"totalRecords": 5000, "count": 0, "data": [], "$skipToken": "c2FtZQ=="})
                elif arm.behaviour == "graph-retry-after":
                    _send(self, 429, _error("RateLimiting", "slow down"), {"Retry-After": "1000000000"})
                else:
                    _send(self, 200, {"totalRecords": 0, "count": 0, "data": []})

            def do_GET(self) -> None:
                arm.seen.add(Seen("GET", self.path, self.headers.get("Authorization")))
                if arm.behaviour == "throttle-forever":
                    _send(self, 429, _error("TooManyRequests", "slow down"), {"Retry-After": "1000000000"})
                    return
                path = urlsplit(self.path).path.lower()
                host = self.headers.get("Host")
                if path.endswith("/resources") and arm.behaviour.endswith("next-link"):
                    page = int(dict(parse_qsl(urlsplit(self.path).query)).get("page", "1"))
                    link = {"repeat-next-link": f"http://{host}{self.path}",
                            "endless-next-link": f"http://{host}{urlsplit(self.path).path}?api-version=2021-04-01&page={page + 1}",
                            "foreign-next-link": f"{arm.foreign_url}{urlsplit(self.path).path}?page=2"}[arm.behaviour]
                    _send(self, 200, {"value": [], "nextLink": link})
                    return
                if path.endswith("/resources") or path.endswith("/providers"):
                    value: list[dict[str, Any]] = []
                    if arm.behaviour == "escape-names" and path.endswith("/resources"):
                        value.append(_evil_vnet(path.rsplit("/resources", 1)[0]))
                    _send(self, 200, {"value": value})
                    return
                # The listed resource exists: a GET by its id (the one that condemns a prune) finds it.
                evil = f"/providers/microsoft.network/virtualnetworks/evil{ESCAPES}vnet".lower()
                if arm.behaviour == "escape-names" and unquote(path).endswith(evil):
                    _send(self, 200, _evil_vnet(unquote(path).split("/providers/", 1)[0]))
                    return
                _send(self, 404, _error("ResourceNotFound", "The resource was not found."))

            def do_PUT(self) -> None:
                arm.seen.add(Seen("PUT", self.path, self.headers.get("Authorization")))
                body = self._body()
                path = urlsplit(self.path).path
                if arm.behaviour == "throttle-forever":
                    _send(self, 429, _error("TooManyRequests", "slow down"), {"Retry-After": "1000000000"})
                    return
                name = path.rstrip("/").rsplit("/", 1)[-1]
                echoed = {**body, "id": path, "name": name}
                echoed.setdefault("properties", {})
                is_group = path.lower().rstrip("/").rsplit("/", 2)[-2] == "resourcegroups"
                if arm.behaviour == "echo-secret" and "/secrets/" in path.lower():
                    quoted = json.dumps(body.get("properties", {}))
                    _send(self, 400, _error(
                        "InvalidParameterValue",
                        f"{ESCAPES}The secret properties {quoted} are not valid.\x07",
                    ))
                    return
                if not is_group and arm.behaviour == "foreign-async-operation":
                    echoed["properties"] = {**echoed["properties"], "provisioningState": "Creating"}
                    operation = f"{arm.foreign_url}/operations/op1?api-version=2024-01-01"
                    _send(self, 201, echoed, {"Azure-AsyncOperation": operation})
                    return
                if not is_group and arm.behaviour == "foreign-location":
                    echoed["properties"] = {**echoed["properties"], "provisioningState": "Creating"}
                    operation = f"{arm.foreign_url}/operationResults/op1?api-version=2024-01-01"
                    _send(self, 201, echoed, {"Location": operation, "Retry-After": "0"})
                    return
                echoed["properties"] = {**echoed["properties"], "provisioningState": "Succeeded"}
                _send(self, 200, echoed)

            def do_DELETE(self) -> None:
                arm.seen.add(Seen("DELETE", self.path, self.headers.get("Authorization")))
                _send(self, 204, None)

        return Main


def _evil_vnet(group: str) -> dict[str, Any]:
    """An owned VNet whose name holds terminal escape sequences, in `group` (its id path)."""
    return {
        "id": f"{group}/providers/Microsoft.Network/virtualNetworks/evil{ESCAPES}vnet",
        "name": f"evil{ESCAPES}vnet",
        "type": "Microsoft.Network/virtualNetworks",
        "location": "westus2",
        "tags": {"managed-by": "azure-reconciler", "reconciler-environment": "dev"},
    }


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _send(handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(data)


#: (method, path, status, headers, body) -> (status, headers, body): an answer rewritten by the relay.
Answer = Callable[[str, str, int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


class RewritingProxy:
    """An HTTP relay in front of a real (served) emulator that rewrites its answers' bytes: an ARM
    whose change records carry what no well-behaved service sends (an unpaired surrogate, a
    newline in a caller's name). Requests pass unchanged; `replacements` apply to every body, then
    `answer` (when given) may replace a whole answer: (method, path, status, headers, body) ->
    (status, headers, body), e.g. an HTML error page or a body naming another resource."""

    def __init__(self, target: str, replacements: dict[bytes, bytes], answer: Answer | None = None) -> None:
        self.target = target.rstrip("/")
        self.replacements = replacements
        self.answer = answer
        self.seen = _Log()
        self._server = _server(self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RewritingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Relay(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                import urllib.error
                import urllib.request

                proxy.seen.add(Seen(self.command, self.path, self.headers.get("Authorization")))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                # The client's Host passes on, so URLs the emulator builds (LRO polls) point at the relay.
                headers = {k: v for k, v in self.headers.items() if k.lower() != "content-length"}
                request = urllib.request.Request(proxy.target + self.path, data=body, headers=headers,
                                                 method=self.command)
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        status, answer_headers, data = answer.status, dict(answer.headers), answer.read()
                except urllib.error.HTTPError as error:
                    status, answer_headers, data = error.code, dict(error.headers), error.read()
                for old, new in proxy.replacements.items():
                    data = data.replace(old, new)
                if proxy.answer is not None:
                    status, answer_headers, data = proxy.answer(self.command, self.path, status, answer_headers, data)
                self.send_response(status)
                for key, value in answer_headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _relay

        return Relay
