"""A tiny ARM stand-in on the `responses` library: real SDK clients, real
requests transport, bodies from the arm-examples corpus."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import responses

from adapters.clients import ClientFactory, FakeCredential

BASE = "https://management.azure.com"
SUB = "00000000-0000-0000-0000-00000000aaaa"


def make_id(arm_type: str) -> str:
    """A plausible id of `arm_type` in subscription SUB, resource group rg1."""
    namespace, *types = arm_type.split("/")
    group = f"/subscriptions/{SUB}/resourceGroups/rg1"
    if arm_type.lower() == "microsoft.resources/resourcegroups":
        return group
    if arm_type.lower() == "microsoft.insights/diagnosticsettings":
        return f"{group}/providers/Microsoft.Logic/workflows/flow1/providers/{arm_type}/setting1"
    path = "/".join(f"{t}/{'default' if t == 'blobServices' else f'{t.lower()}1'}" for t in types)
    return f"{group}/providers/{namespace}/{path}"


def url_of(resource_id: str) -> re.Pattern[str]:
    return re.compile(re.escape(BASE + resource_id) + r"(\?.*)?$", re.IGNORECASE)


def factory(**kwargs: Any) -> ClientFactory:
    """Real SDK clients with a constant token; no waiting between polls or retries."""
    kwargs.setdefault("polling_interval", 0)
    kwargs.setdefault("sleep", lambda seconds: None)
    return ClientFactory(SUB, FakeCredential(), **kwargs)


@dataclass
class ArmDouble:
    """Serves one resource: GET (live or 404), PUT (sync or LRO), DELETE (sync or LRO)."""

    mock: responses.RequestsMock
    resource_id: str
    live: dict[str, Any] | None
    after_put: dict[str, Any] = field(default_factory=dict)
    lro: bool = True
    #: The PUT status for an LRO create, as the type's PUT example answers (201, 202 or 200).
    lro_status: int = 201
    #: What the PUT's operation-status resource reports.
    operation_status: str = "Succeeded"
    requests: list[Any] = field(default_factory=list)

    def install(self) -> None:
        pattern = url_of(self.resource_id)
        json_type = "application/json"
        self.mock.add_callback(responses.GET, pattern, callback=self._get, content_type=json_type)
        self.mock.add_callback(responses.PUT, pattern, callback=self._put, content_type=json_type)
        self.mock.add_callback(responses.DELETE, pattern, callback=self._delete, content_type=json_type)
        self.mock.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/subscriptions/[^/]+/providers/Test/operations/.*"),
                               callback=self._operation, content_type=json_type)

    def _record(self, request: Any) -> None:
        self.requests.append(request)

    def _get(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        if self.live is None:
            return 404, {}, json.dumps({"error": {"code": "ResourceNotFound", "message": "not found"}})
        return 200, {}, json.dumps(self.live)

    def _put(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        status = 200 if self.live is not None else 201
        self.live = self.after_put
        if not self.lro:
            return status, {}, json.dumps(self.after_put)
        headers = {"Azure-AsyncOperation": f"{BASE}/subscriptions/{SUB}/providers/Test/operations/put1?api-version=1"}
        accepted = {**self.after_put, "properties": {**self.after_put.get("properties", {}), "provisioningState": "Creating"}}
        if self.lro_status == 202:
            return 202, {**headers, "Location": headers["Azure-AsyncOperation"]}, ""
        return self.lro_status, headers, json.dumps(accepted)

    def _delete(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        existed = self.live is not None
        self.live = None
        if not existed:
            return 204, {}, ""
        if not self.lro:
            return 200, {}, "{}"
        return 202, {"Location": f"{BASE}/subscriptions/{SUB}/providers/Test/operations/delete1?api-version=1"}, ""

    def _operation(self, request: Any) -> tuple[int, dict[str, str], str]:
        self._record(request)
        if "delete1" in request.url:
            return 204, {}, ""
        status: dict[str, Any] = {"id": "put1", "name": "put1", "status": self.operation_status}
        if self.operation_status != "Succeeded":
            status["error"] = {"code": "InternalServerError", "message": "the operation failed"}
        return 200, {}, json.dumps(status)

    def sent(self, method: str) -> list[Any]:
        return [r for r in self.requests if r.method == method]
