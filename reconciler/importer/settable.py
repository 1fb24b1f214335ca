"""What of a live body a user would set, from the one source of field facts the planner compares with
(`adapters.registry.rules_for`: ARM's field flags, the generated field rules and the type's adapter
entry): never a `readOnly` field (the server's), never ARM's envelope (`id`, `name`, `type`, `etag`,
`systemData`), never `provisioningState`. A secret is never taken into code: a field ARM never returns
(`writeOnly`) or named as a secret becomes a setting read from the environment, unless it is an
instruction for the create (`createMode`, `source...Id`: a path the code cannot declare, reported as
not verifiable). A string the desired
state would read as a live-value placeholder (`{ref:ADDRESS:PATH}`) is not taken either.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from adapters.compare import CompareRules, matcher, pattern_of
from adapters.normalisations import CREATE_INPUT_NAME, SECRET_NAME
from desired_state.references import REF_PATTERN

#: ARM's envelope: the resource's identity and the server's bookkeeping, never set by a user (ARM RPC).
ENVELOPE = frozenset({"id", "name", "type", "etag", "systemData"})


@dataclass
class Settable:
    """A live body reduced to what a user would set, with what could not be taken."""

    body: dict[str, Any]
    #: Dotted paths of secrets: each a setting read from the environment, never a value in code.
    secrets: list[str] = field(default_factory=list)
    #: Paths ARM never returns (or that could not be taken), which the code cannot declare.
    not_verifiable: list[str] = field(default_factory=list)
    #: Why each not-verifiable path is so, for the comment beside it.
    reasons: dict[str, str] = field(default_factory=dict)


def _is_secret_name(path: str) -> bool:
    return bool(SECRET_NAME.search(path.rsplit(".", 1)[-1]))


def write_only_paths(rules: CompareRules) -> list[str]:
    """The write-only paths of a type a spec can name: not inside a list, not a map's every value."""
    return sorted(p for p in rules.write_only if "[" not in p and "*" not in p)


def settable(body: dict[str, Any], rules: CompareRules, *, strip_lists: tuple[str, ...] = (), own_id: str = "") -> Settable:
    """What of `body` a user would set. `strip_lists` are list paths left out as a whole (children
    imported as resources of their own); the `id` of a list member under `own_id` (an inline child's,
    which ARM derives from its name) is left out too."""
    read_only = matcher(rules.read_only)
    own = own_id.lower().rstrip("/") + "/" if own_id else None
    result = Settable(body={})
    stripped = set(strip_lists)

    def take(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            kept: dict[str, Any] = {}
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                pattern = pattern_of(child)
                if (not path and key in ENVELOPE) or key == "provisioningState" or read_only(pattern) or child in stripped:
                    continue
                if key == "id" and path.endswith("[]") and own and isinstance(item, str) and item.lower().startswith(own):
                    continue
                if isinstance(item, str) and _is_secret_name(child):
                    note(child, "a secret ARM returned: a setting, never a value in code", secret="[" not in child)
                    continue
                taken = take(item, child)
                if taken is not _DROP:
                    kept[key] = taken
            return kept
        if isinstance(value, list):
            items = [take(item, f"{path}[]") for item in value]
            return [item for item in items if item is not _DROP]
        if isinstance(value, str) and REF_PATTERN.search(value):
            note(path, "holds text the desired state reads as a live-value placeholder ({ref:...}); left as it is")
            return _DROP
        return value

    def note(path: str, reason: str, *, secret: bool = False) -> None:
        if secret:
            if path not in result.secrets:
                result.secrets.append(path)
        else:
            generic = pattern_of(path)
            if generic not in result.not_verifiable:
                result.not_verifiable.append(generic)
                result.reasons[generic] = reason

    result.body = take(copy.deepcopy(body), "")
    for path in write_only_paths(rules):
        if CREATE_INPUT_NAME.match(path.rsplit(".", 1)[-1]) or matcher(rules.create_only)(path):
            note(path, "an instruction for the create (write-only): ARM never returns it, so it is not declared")
        else:
            note(path, "", secret=True)  # ARM never returns it: only the environment can say what it is
    return result


class _Drop:
    """A value left out."""


_DROP: Any = _Drop()


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every scalar in a body, list members as `[]`."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, f"{path}[]")
    else:
        yield path, value
