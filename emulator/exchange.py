"""One ARM exchange as the emulator sees it: the parsed request and the HTTP answer.

Every request handler (reads, listing, writes, deletes, polling) takes a
:class:`Request` and returns an :class:`EmulatorResponse`; ARM's error
envelope (``{"error": {code, message, target, details}}``) is built here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ArmError


@dataclass
class EmulatorResponse:
    """An HTTP answer: status, headers, body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class Request:
    """A request after parsing: upper-case method, lower-case header names, the clock's ``now``."""

    method: str
    base: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes | None
    api_version: str
    now: float
    timeout: float | None


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> EmulatorResponse:
    """A JSON answer with ARM's content type."""
    out = {"Content-Type": "application/json; charset=utf-8"}
    if headers:
        out.update(headers)
    return EmulatorResponse(status, out, json.dumps(payload).encode())


def error_response(err: ArmError) -> EmulatorResponse:
    """ARM's error envelope for an :class:`ArmError`."""
    payload: dict[str, Any] = {
        "error": {"code": err.code, "message": err.message, "target": err.target, "details": []}
    }
    return json_response(err.status, payload, err.headers)


def parse_body(raw: bytes | None) -> dict[str, Any]:
    """The request body as a JSON object, or 400 InvalidRequestContent."""
    if not raw:
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: empty body.")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {err}.") from err
    if not isinstance(value, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    return value
