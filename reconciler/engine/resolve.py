"""Operations on ARM wire bodies that the engine needs around comparison:
resolving references to values known only after a dependency exists, and
listing the declared leaves of a body for a create diff."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from desired_state.errors import ReconcilerError
from desired_state.references import REF_PATTERN

# Bodies are parsed JSON, so `dict` is tested, never `Mapping`: an ABC check
# walks every registered subclass (thousands once the SDKs are imported) the
# first time it sees each type, which cost 0.3 s on a process's first plan.
from reconciler.engine.plan import KNOWN_AFTER_APPLY

# `{ref:ADDRESS:PATH}` stands for the value at PATH of the live body of the
# resource at ADDRESS (e.g. a managed identity's principalId, known only once
# the identity exists). A placeholder that is the whole string takes the
# value's own type; one inside a longer string is substituted as text.


class Unresolved(ReconcilerError):
    """A reference whose target does not exist yet."""

    outcome = "unknown-reference"


def get_path(body: Mapping[str, Any] | None, dotted: str) -> Any:
    node: Any = body
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit():  # a list index (`ipConfigurations.0`)
            node = node[int(part)] if int(part) < len(node) else None
            continue
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def resolve_refs(
    body: Any, live: Mapping[str, Mapping[str, Any] | None], *, strict: bool
) -> Any:
    """Replace every `{ref:...}` string with its live value. With `strict`,
    an unknown value raises `Unresolved`; otherwise it becomes
    KNOWN_AFTER_APPLY (for plans)."""
    if isinstance(body, str):
        if "{ref:" not in body:
            return body
        whole = REF_PATTERN.fullmatch(body)
        if whole:
            return _lookup(whole[1], whole[2], live, strict)
        if any(_lookup(m[1], m[2], live, strict) == KNOWN_AFTER_APPLY for m in REF_PATTERN.finditer(body)):
            return KNOWN_AFTER_APPLY
        return REF_PATTERN.sub(lambda m: str(_lookup(m[1], m[2], live, strict)), body)
    if isinstance(body, dict):
        return {k: resolve_refs(v, live, strict=strict) for k, v in body.items()}
    if isinstance(body, list):
        return [resolve_refs(v, live, strict=strict) for v in body]
    return body


def _lookup(address: str, path: str, live: Mapping[str, Mapping[str, Any] | None], strict: bool) -> Any:
    value = get_path(live.get(address), path)
    if value is None:
        if strict:
            raise Unresolved(f"{path} of {address} is not known yet")
        return KNOWN_AFTER_APPLY
    return value


def has_unknown(value: Any) -> bool:
    if value == KNOWN_AFTER_APPLY:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def leaves(body: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Declared leaf values with their paths; lists of scalars count as one leaf."""
    if isinstance(body, dict) and body:
        for key, value in body.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(body, list) and any(isinstance(v, dict | list) for v in body):
        for i, value in enumerate(body):
            name = value.get("name") if isinstance(value, dict) else None
            if name and isinstance(value, dict):
                # The member's name is in its path already.
                rest = {k: v for k, v in value.items() if k != "name"}
                yield from leaves(rest, f"{prefix}[name={name}]")
            else:
                yield from leaves(value, f"{prefix}[{i}]")
    else:
        yield prefix, body
