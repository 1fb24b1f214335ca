"""Server-computed values, derived from the resource itself (never an example's values).

What the real services fill in from a resource's own id, name and body:

- a private endpoint's network interface: ``{endpoint}.nic.{guid}`` in the endpoint's group
  (Microsoft.Network names it so; REST spec example PrivateEndpointCreate.json shows the shape);
- a public IP's ``dnsSettings.fqdn``: ``{domainNameLabel}.{region}.cloudapp.azure.com``;
  an unattached public IP has no ``ipConfiguration``;
- a Service Bus / Event Hubs namespace's ``metricId``: ``{subscriptionId}:{namespace}``;
- a web app's ``resourceGroup``: the group it lives in.
"""

from __future__ import annotations

from typing import Any

from emulator.bodies import normalise_location, stable_guid
from emulator.per_type import PerType


def _props(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties")
    if not isinstance(props, dict):
        props = {}
        body["properties"] = props
    return props


def _segments(rid: str) -> tuple[str, str]:
    segs = rid.split("/")
    return segs[2], segs[4] if len(segs) > 4 else ""


def _private_endpoint(body: dict[str, Any], rid: str, key: str) -> None:
    sub, group = _segments(rid)
    name = rid.rsplit("/", 1)[1]
    nic = f"{name}.nic.{stable_guid(key, 'nic')}"
    _props(body)["networkInterfaces"] = [
        {"id": f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/networkInterfaces/{nic}"}
    ]


def _public_ip(body: dict[str, Any], rid: str, key: str) -> None:
    dns = _props(body).get("dnsSettings")
    label = dns.get("domainNameLabel") if isinstance(dns, dict) else None
    if isinstance(dns, dict) and isinstance(label, str) and isinstance(body.get("location"), str):
        dns["fqdn"] = f"{label}.{normalise_location(body['location'])}.cloudapp.azure.com"


def _namespace(body: dict[str, Any], rid: str, key: str) -> None:
    sub, _group = _segments(rid)
    _props(body)["metricId"] = f"{sub}:{rid.rsplit('/', 1)[1]}"


def _site(body: dict[str, Any], rid: str, key: str) -> None:
    _sub, group = _segments(rid)
    _props(body)["resourceGroup"] = group


_BY_TYPE: PerType[[dict[str, Any], str, str]] = PerType({
    "microsoft.network/privateendpoints": _private_endpoint,
    "microsoft.network/publicipaddresses": _public_ip,
    "microsoft.servicebus/namespaces": _namespace,
    "microsoft.eventhub/namespaces": _namespace,
    "microsoft.web/sites": _site,
})


def fill(type_key: str, body: dict[str, Any], rid: str, key: str) -> None:
    """Set the values the service computes for this type, in place."""
    _BY_TYPE.run(type_key, body, rid, key)
