"""What of a live body a user would set, from the one source of field facts the planner compares with
(`adapters.registry.rules_for`: ARM's field flags, the generated field rules and the type's adapter
entry): never a `readOnly` field (the server's), never ARM's envelope (`id`, `name`, `type`, `etag`,
`systemData`), never `provisioningState`. A secret is never taken into code: a field ARM never returns
(`writeOnly`) or named as a secret is never taken into code. A string the desired
state would read as a live-value placeholder (`{ref:ADDRESS:PATH}`) is not taken either.

So a secret (a field named as one, or a resource's `properties.value`) never reaches code: it is a setting read
from the environment; any other field ARM never returns is named in a comment and reported as not verifiable;
an instruction for the create (`createMode`, `source...Id`) is no field of the resource and is left out.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from adapters.compare import CompareRules, matcher, normalise_location, pattern_of
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
    """A write-only field named as a secret (the comparison's rule, `adapters.normalisations.SECRET_NAME`),
    or the `value` of a resource that never returns it (a Key Vault secret's, a secret named value's)."""
    return bool(SECRET_NAME.search(path.rsplit(".", 1)[-1])) or path == "properties.value"


def _holds_secret(value: str) -> bool:
    """Whether a value ARM returned under a secret's name may be one. Two forms never are: a Key Vault
    reference (`@Microsoft.KeyVault(SecretUri=...)`, learn.microsoft.com/azure/app-service/app-service-key-vault-references)
    and an identity-based connection's `credential` (`managedidentity`,
    learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections)."""
    return bool(value) and not value.startswith("@Microsoft.KeyVault(") and value.lower() != "managedidentity"


def write_only_paths(rules: CompareRules) -> list[str]:
    """The write-only paths of a type a spec can name: not inside a list, not a map's every value."""
    return sorted(p for p in rules.write_only if "[" not in p and "*" not in p)


def settable(body: dict[str, Any], rules: CompareRules, *, strip_lists: tuple[str, ...] = (), own_id: str = "") -> Settable:
    """What of `body` a user would set. `strip_lists` are list paths left out as a whole (children
    imported as resources of their own); the `id` of a list member under `own_id` (an inline child's,
    which ARM derives from its name) is left out too."""
    read_only = matcher(rules.read_only)
    is_location = matcher(rules.locations)
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
                if not path and key == "tags":
                    kept[key] = item  # the resource's tags, as they are (the layer decides what of them to declare)
                    continue
                if key == "id" and path.endswith("[]") and own and isinstance(item, str) and item.lower().startswith(own):
                    continue
                if isinstance(item, str) and SECRET_NAME.search(key) and _holds_secret(item):
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
        if isinstance(value, str) and is_location(pattern_of(path)):
            return normalise_location(value)  # `West US 2` is written as ARM names it: `westus2`
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
            continue  # an instruction for the create (`createMode`, `source...Id`), not a field of the resource
        if _is_secret_name(path):
            note(path, "", secret=True)  # never returned: only the environment can say what it is
        else:
            note(path, "ARM never returns it (write-only), so it cannot be read and is not declared")
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
