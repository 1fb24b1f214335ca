"""Read-merge-write: the request body of an update is the live body with the
declared fields overlaid, because an ARM PUT replaces the whole resource (a
VNet PUT without its subnets deletes them)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from adapters.compare import SYSTEM_TAG_PREFIX, CompareRules, pattern_of

#: Read-only envelope fields never sent back (ARM RPC: read-only properties
#: in a PUT are ignored at best, rejected by some providers).
READ_ONLY_ENVELOPE = ("id", "type", "etag", "systemData")


def overlay(
    live: Mapping[str, Any] | None,
    desired: Mapping[str, Any],
    rules: CompareRules,
    *,
    tolerate_foreign_tags: bool = False,
) -> dict[str, Any]:
    """The body to PUT: `live` with every declared field of `desired` over it."""
    if not live:
        return copy.deepcopy(dict(desired))
    merged = _merge_dict(live, desired, "", rules)
    if "tags" in desired:
        merged["tags"] = _merge_tags(live.get("tags"), desired["tags"], tolerate_foreign_tags)
    for key in READ_ONLY_ENVELOPE:
        merged.pop(key, None)
    props = merged.get("properties")
    if isinstance(props, dict):
        props.pop("provisioningState", None)
    return merged


def with_secrets(body: dict[str, Any], secrets: Mapping[str, SecretStr]) -> dict[str, Any]:
    """A copy of `body` with each secret set at its dotted path (writes only)."""
    result = copy.deepcopy(body)
    for path, value in secrets.items():
        node = result
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value.get_secret_value()
    return result


def _merge_tags(live: Any, desired: Mapping[str, Any], tolerate_foreign: bool) -> dict[str, Any]:
    live_tags: Mapping[str, Any] = live if isinstance(live, dict) else {}
    merged = {
        k: v
        for k, v in live_tags.items()
        if k.lower().startswith(SYSTEM_TAG_PREFIX) or tolerate_foreign
    }
    desired_lower = {k.lower() for k in desired}
    merged = {k: v for k, v in merged.items() if k.lower() not in desired_lower}
    merged.update(desired)
    return merged


def _merge_dict(
    live: Mapping[str, Any], desired: Mapping[str, Any], path: str, rules: CompareRules
) -> dict[str, Any]:
    # A dict owned wholly (a site's app settings) holds what is desired and nothing else.
    merged = {} if path and pattern_of(path) in rules.owned_dicts else copy.deepcopy(dict(live))
    by_lower = {k.lower(): k for k in merged}
    for key, want in desired.items():
        live_key = key if key in merged else by_lower.get(key.lower(), key)
        child = f"{path}.{key}" if path else key
        if pattern_of(child) in rules.create_only:
            continue  # set when the resource was created; an update keeps the live value
        got = merged.pop(live_key, None)
        merged[key] = _merge_value(got, want, child, rules)
    return merged


def _merge_value(got: Any, want: Any, path: str, rules: CompareRules) -> Any:
    if isinstance(want, dict) and isinstance(got, dict):
        return _merge_dict(got, want, path, rules)
    if isinstance(want, list) and isinstance(got, list):
        rule = rules.lists.get(pattern_of(path))
        if rule is not None and rule.kind == "keyed" and rule.owned == "partly":
            return _merge_keyed(got, want, path, rules, rule.key)
    return copy.deepcopy(want)


def _merge_keyed(
    got: list[Any], want: list[Any], path: str, rules: CompareRules, key: str
) -> list[Any]:
    """Members merged by key; live members the desired list does not name are kept."""

    def key_of(item: Any) -> str | None:
        value = item.get(key) if isinstance(item, dict) else None
        return value.lower() if isinstance(value, str) else None

    desired_by_key = {key_of(w): w for w in want if key_of(w) is not None}
    result: list[Any] = []
    seen: set[str] = set()
    for member in got:
        k = key_of(member)
        if k is not None and k in desired_by_key:
            result.append(_merge_value(member, desired_by_key[k], f"{path}[]", rules))
            seen.add(k)
        else:
            result.append(copy.deepcopy(member))
    for w in want:
        k = key_of(w)
        if k is None or k not in seen:
            result.append(copy.deepcopy(w))
    return result
