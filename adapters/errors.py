"""Outcomes as data: why a change was blocked, skipped or failed (`Reason`), a failed write as a
value (`Failure`), the one classifier of ARM errors behind it (`classify`), and the one way an
exception is told in a line (`one_line`, `describe`).

The classifier reads what ARM answered: the HTTP status and the error code of ARM's error body
(`{"error": {"code", "message"}}`, ARM RPC "Error response content"). Codes and their meaning:
Microsoft Learn, "Troubleshoot common Azure deployment errors"
(learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors) and
"Understand how Azure Resource Manager throttles requests"; the retry layer's own table of
transient statuses and eventual-consistency codes (`adapters.retry`) is reused, not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from desired_state.errors import ReconcilerError

#: The longest one-line account of an error kept in a plan, a result or a log line.
ONE_LINE_LIMIT = 300


class Reason(StrEnum):
    """Why a change did not happen as planned; the codes of the plan's JSON (docs/plan-format.md)."""

    # Blocked: planned, but not run in this invocation.
    NEEDS_ALLOW_REPLACE = "needs-allow-replace"
    NEEDS_PRUNE = "needs-prune"
    NEEDS_ALLOW_DATA_LOSS = "needs-allow-data-loss"
    NEEDS_ALLOW_PROD_DESTROY = "needs-allow-prod-destroy"
    NOT_OWNED = "not-owned"
    REPORT_ONLY = "drift-policy-report"
    # Skipped: not written in this run.
    NOT_CONVERGENT = "not-convergent"
    DEPENDENCY_FAILED = "dependency-failed"
    STOP_REQUESTED = "stop-requested"
    # Failed (a write), or could not be read (a plan's errors).
    THROTTLING = "throttling"
    CONFLICT = "conflict"
    TRANSIENT = "transient"
    QUOTA = "quota"
    VALIDATION = "validation"
    AUTHORIZATION = "authorization"
    NOT_FOUND = "not-found"
    STALE = "stale"
    UNKNOWN_REFERENCE = "unknown-reference"
    UNREADABLE_BODY = "unreadable-body"
    INTERNAL = "internal"


#: Failures worth trying again later (the next run or cycle), as such.
RETRYABLE = frozenset({Reason.THROTTLING, Reason.CONFLICT, Reason.TRANSIENT})

#: ARM error codes of a quota or capacity limit, whatever their status (400, 403, 409).
QUOTA_CODES = frozenset(c.lower() for c in (
    "QuotaExceeded", "ResourceQuotaExceeded", "SubscriptionQuotaExceeded", "SkuNotAvailable",
    "AllocationFailed", "ZonalAllocationFailed", "RegionDoesNotAllowProvisioning",
    "MaxStorageAccountsCountPerSubscriptionExceeded", "ResourceCountExceedsLimit", "LimitExceeded",
))
#: A refusal of the operation in the resource's state; a quota only when its message says so (real
#: traffic: 409 "Operation 'performMaintenance' is not allowed on VM ..."; Learn: "... exceeding
#: approved standardDSv3Family Cores quota").
NOT_ALLOWED = "operationnotallowed"
#: ARM error codes of a refusal by role or policy.
AUTHORIZATION_CODES = frozenset(c.lower() for c in (
    "AuthorizationFailed", "LinkedAuthorizationFailed", "RequestDisallowedByPolicy", "InvalidAuthenticationToken",
    "ExpiredAuthenticationToken", "AuthenticationFailed",
))


@dataclass(frozen=True)
class Failure:
    """A write (or read) that failed: why, in a code and in a line, ARM's error code, and whether
    trying again later may succeed."""

    reason: Reason
    message: str
    code: str | None = None
    retryable: bool = False

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason.value, "message": self.message, "code": self.code, "retryable": self.retryable}


def one_line(error: BaseException, limit: int = ONE_LINE_LIMIT) -> str:
    """The first line of `error`'s message, at most `limit` characters (its class name when empty)."""
    text = str(error).strip().splitlines()
    return text[0][:limit] if text else type(error).__name__


def describe(error: BaseException, limit: int = ONE_LINE_LIMIT) -> str:
    """`Class: first line of the message`: an exception in one line, for plans, results and logs."""
    return f"{type(error).__name__}: {one_line(error, limit)}"


def arm_code(error: BaseException) -> str | None:
    """ARM's error code of an `HttpResponseError` (its `error.code`), else None."""
    code = getattr(getattr(error, "error", None), "code", None)
    return code if isinstance(code, str) and code else None


def classify(error: BaseException) -> Failure:
    """The one classifier: an exception raised by a read or a write, as a `Failure`."""
    message = describe(error)
    if isinstance(error, ReconcilerError) and error.outcome is not None:
        reason = Reason(error.outcome)
    else:
        reason = _from_http(error) or _from_connection(error)
    return Failure(reason, message, arm_code(error), reason in RETRYABLE)


def _from_http(error: BaseException) -> Reason | None:
    from azure.core.exceptions import HttpResponseError

    from adapters.retry import EVENTUAL_CONSISTENCY, TRANSIENT_STATUSES

    if not isinstance(error, HttpResponseError):
        return None
    status = error.status_code
    code = (arm_code(error) or "").lower()
    if code in QUOTA_CODES or (code == NOT_ALLOWED and "quota" in str(error).lower()):
        return Reason.QUOTA
    if code == NOT_ALLOWED:
        return Reason.VALIDATION
    if status == 429:
        return Reason.THROTTLING
    if (status, code) in EVENTUAL_CONSISTENCY or status in TRANSIENT_STATUSES:
        return Reason.CONFLICT if status == 409 else Reason.TRANSIENT
    if status in (401, 403) or code in AUTHORIZATION_CODES:
        return Reason.AUTHORIZATION
    if status == 409:
        return Reason.CONFLICT
    if status == 412:  # If-Match no longer matches: it changed since it was read
        return Reason.STALE
    if status == 404:
        return Reason.NOT_FOUND
    if status is not None and 400 <= status < 500:
        return Reason.VALIDATION
    # A long-running operation that ended Failed carries no status of its own: ARM repairs it by
    # the same PUT again (the engine requeues it once).
    return Reason.TRANSIENT


def _from_connection(error: BaseException) -> Reason:
    from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError

    if isinstance(error, ServiceRequestError | ServiceResponseError | TimeoutError | ConnectionError):
        return Reason.TRANSIENT
    if isinstance(error, AzureError):
        return Reason.TRANSIENT
    return Reason.INTERNAL
