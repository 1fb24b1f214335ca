"""Values a provider rewrites on write, as recorded live traffic shows (a PUT, then a GET).

- enum casing the provider returns its own way: subnet network policies ``disabled`` ->
  ``Disabled``; App Service plan ``sku.tier`` ``STANDARD`` -> ``Standard``;
- server-replaced values: a Log Analytics workspace's legacy ``PerNode`` SKU comes back as
  ``pergb2018``; a Cosmos DB account's ``locations[].locationName`` as the region's display name.
"""

from __future__ import annotations

from typing import Any

from emulator.locations import spelled

# type -> dotted path -> {value lower-cased: value returned}
_CANONICAL: dict[str, dict[str, dict[str, str]]] = {
    "microsoft.network/virtualnetworks/subnets": {
        "properties.privateEndpointNetworkPolicies": {"disabled": "Disabled", "enabled": "Enabled"},
        "properties.privateLinkServiceNetworkPolicies": {"disabled": "Disabled", "enabled": "Enabled"},
    },
    "microsoft.web/serverfarms": {
        "sku.tier": {
            t.lower(): t
            for t in ("Free", "Shared", "Basic", "Standard", "Premium", "PremiumV2", "PremiumV3", "Isolated", "IsolatedV2")
        },
    },
    "microsoft.operationalinsights/workspaces": {"properties.sku.name": {"pernode": "pergb2018"}},
}


def _walk(body: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    node: Any = body
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    return (node, parts[-1]) if isinstance(node, dict) else None


def rewrite(type_key: str, body: dict[str, Any]) -> None:
    """Rewrite, in place, the values this type's provider returns differently from what was sent."""
    for path, values in _CANONICAL.get(type_key, {}).items():
        found = _walk(body, path)
        if found is None:
            continue
        node, leaf = found
        value = node.get(leaf)
        if isinstance(value, str) and value.lower() in values:
            node[leaf] = values[value.lower()]
    if type_key == "microsoft.documentdb/databaseaccounts":
        props = body.get("properties")
        for item in props.get("locations", []) if isinstance(props, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("locationName"), str):
                item["locationName"] = spelled(type_key, item["locationName"])
