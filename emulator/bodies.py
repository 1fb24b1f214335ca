"""Body shaping: server defaults under the caller's body, write-only fields, merge-patch."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from emulator.types import TypeBehaviour

# Stable GUIDs for server-generated ids (principalId, resourceGuid, ...): uuid5 of id and path.
_GUID_NAMESPACE = uuid.UUID("6f2b8a52-4d0e-4f7e-9a53-2c1d7c0e5e11")
EMULATOR_TENANT_ID = "72f988bf-0000-4000-8000-00000000e111"


def stable_guid(resource_key: str, path: str) -> str:
    """A GUID that is the same for the same resource and field on every write."""
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{resource_key}|{path}"))


# A default the example filled with another resource's id or a zero GUID is the example's, not
# the server's: foreign ids are dropped, zero GUIDs become a GUID of this resource.
_SKIP = object()
_ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def _foreign(text: str) -> bool:
    """A resource id of the example's own estate (``/subscriptions/subid/.../rg1/...``)."""
    return "/subscriptions/" in text.lower() and "${" not in text


def _fill(value: Any, rid: str, key: str, path: str, item_name: str) -> Any:
    if isinstance(value, str):
        if _foreign(value):
            return _SKIP
        if value == _ZERO_GUID:
            value = "${guid}"
        if value == "${guid}":
            if path.endswith("tenantId") or path.endswith("TenantId"):
                return EMULATOR_TENANT_ID
            return stable_guid(key, path)
        if "${" in value:
            name = rid.rsplit("/", 1)[-1]
            return value.replace("${id}", rid).replace("${name}", name).replace("${item_name}", item_name)
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            filled = _fill(v, rid, key, f"{path}.{k}", item_name)
            if _foreign(k) or filled is _SKIP or (filled == {} and v != {}):
                continue
            out[k] = filled
        return out if out or not value else _SKIP
    if isinstance(value, list):
        items = [_fill(v, rid, key, f"{path}[]", item_name) for v in value]
        kept = [i for i in items if i is not _SKIP and not (i == {} and isinstance(i, dict))]
        return kept if kept or not value else _SKIP
    return value


def apply_defaults(body: dict[str, Any], defaults: dict[str, Any], rid: str, key: str, path: str = "") -> None:
    """Merge server defaults into ``body`` in place; the caller's values win."""
    for dkey, dval in defaults.items():
        only_if_present = dkey.endswith("?")
        name = dkey[:-1] if only_if_present else dkey
        here = f"{path}.{name}" if path else name
        if name in body:
            current = body[name]
            if isinstance(dval, dict) and "__each__" in dval:
                if isinstance(current, list):
                    for item in current:
                        if isinstance(item, dict):
                            merged = _fill(dval["__each__"], rid, key, here + "[]", str(item.get("name", "")))
                            if isinstance(merged, dict):
                                _merge_missing(item, merged)
            elif isinstance(dval, dict) and isinstance(current, dict):
                apply_defaults(current, dval, rid, key, here)
            continue
        if only_if_present:
            continue
        if isinstance(dval, dict) and "__each__" in dval:
            continue
        filled = _fill(_materialise(dval), rid, key, here, "")
        if filled is not _SKIP:
            body[name] = filled


def _materialise(template: Any) -> Any:
    """A default the request left out entirely, without the template's markers.

    Keys ending in ``?`` (only when the request has them) and ``__each__`` list templates
    (only for items the request sent) describe requests; they never reach a body.
    """
    if isinstance(template, dict):
        return {
            k: _materialise(v)
            for k, v in template.items()
            if not k.endswith("?") and not (isinstance(v, dict) and "__each__" in v)
        }
    if isinstance(template, list):
        return [_materialise(v) for v in template]
    return copy.deepcopy(template)


def _merge_missing(target: dict[str, Any], template: dict[str, Any]) -> None:
    for k, v in template.items():
        name = k[:-1] if k.endswith("?") else k
        if name not in target:
            if not k.endswith("?") and not (isinstance(v, dict) and "__each__" in v):
                target[name] = _materialise(v)
        elif isinstance(v, dict) and isinstance(target[name], dict):
            _merge_missing(target[name], v)


def _pop_path(body: dict[str, Any], path: str) -> Any:
    """Remove a dotted path (``a.b[].c`` walks every list item); returns the last value removed."""
    head, _, rest = path.partition(".")
    is_list = head.endswith("[]")
    name = head[:-2] if is_list else head
    if name not in body:
        return None
    if not rest:
        return body.pop(name)
    child = body[name]
    if is_list and isinstance(child, list):
        found = None
        for item in child:
            if isinstance(item, dict):
                found = _pop_path(item, rest)
        return found
    if isinstance(child, dict):
        return _pop_path(child, rest)
    return None


def get_path(body: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None."""
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def set_path(body: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path, creating dicts on the way."""
    parts = path.split(".")
    node = body
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[parts[-1]] = value


def strip_write_only(body: dict[str, Any], behaviour: TypeBehaviour) -> None:
    """Drop fields the service accepts but never returns (secrets, create-time inputs)."""
    for path in behaviour.write_only:
        _pop_path(body, path)
    for value_path, flag_path in behaviour.write_only_when:
        if get_path(body, flag_path) is True:
            _pop_path(body, value_path)


def apply_renames(body: dict[str, Any], behaviour: TypeBehaviour) -> None:
    """Move values the service returns under another name (e.g. environmentId)."""
    for src, dst in behaviour.renamed:
        value = _pop_path(body, src)
        if value is not None and get_path(body, dst) is None:
            set_path(body, dst, value)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge-patch: objects merge, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def normalise_location(location: str) -> str:
    """``West US 2``, ``westus2`` and ``West us 2`` are the same region."""
    return "".join(location.split()).lower()
