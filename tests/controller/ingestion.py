"""A loopback HTTP server posing as the Application Insights ingestion endpoint (Breeze).

The Azure Monitor exporter POSTs a JSON array of envelopes to ``{IngestionEndpoint}/v2.1/track``
(azure-monitor-opentelemetry-exporter 1.0.0b58: ``_generated/exporter/_client.py`` builds
``{host}/{apiVersion}`` with api-version ``v2.1``, ``_operations.py`` appends ``/track``).
The body is plain JSON; a gzip'd body (``Content-Encoding: gzip``) is accepted too.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class IngestionServer:
    """Collects the envelopes posted to it; answers like Breeze with every item accepted."""

    def __init__(self) -> None:
        self.envelopes: list[dict[str, Any]] = []
        self.raw_bodies: list[bytes] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding", "").lower() == "gzip":
                    body = gzip.decompress(body)
                text = body.decode("utf-8")
                stripped = text.lstrip()
                items: list[dict[str, Any]] = (
                    json.loads(text)
                    if stripped.startswith("[")
                    else [json.loads(line) for line in text.splitlines() if line.strip()]
                )
                with server._lock:
                    server.raw_bodies.append(body)
                    server.paths.append(self.path)
                    server.envelopes.extend(items)
                answer = json.dumps({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> IngestionServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def of_type(self, base_type: str) -> list[dict[str, Any]]:
        """Envelopes whose ``data.baseType`` is ``base_type`` (EventData, MetricData, RequestData...)."""
        with self._lock:
            return [e for e in self.envelopes if e.get("data", {}).get("baseType") == base_type]
