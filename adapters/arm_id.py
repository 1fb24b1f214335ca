"""ARM resource ids: the one constructor of ids built from live values or remote data, and
mapping an id to an SDK method's positional arguments.

Ids built from what ARM (or anyone answering as ARM) returned -- a name taken from a live
value (`live_ref`, e.g. a Container Apps environment's `defaultDomain`), the ids a listing,
a Resource Graph row or a child collection returns -- pass `check_name` / `checked_id` before
they can reach a plan: a name segment holding `/` or `\\`, `..`, a control character (or
an unpaired surrogate, a line or paragraph separator), or breaking ARM's naming rule for its
type (`desired_state.naming`: the spec's declared rule, else ARM's generic rule; matched
case-insensitively, as ARM names are) is refused with `UnsafeName`, naming where it came
from. A plan never holds an id whose apply would write somewhere else.
"""

from __future__ import annotations

import re

from desired_state.errors import ReconcilerError
from desired_state.name_rule import GENERIC
from desired_state.naming import NAME_RULES

_PROVIDERS = re.compile(r"/providers/", re.IGNORECASE)
#: C0, DEL, C1, line/paragraph separators, unpaired surrogates, bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


#: Lower-cased type -> its name rule (rows and listings spell types in any case).
_RULES = {t.lower(): rule for t, rule in NAME_RULES.items()}


class InvalidResourceId(ReconcilerError, ValueError):
    """An id that does not have the segments its type needs."""

    outcome = "validation"


class UnsafeName(InvalidResourceId):
    """A name or id from remote data that would not address what it appears to (refused)."""


def name_problem(name: str, arm_type: str | None = None, *, rules: bool = True) -> str | None:
    """Why `name` may not be one name segment of an id of `arm_type` (without `rules`: only what
    no segment may hold), or None."""
    if not name:
        return "is empty"
    if "/" in name or "\\" in name:
        return "holds a path separator"
    if ".." in name or name == ".":
        return "holds '..' (a path step)"
    if _UNSAFE.search(name):
        return "holds a control character"
    if not rules:
        return None
    rule = _RULES.get(arm_type.lower()) if arm_type else None
    if rule is not None and rule.violation(name) is not None and rule.violation(name.lower()) is not None:
        return f"breaks ARM's naming rule for {arm_type} ({rule.charset}, {rule.min_length}-{rule.max_length} characters)"
    if re.fullmatch(GENERIC.pattern, name) is None:  # any type: ARM's generic charset (lengths vary by type)
        return f"breaks ARM's naming rule ({GENERIC.charset})"
    return None


def check_name(name: str, arm_type: str | None = None, *, source: str) -> str:
    """`name` when it is safe as the last segment of an id of `arm_type`; else `UnsafeName`."""
    problem = name_problem(name, arm_type)
    if problem is not None:
        raise UnsafeName(f"{source}: the name {name!r} {problem}; refused, nothing is planned or written for it")
    return name


def type_of(resource_id: str) -> str:
    """The ARM type of an id (`Namespace/type[/child...]` after the last `/providers/`), or ''."""
    _, segments = split_scope(resource_id)
    head = _PROVIDERS.split(resource_id)[-1].strip("/").split("/")[0] if segments else ""
    return "/".join([head, *segments[0::2]]) if head else ""


def checked_id(resource_id: str, *, source: str, subscription: str | None = None, under: str | None = None,
               arm_type: str | None = None) -> str:
    """A resource id from remote data, when every segment is safe: `UnsafeName` otherwise, naming
    `source`. With `subscription`, the id must be in it; with `under`, below that parent; with
    `arm_type`, its last name must keep ARM's generic naming rule."""
    if not isinstance(resource_id, str) or not resource_id.startswith("/"):
        raise UnsafeName(f"{source}: {resource_id!r} is not an ARM resource id; refused")
    segments = resource_id[1:].split("/")
    for segment in segments:
        problem = name_problem(segment, rules=False)
        if problem is not None:
            raise UnsafeName(f"{source}: {segment!r} in the id {type_of(resource_id) or 'listed'} {problem}; "
                             "refused, never planned")
    lowered = resource_id.lower()
    if subscription is not None and not lowered.startswith(f"/subscriptions/{subscription.lower()}/"):
        raise UnsafeName(f"{source}: {resource_id!r} is not in subscription {subscription}; refused")
    if under is not None and not lowered.startswith(under.rstrip("/").lower() + "/"):
        raise UnsafeName(f"{source}: {resource_id!r} is not under {under}; refused")
    if arm_type and (problem := name_problem(segments[-1])) is not None:
        # ARM's generic charset for what an existing resource may be named (a type's own rule
        # is for the names we choose: `check_name`).
        raise UnsafeName(f"{source}: the name {segments[-1]!r} of a {arm_type} {problem}; refused, never planned")
    return resource_id


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
