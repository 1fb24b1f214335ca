"""Requests leave only for the ARM endpoint the client was built for.

An LRO's `Azure-AsyncOperation` / `Location` header (and a list's `nextLink`)
is a URL the *service* chose; azure-core polls it through the client's own
pipeline, bearer token included, and trusts the status it reads there. An
answer pointing at another host would receive our token and could claim
"Succeeded" for a write that never happened. Real ARM never does this: every
poll URL recorded against live Azure is on `https://management.azure.com`
(tests/fixtures/recordings/interactions.jsonl: 59 `Azure-AsyncOperation` and 84
`Location` headers, one spelled with the explicit default port `:443`).

`EndpointGuardPolicy` sits in every client's pipeline (adapters/clients.py),
after authentication and before the transport, and refuses any request whose
scheme, host or port differ from the client's base URL: `ForeignEndpointError`
is raised before a byte (or the Authorization header) is sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

from desired_state.errors import ReconcilerError

_DEFAULT_PORTS = {"http": 80, "https": 443}


class ForeignEndpointError(ReconcilerError, AzureError):
    """The service pointed us at a URL off its own ARM endpoint (not retried)."""

    outcome = "validation"


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of `url`, lower-cased, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme, -1)


class EndpointGuardPolicy(SansIOHTTPPolicy[Any, Any]):
    """Refuses every request that is not for `base_url`'s scheme, host and port."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.allowed = origin(base_url)

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = request.http_request.url
        if origin(url) != self.allowed:
            scheme, host, port = origin(url)
            # Only the origin is named: the rest of a service-chosen URL may carry anything.
            raise ForeignEndpointError(
                f"refused to send a request to {scheme}://{host}:{port}, which is not the ARM endpoint "
                f"{self.base_url} (a long-running operation or next page pointed elsewhere); "
                "no credential was sent and the operation's outcome is unknown"
            )
