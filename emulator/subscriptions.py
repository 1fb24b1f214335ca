"""Subscriptions and resource providers: the emulated subscription, and provider registrations.

Each subscription seen in a resource group's id is listed; every provider
namespace of the types the emulator serves is Registered, with the
api-versions each type serves (emulator/api_versions.py).
"""

from __future__ import annotations

from typing import Any

from emulator import bodies
from emulator.addressing import Address
from emulator.api_versions import KNOWN_API_VERSIONS
from emulator.exchange import EmulatorResponse, Request, json_response
from emulator.reads import RG_TYPE
from emulator.store import Store
from emulator.types import TYPES

_SUBSCRIPTION_DISPLAY = "Emulated subscription"


def answer_subscription_level(store: Store, req: Request, addr: Address) -> EmulatorResponse:
    """GET of subscriptions, one subscription, its providers, or one provider (register answers as GET)."""
    if addr.kind == "subscriptions":
        subs = sorted({r[0] for r in store.read().execute("SELECT DISTINCT id FROM resources WHERE type = ?", (RG_TYPE,)).fetchall()})
        ids = sorted({s.split("/")[2] for s in subs})
        return json_response(200, {"value": [_subscription(s) for s in ids], "nextLink": None})
    if addr.kind == "subscription":
        return json_response(200, _subscription(addr.sub))
    if addr.kind == "providers":
        namespaces = sorted({t.arm_type.split("/", 1)[0] for t in TYPES.values()}, key=str.lower)
        return json_response(200, {"value": [_provider(addr.sub, ns) for ns in namespaces], "nextLink": None})
    return json_response(200, _provider(addr.sub, addr.namespace))


def _subscription(sub: str) -> dict[str, Any]:
    """A subscription as ARM's subscriptions API answers it: enabled, pay-as-you-go, role-based."""
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": bodies.EMULATOR_TENANT_ID,
        "displayName": _SUBSCRIPTION_DISPLAY,
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
    }


def _provider(sub: str, namespace: str) -> dict[str, Any]:
    """A provider registration: its resource types and the api-versions each serves, newest first, as ARM lists them."""
    names = {t.arm_type.split("/", 1)[1].lower(): t.arm_type.split("/", 1)[1] for t in TYPES.values()}
    prefix = namespace.lower() + "/"
    types = sorted(k[len(prefix):] for k in KNOWN_API_VERSIONS if k.startswith(prefix))
    types += sorted(k for k in names if (prefix + k) not in KNOWN_API_VERSIONS and any(
        t.key == prefix + k for t in TYPES.values()))
    return {
        "id": f"/subscriptions/{sub}/providers/{namespace}",
        "namespace": namespace,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": [
            {
                "resourceType": names.get(t, t),
                "locations": [],
                "apiVersions": sorted(KNOWN_API_VERSIONS.get(prefix + t, ()), reverse=True),
            }
            for t in types
        ],
    }
