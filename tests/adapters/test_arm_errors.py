"""The one ARM-error classifier (`adapters.errors.classify`) over ARM error answers, parsed by
azure-core exactly as the SDKs parse them (`HttpResponseError(response=..., error_format=
ARMErrorFormat)`), and over our own exceptions; the reason codes are those the plan's schema and
docs/plan-format.md list."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.core.rest import HttpRequest
from azure.core.rest._requests_basic import RestRequestsTransportResponse
from azure.mgmt.core.exceptions import ARMErrorFormat

from adapters.clients import LroTimeout
from adapters.errors import RETRYABLE, Reason, classify, describe, one_line
from adapters.generic import ConcurrentModification
from desired_state.errors import DesiredStateError, ReconcilerError

ROOT = Path(__file__).resolve().parents[2]
CASES: list[dict[str, Any]] = json.loads((ROOT / "tests/fixtures/arm-errors/errors.json").read_text())["cases"]


def arm_error(status: int, body: dict[str, Any]) -> HttpResponseError:
    """An ARM error answer as an SDK raises it."""
    raw = requests.Response()
    raw.status_code = status
    raw.reason = "error"
    raw.headers["Content-Type"] = "application/json"
    raw.raw = io.BytesIO(json.dumps(body).encode())
    request = HttpRequest("PUT", "https://management.azure.com/subscriptions/x/resourceGroups/rg")
    response = RestRequestsTransportResponse(request=request, internal_response=raw)
    response.read()
    return HttpResponseError(response=response, error_format=ARMErrorFormat)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['status']}-{c['body']['error'].get('code')}" for c in CASES])
def test_each_arm_answer_has_its_reason_code_and_retryability(case: dict[str, Any]) -> None:
    failure = classify(arm_error(case["status"], case["body"]))
    assert (failure.reason.value, failure.retryable) == (case["reason"], case["retryable"]), case["source"]
    assert failure.code == case["body"]["error"]["code"]
    assert failure.message.startswith("HttpResponseError: ") and "\n" not in failure.message


def test_our_own_exceptions_say_what_they_stand_for() -> None:
    assert classify(ConcurrentModification("/subscriptions/x")).reason is Reason.STALE
    assert classify(LroTimeout("not finished")).reason is Reason.TRANSIENT
    assert classify(LroTimeout("not finished")).retryable
    assert classify(DesiredStateError("bad", resource="a", field="b")).reason is Reason.VALIDATION
    assert classify(ServiceRequestError("connection refused")).reason is Reason.TRANSIENT
    assert classify(KeyError("bug")).reason is Reason.INTERNAL


def test_every_exception_class_of_ours_is_under_the_common_base() -> None:
    import importlib
    import inspect
    import pkgutil

    import adapters
    import reconciler

    found = []
    for package in (adapters, reconciler):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".tools." in info.name or info.name.endswith(".__main__"):
                continue
            module = importlib.import_module(info.name)
            for _name, value in vars(module).items():
                if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name:
                    found.append(value)
    assert len(found) >= 20
    assert [c.__qualname__ for c in found if not issubclass(c, ReconcilerError)] == []
    for cls in found:
        assert cls.outcome is None or Reason(cls.outcome), cls


def test_one_line_keeps_the_first_line_within_its_limit() -> None:
    error = RuntimeError("first line " + "x" * 400 + "\nsecond line")
    assert one_line(error) == ("first line " + "x" * 400)[:300]
    assert one_line(RuntimeError("")) == "RuntimeError"
    assert describe(ValueError("a\nb")) == "ValueError: a"


def test_the_schema_and_the_docs_list_every_reason_code() -> None:
    schema = json.loads((ROOT / "docs/plan-schema.json").read_text())
    assert schema["$defs"]["reason"]["enum"] == [r.value for r in Reason]
    documented = (ROOT / "docs/plan-format.md").read_text()
    assert [r.value for r in Reason if f"| `{r.value}` |" not in documented] == []
    assert {r.value for r in RETRYABLE} == {"throttling", "conflict", "transient"}
