"""One ARM exchange as the emulator sees it: the parsed request and the HTTP answer.

Every request handler (reads, listing, writes, deletes, polling) takes a
:class:`Request` and returns an :class:`EmulatorResponse`; ARM's error
envelope (``{"error": {code, message, target, details}}``) is built here once.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import local_files
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


#: Deepest JSON a request may nest (an ARM body nests about 15 levels).
MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class MalformedJson(ValueError):
    """JSON the emulator will not take: not UTF-8, too deep, NaN/Infinity, a number beyond a
    double, an unpaired surrogate (which no encoding, and no SQLite text, can hold)."""


def _no_constant(name: str) -> Any:
    raise MalformedJson(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedJson(f"the number {text[:40]} is beyond a double")
    return value


def strict_json(raw: bytes | str) -> Any:
    """Parse JSON as ARM does: strictly. `MalformedJson` names what is wrong."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MalformedJson(f"it is not UTF-8 (byte {err.start})") from None
    if local_files.json_depth(data) > MAX_JSON_DEPTH:
        raise MalformedJson(f"it nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except MalformedJson:
        raise
    except (ValueError, RecursionError) as err:
        raise MalformedJson(str(err)) from None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise MalformedJson("a string holds an unpaired surrogate")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


def parse_body(raw: bytes | None) -> dict[str, Any]:
    """The request body as a JSON object, or 400 InvalidRequestContent."""
    if not raw:
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: empty body.")
    try:
        value = strict_json(raw)
    except MalformedJson as err:
        raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {err}.") from err
    if not isinstance(value, dict):
        raise ArmError(400, "InvalidRequestContent", "The request content must be a JSON object.")
    _check_envelope(value)
    return value


#: ARM's envelope fields and the JSON kind each must be when present (null allowed).
_ENVELOPE = {"tags": dict, "properties": dict, "location": str, "sku": dict, "identity": dict, "plan": dict,
             "kind": str, "etag": str, "zones": list}


def _check_envelope(body: dict[str, Any]) -> None:
    """The envelope of an ARM body: what ARM's deserializer refuses before any provider sees it."""
    for field_name, kind in _ENVELOPE.items():
        value = body.get(field_name)
        if value is not None and not isinstance(value, kind):
            raise ArmError(400, "InvalidRequestContent", f"The request content was invalid and could not be "
                           f"deserialized: '{field_name}' must be a JSON {kind.__name__.replace('dict', 'object')}.")
    tags = body.get("tags")
    if isinstance(tags, dict) and not all(isinstance(v, str) for v in tags.values()):
        raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                       "deserialized: tag values must be strings.")


#: Paging parameters the emulator issues (whole numbers) and the one it reads ($top).
_WHOLE_QUERY = ("$skiptoken", "$top")


def check_query(query: dict[str, str]) -> None:
    """At the root of every request: paging parameters are whole numbers (400 otherwise), so no
    handler parses them into an error."""
    for key, value in query.items():
        if key.lower() in _WHOLE_QUERY and not value.strip().isdigit():
            raise ArmError(400, "BadRequest", f"The {key} query parameter is not one this service issued or accepts "
                           f"(a whole number); send back the nextLink unchanged.")


def check_body(raw: bytes | None) -> None:
    """At the root of every request: a body, when there is one, is strict JSON (400 otherwise)."""
    if raw:
        try:
            strict_json(raw)
        except MalformedJson as err:
            raise ArmError(
                400, "InvalidRequestContent", f"The request content was invalid and could not be deserialized: {err}."
            ) from err
