"""An azure-core transport that answers from an in-process :class:`Emulator`.

Pass ``transport=EmulatorTransport(emulator)`` to any azure-mgmt client; the
SDK's whole pipeline (retry, polling, serialisation) runs unchanged.

Measured fact (ARCHITECTURE.md): TypeSpec-generated SDKs (azure-mgmt-network
33.x) read responses through ``azure.core.rest``, so a rest request gets a
``RestRequestsTransportResponse`` over a ``requests.Response`` whose ``raw`` is
a byte stream, exactly as azure-core's own ``RequestsTransport.send`` does
(azure/core/pipeline/transport/_requests_basic.py); older requests get the
legacy ``RequestsTransportResponse``.
"""

from __future__ import annotations

import io
import time
from typing import Any

import requests
from azure.core.exceptions import ServiceResponseError, ServiceResponseTimeoutError
from azure.core.pipeline._tools import handle_non_stream_rest_response, is_rest
from azure.core.pipeline.transport import HttpTransport, RequestsTransportResponse
from azure.core.rest._requests_basic import RestRequestsTransportResponse
from requests.structures import CaseInsensitiveDict

from emulator.core import Emulator
from emulator.errors import ConnectionDropped, RequestTimedOut

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 404: "Not Found",
            409: "Conflict", 412: "Precondition Failed", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}


def _request_body(request: Any) -> bytes | None:
    """The body bytes of a rest or legacy azure-core request."""
    data = request.content if is_rest(request) else getattr(request, "data", None)
    if data is None:
        data = getattr(request, "body", None)
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    if hasattr(data, "read"):
        read = data.read()
        return read if isinstance(read, bytes) else str(read).encode()
    return bytes(data)


class EmulatorTransport(HttpTransport[Any, Any]):
    """azure-core ``HttpTransport`` over an :class:`Emulator`; no sockets involved."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def __enter__(self) -> EmulatorTransport:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def open(self) -> None:
        """Nothing to open."""

    def close(self) -> None:
        """Nothing to close."""

    def sleep(self, duration: float) -> None:
        """Real sleep: the emulator's LRO durations are wall-clock."""
        time.sleep(duration)

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Answer the request from the emulator, shaped like azure-core's requests transport."""
        timeout = kwargs.get("read_timeout", kwargs.get("connection_timeout"))
        try:
            answer = self.emulator.handle(
                request.method,
                request.url,
                dict(request.headers),
                _request_body(request),
                timeout=float(timeout) if timeout is not None else None,
            )
        except ConnectionDropped as err:
            raise ServiceResponseError("Connection aborted by the emulator (injected fault)", error=err) from err
        except RequestTimedOut as err:
            raise ServiceResponseTimeoutError(str(err), error=err) from err
        response = requests.Response()
        response.status_code = answer.status
        response.reason = _REASONS.get(answer.status, "")
        response.headers = CaseInsensitiveDict(answer.headers)
        response.raw = io.BytesIO(answer.body)
        response.url = request.url
        response.encoding = "utf-8"
        if is_rest(request):
            retval = RestRequestsTransportResponse(request=request, internal_response=response)  # type: ignore[no-untyped-call]
            if not kwargs.get("stream"):
                handle_non_stream_rest_response(retval)
            return retval
        return RequestsTransportResponse(request, response)
