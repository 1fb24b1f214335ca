"""Tenant-level provider endpoints: what every resource provider serves outside a subscription.

ARM's resource-provider contract (Azure/azure-resource-manager-rpc, proxy-api-reference.md,
"Exposing available operations") makes every provider answer ``GET /providers/{namespace}/operations``
with its operation catalogue; Microsoft.Authorization lists them per provider under
``/providers/Microsoft.Authorization/providerOperations[/{namespace}]``; a provider whose names are
global answers ``POST /providers/{namespace}/checkNameAvailability`` (recorded: Microsoft.Cdn).
Catalogue entries are derived from the types the provider publishes (``emulator.api_versions``):
read, write and delete of each.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.errors import ArmError
from emulator.exchange import EmulatorResponse, Request, json_response

_TENANT = re.compile(r"^/providers/([^/]+)/([^/]+)(?:/([^/]+))?$", re.IGNORECASE)


def _operations(namespace: str) -> list[dict[str, Any]]:
    prefix = namespace.lower() + "/"
    out = []
    for type_key in sorted(k for k in KNOWN_API_VERSIONS if k.startswith(prefix)):
        arm_type = f"{namespace}/{type_key[len(prefix):]}"
        for verb, what in (("read", "Read"), ("write", "Create or update"), ("delete", "Delete")):
            out.append({
                "name": f"{arm_type}/{verb}",
                "isDataAction": False,
                "display": {"provider": namespace, "resource": arm_type, "operation": f"{what} {arm_type}",
                            "description": f"{what} {arm_type}"},
                "origin": "user,system",
            })
    return out


def answer_tenant(req: Request) -> EmulatorResponse | None:
    """The answer to a tenant-level provider request, or None for a path that is not one."""
    found = _TENANT.match(req.path.rstrip("/"))
    if found is None:
        return None
    namespace, leaf, sub = found.group(1), found.group(2).lower(), found.group(3)
    if not req.api_version:
        raise ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
    if leaf == "operations" and sub is None and req.method == "GET":
        return json_response(200, {"value": _operations(namespace)})
    if leaf == "checknameavailability" and sub is None and req.method == "POST":
        return json_response(200, {"nameAvailable": True})
    if namespace.lower() == "microsoft.authorization" and leaf == "provideroperations" and req.method == "GET":
        names = [sub] if sub else sorted({k.split("/", 1)[0] for k in KNOWN_API_VERSIONS})
        listed = [
            {"id": f"/providers/Microsoft.Authorization/providerOperations/{n}", "name": n,
             "type": "Microsoft.Authorization/providerOperations", "displayName": n,
             "operations": [{"name": o["name"], "displayName": o["display"]["operation"], "isDataAction": False}
                            for o in _operations(n)]}
            for n in names
        ]
        return json_response(200, listed[0] if sub else {"value": listed})
    return None
