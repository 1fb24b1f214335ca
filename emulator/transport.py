"""An azure-core transport that answers from an in-process :class:`Emulator`.

Pass ``transport=EmulatorTransport(emulator)`` to any azure-mgmt client; the
SDK's whole pipeline (retry, polling, serialisation) runs unchanged.

Measured fact (ARCHITECTURE.md): TypeSpec-generated SDKs (azure-mgmt-network
33.x) read responses through ``azure.core.rest``, so a rest request gets an
``azure.core.rest`` response: :class:`EmulatorRestResponse`, azure-core's own
``HttpResponseImpl`` over the answer's bytes (as ``RestRequestsTransportResponse``
is over a ``requests.Response``, without importing ``requests``: a cold dry run
pays no HTTP library it does not use). Older, legacy requests get the legacy
``RequestsTransportResponse`` over a ``requests.Response`` whose ``raw`` is a
byte stream, exactly as azure-core's ``RequestsTransport.send`` builds it
(azure/core/pipeline/transport/_requests_basic.py).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

from azure.core.exceptions import ServiceResponseError, ServiceResponseTimeoutError
from azure.core.pipeline._tools import handle_non_stream_rest_response, is_rest
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.utils import case_insensitive_dict

from emulator.core import Emulator
from emulator.errors import ConnectionDropped, RequestTimedOut
from emulator.exchange import EmulatorResponse

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


class _Answered:
    """The emulator's answer as a response's internal response: in memory, nothing to close."""

    def __init__(self, answer: EmulatorResponse) -> None:
        self.answer = answer

    def close(self) -> None:
        """Nothing to release."""


def _chunks(response: EmulatorRestResponse, pipeline: Any = None, **kwargs: Any) -> Iterator[bytes]:
    """The body in blocks, as a transport's stream download generator yields it."""
    body = response.internal_response.answer.body
    size = response.block_size
    for start in range(0, len(body), size):
        yield body[start : start + size]


class EmulatorRestResponse(HttpResponseImpl):
    """An ``azure.core.rest`` response over an emulator answer."""

    def __init__(self, request: Any, answer: EmulatorResponse) -> None:
        headers = case_insensitive_dict(answer.headers)
        super().__init__(
            request=request,
            internal_response=_Answered(answer),
            status_code=answer.status,
            reason=_REASONS.get(answer.status, ""),
            headers=headers,
            content_type=headers.get("content-type"),
            stream_download_generator=_chunks,
        )


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
        if is_rest(request):
            retval = EmulatorRestResponse(request, answer)
            if not kwargs.get("stream"):
                handle_non_stream_rest_response(retval)
            return retval
        return _legacy_response(request, answer)


def _legacy_response(request: Any, answer: EmulatorResponse) -> Any:
    """A legacy azure-core response, for SDK operations that still send legacy requests."""
    import requests
    from azure.core.pipeline.transport import RequestsTransportResponse
    from requests.structures import CaseInsensitiveDict

    response = requests.Response()
    response.status_code = answer.status
    response.reason = _REASONS.get(answer.status, "")
    response.headers = CaseInsensitiveDict(answer.headers)
    response.raw = io.BytesIO(answer.body)
    response.url = request.url
    response.encoding = "utf-8"
    return RequestsTransportResponse(request, response)
