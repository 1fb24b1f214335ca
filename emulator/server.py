"""The emulator over HTTP, on loopback only (127.0.0.1, never 0.0.0.0).

Any bearer token is accepted; a request without ``Authorization`` gets 401
``AuthenticationFailed`` as ARM answers. Point an SDK client at
``server.base_url`` (azure-core's bearer policy refuses http URLs, so tests
pass an ``authentication_policy`` that just adds the header).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from emulator.core import Emulator
from emulator.errors import ConnectionDropped
from emulator.faults import FaultConfig

LOOPBACK = "127.0.0.1"
#: Largest request body read (ARM refuses request bodies above 4 MiB).
MAX_BODY_BYTES = 8 * 1024 * 1024
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_CODES = {400: "BadRequest", 408: "RequestTimeout", 414: "RequestUriTooLong", 431: "RequestHeaderFieldsTooLarge"}


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server answering from one :class:`Emulator`."""

    daemon_threads = True

    def __init__(self, emulator: Emulator, port: int) -> None:
        self.emulator = emulator
        super().__init__((LOOPBACK, port), _Handler)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{LOOPBACK}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def _answer(self) -> None:
        # The HTTP layer's part of the request-parsing root: the body's length, then the
        # emulator's (emulator/core.py: strict JSON, readable token claims). Whatever a client
        # sends, the answer is ARM's error envelope, never a dropped connection or a traceback.
        if self.headers.get("Transfer-Encoding"):
            self._refuse(400, "InvalidRequestContent", "Send the request body with a Content-Length, not chunked.")
            return
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if not raw_length.isdigit():
            self._refuse(400, "InvalidRequestContent", "The Content-Length header is not a whole number of bytes.")
            return
        length = int(raw_length)
        if length > MAX_BODY_BYTES:
            self._refuse(413, "RequestEntityTooLarge",
                         f"The request content is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB.")
            return
        body = self.rfile.read(length) if length else None
        if not self.headers.get("Authorization", "").lower().startswith("bearer "):
            payload = (
                b'{"error": {"code": "AuthenticationFailed", "message": "Authentication failed. The '
                b'Authorization header is missing.", "target": null, "details": []}}'
            )
            self._write(401, {"Content-Type": "application/json; charset=utf-8"}, payload)
            return
        host = self.headers.get("Host") or ""
        if not _HOST.fullmatch(host):  # LRO URLs are built from it: only a host[:port]
            host = f"{LOOPBACK}:{self.server.server_address[1]}"
        try:
            answer = self.server.emulator.handle(self.command, f"http://{host}{self.path}", dict(self.headers), body)
        except ConnectionDropped:
            self.close_connection = True  # injected fault: hang up without an answer
            return
        self._write(answer.status, answer.headers, answer.body)

    def _refuse(self, status: int, code: str, message: str) -> None:
        """ARM's error envelope, then close: what is left of the request cannot be read safely."""
        payload = json.dumps({"error": {"code": code, "message": message, "target": None, "details": []}}).encode()
        self.close_connection = True
        self._write(status, {"Content-Type": "application/json; charset=utf-8", "Connection": "close"}, payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line it cannot parse, an unknown method, a header
        too long) in ARM's error envelope instead of an HTML page."""
        status, arm_code = (405, "MethodNotAllowed") if code == 501 else (code, _CODES.get(code, "BadRequest"))
        if self.request_version == "HTTP/0.9":  # a request line it could not parse: answer in HTTP/1.1
            self.request_version = "HTTP/1.1"
        with contextlib.suppress(OSError):
            self._refuse(status, arm_code, message or explain or "The request could not be read.")

    def _write(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST = do_HEAD = do_OPTIONS = do_TRACE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log in the state file records every request."""


def serve(state_path: str | Path, port: int, faults: FaultConfig | None = None) -> EmulatorHTTPServer:
    """A server bound to 127.0.0.1:port (0 picks a free port); call ``serve_forever()`` on it."""
    return EmulatorHTTPServer(Emulator(state_path, faults=faults), port)


@contextmanager
def running_server(
    state_path: str | Path, port: int = 0, faults: FaultConfig | None = None
) -> Iterator[EmulatorHTTPServer]:
    """Serve in a background thread for the duration of the block."""
    server = serve(state_path, port, faults)
    thread = threading.Thread(target=server.serve_forever, name="emulator-http", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
