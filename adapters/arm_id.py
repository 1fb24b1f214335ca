"""Mapping an ARM resource id to an SDK method's positional arguments."""

from __future__ import annotations

import re

from desired_state.errors import ReconcilerError

_PROVIDERS = re.compile(r"/providers/", re.IGNORECASE)


class InvalidResourceId(ReconcilerError, ValueError):
    """An id that does not have the segments its type needs."""

    outcome = "validation"


def resource_group_of(resource_id: str) -> str:
    parts = resource_id.strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1]
    raise InvalidResourceId(f"{resource_id}: no resourceGroups segment")


def split_scope(resource_id: str) -> tuple[str, list[str]]:
    """(scope before the last `/providers/`, segments after its namespace)."""
    matches = list(_PROVIDERS.finditer(resource_id))
    if not matches:
        return "", []
    last = matches[-1]
    scope = resource_id[: last.start()]
    tail = resource_id[last.end():].strip("/").split("/")
    return scope, tail[1:]


def argument(resource_id: str, spec: str) -> str:
    """One positional argument of an SDK call, as described in `ArmType.args`."""
    if spec == "resource_group":
        return resource_group_of(resource_id)
    if spec == "name":
        return resource_id.rstrip("/").rsplit("/", 1)[-1]
    if spec == "id":
        return resource_id.lstrip("/")
    if spec == "scope":
        scope, _ = split_scope(resource_id)
        if not scope:
            raise InvalidResourceId(f"{resource_id}: no scope before /providers/")
        return scope.lstrip("/")
    if spec.startswith("const:"):
        return spec.removeprefix("const:")
    _, segments = split_scope(resource_id)
    for i in range(0, len(segments) - 1, 2):  # types sit at even positions
        if segments[i].lower() == spec.lower():
            return segments[i + 1]
    raise InvalidResourceId(f"{resource_id}: no {spec!r} segment")


def arguments(resource_id: str, specs: tuple[str, ...]) -> list[str]:
    return [argument(resource_id, spec) for spec in specs]
