"""Read-back: what a provider keeps of a written body and how it spells it.

By field flags, for any type (``emulator.field_flags``, from ARM's type definitions):

- ``readOnly`` fields belong to the server: a client's value is never stored (the server's own,
  from defaults and computed values, is filled in afterwards);
- ``writeOnly`` fields are accepted and never returned (secrets, create-time instructions);
- a string enum comes back in its canonical casing (recorded: relay ``sku.tier`` ``standard`` ->
  ``Standard``, load balancer ``protocol`` ``tcp`` -> ``Tcp``, gateway ``VPN`` -> ``Vpn``, subnet
  ``disabled`` -> ``Disabled``);
- a child (proxy) resource whose definition does not require ``location`` returns its parent's or
  none, as its provider's recorded children do (``emulator.shapes.child_location``); for a provider
  never recorded, its parent's where the definition makes it server-set, else none (ARM's proxy
  resources carry no location: resource-provider contract, proxy-api-reference.md).

By recorded values (real traffic wins over flags): App Service plan ``sku.tier`` ``STANDARD`` ->
``Standard``; a Log Analytics workspace's legacy ``PerNode`` SKU comes back as ``pergb2018``; a
Cosmos DB account's ``locations[].locationName`` as the region's display name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulator import shapes
from emulator.field_flags import FieldFlags, flags_for
from emulator.locations import spelled

# type -> dotted path -> {value lower-cased: value returned}
_CANONICAL: dict[str, dict[str, dict[str, str]]] = {
    "microsoft.web/serverfarms": {
        "sku.tier": {
            t.lower(): t
            for t in ("Free", "Shared", "Basic", "Standard", "Premium", "PremiumV2", "PremiumV3", "Isolated", "IsolatedV2")
        },
    },
    "microsoft.operationalinsights/workspaces": {"properties.sku.name": {"pernode": "pergb2018"}},
}


def _slots(body: Any, parts: list[str]) -> Iterator[tuple[dict[str, Any], str]]:
    """(container, key) of every place a flag path (``a.b[].c``, ``m.*``) names in ``body``."""
    if not parts or not isinstance(body, dict):
        return
    head, rest = parts[0], parts[1:]
    name, items = (head[:-2], True) if head.endswith("[]") else (head, False)
    keys = list(body) if name == "*" else [name] if name in body else []
    for key in keys:
        value = body[key]
        if items:
            for item in value if isinstance(value, list) else []:
                if rest:
                    yield from _slots(item, rest)
        elif rest:
            yield from _slots(value, rest)
        else:
            yield body, key


def _split(path: str) -> list[str]:
    return path.split(".")


def drop_client_fields(type_key: str, api_version: str, body: dict[str, Any]) -> None:
    """Take out of a written body, in place, what the server owns (readOnly) or never returns (writeOnly)."""
    flags = flags_for(type_key, api_version)
    if flags is None:
        return
    # a server-owned type's definition marks everything read-only (nothing creates it with a PUT);
    # what its PATCH changes is still the client's
    read_only = () if flags.server_owned else flags.read_only
    for path in (*read_only, *flags.write_only):
        if path == "location":
            continue  # a server-set location is the parent's (emulator.writes), not the client's
        for container, key in list(_slots(body, _split(path))):
            container.pop(key, None)


def _canonical_value(value: str, canonical: tuple[str, ...]) -> str:
    squeezed = value.replace(" ", "").lower()
    return next((c for c in canonical if c.replace(" ", "").lower() == squeezed), value)


def canonical_enums(flags: FieldFlags, body: dict[str, Any]) -> None:
    """Every string enum value (or list of them) in its canonical casing, in place."""
    for path, canonical in flags.enums.items():
        for container, key in list(_slots(body, _split(path))):
            value = container[key]
            if isinstance(value, str):
                container[key] = _canonical_value(value, canonical)
            elif isinstance(value, list):
                container[key] = [_canonical_value(v, canonical) if isinstance(v, str) else v for v in value]


def has_location(type_key: str, flags: FieldFlags | None) -> bool:
    """False for a child (proxy) resource that returns no location: one its definition does not require
    a location of, whose provider's recorded children (or its own) show none, or, for a provider never
    recorded, whose definition does not set one (ARM's proxy resources carry none: proxy-api-reference.md)."""
    if flags is None or type_key.count("/") < 2 or flags.location_required:
        return True
    habit = shapes.child_location(type_key)
    return habit == "parent" if habit is not None else flags.location_read_only


def inherits_location(type_key: str, api_version: str) -> bool:
    """A child that returns a location the server sets carries its parent's (recorded: Service Bus queues
    and topics answer their namespace's although none was sent)."""
    flags = flags_for(type_key, api_version)
    if flags is None or type_key.count("/") < 2 or flags.location_required:
        return False
    return has_location(type_key, flags)


def _walk(body: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    node: Any = body
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    return (node, parts[-1]) if isinstance(node, dict) else None


def rewrite(type_key: str, body: dict[str, Any], api_version: str = "") -> None:
    """Rewrite, in place, the values this type's provider returns differently from what was sent."""
    flags = flags_for(type_key, api_version)
    if flags is not None:
        canonical_enums(flags, body)
    if not has_location(type_key, flags):
        body.pop("location", None)
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
