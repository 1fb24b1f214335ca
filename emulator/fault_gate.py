"""The gate every request passes before it is answered: injected faults and throttling.

In order: latency, a dropped connection, a hang (a timeout when the caller's
read timeout is shorter), the subscription's read/write/delete budget (429
TooManyRequests with Retry-After and the ``x-ms-ratelimit-remaining-*``
headers, docs/arm-semantics.md), and transient 500/503s. The remaining-budget
header is added to every answer, errors included.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from emulator.errors import ArmError, ConnectionDropped, RequestTimedOut
from emulator.exchange import EmulatorResponse, Request
from emulator.faults import BucketKind, FaultConfig, FaultInjector


def through_faults(
    req: Request, cfg: FaultConfig, injector: FaultInjector, answer: Callable[[Request], EmulatorResponse]
) -> EmulatorResponse:
    """``answer(req)`` unless an injected fault or the throttle answers first."""
    if cfg.latency_ms > 0:
        time.sleep(cfg.latency_ms / 1000.0)
    if injector.draw("drop", cfg.drop_rate):
        raise ConnectionDropped("connection dropped by injected fault")
    if injector.draw("hang", cfg.hang_rate):
        if req.timeout is not None and req.timeout < cfg.hang_seconds:
            time.sleep(req.timeout)
            raise RequestTimedOut(f"no answer within the caller's {req.timeout} s (injected hang)")
        time.sleep(cfg.hang_seconds)
    sub = _subscription_of(req.path)
    bucket: BucketKind = (
        "reads" if req.method in ("GET", "HEAD") else "deletes" if req.method == "DELETE" else "writes"
    )
    limit_headers: dict[str, str] = {}
    if sub:
        allowed, remaining, wait = injector.throttle(sub.lower(), bucket)
        limit_headers[f"x-ms-ratelimit-remaining-subscription-{bucket}"] = str(remaining)
        if not allowed:
            raise ArmError(
                429,
                "TooManyRequests",
                f"The request is being throttled: the subscription's {bucket} budget is exhausted.",
                headers={"Retry-After": str(wait), **limit_headers},
            )
    if injector.draw("error", cfg.error_rate):
        status = injector.error_status()
        code = "InternalServerError" if status == 500 else "ServiceUnavailable"
        raise ArmError(status, code, "Injected transient server error.", headers=limit_headers)
    try:
        response = answer(req)
    except ArmError as err:
        err.headers.update(limit_headers)
        raise
    response.headers.update(limit_headers)
    return response


def _subscription_of(path: str) -> str:
    parts = path.split("/", 3)
    if len(parts) >= 3 and parts[1].lower() == "subscriptions":
        return parts[2]
    return ""
