"""Names known only after apply: a resource whose name (so its id, and its
children's ids) is a live value of a resource it depends on.

A spec may take its name from `live_ref(source, PATH)` (a private DNS zone
named after a Container Apps environment's generated `defaultDomain`), so its
id holds a `{ref:ADDRESS:PATH}` placeholder, as bodies do. Before the source
exists the id shows KNOWN_AFTER_APPLY in place of the name, as Terraform shows
an unknown name, and nothing is read at it (it cannot exist). Once the source
is live the placeholder resolves to the real name, and the resource is read,
planned and written like any other. Apply resolves it strictly, after its
source was written (dependency order)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adapters.arm_id import check_name, type_of
from desired_state.references import REF_PATTERN
from desired_state.resource import Resource
from reconciler.engine.plan import KNOWN_AFTER_APPLY
from reconciler.engine.resolve import Unresolved, get_path


def is_templated(resource: Resource) -> bool:
    """Whether the resource's id holds a live-value placeholder."""
    return "{ref:" in resource.id


def sources(resources: Iterable[Resource]) -> list[str]:
    """The addresses whose live bodies the given ids are read from, in first-seen order."""
    found: dict[str, None] = {}
    for resource in resources:
        for match in REF_PATTERN.finditer(resource.id):
            found.setdefault(match[1])
    return list(found)


def resolve_id(resource_id: str, live: Mapping[str, Mapping[str, Any] | None], *, strict: bool) -> str:
    """The id with each placeholder replaced by its live value (a string).

    Not known yet: `Unresolved` with `strict`, else KNOWN_AFTER_APPLY in place
    (only that segment: the rest of the id stays readable in the plan). A live value that is not
    a safe name for its segment: `adapters.arm_id.UnsafeName`, whether strict or not."""

    def value(match: Any) -> str:
        found = get_path(live.get(match[1]), match[2])
        if isinstance(found, str) and found:
            # The one id constructor (adapters/arm_id.py): a live value holding `/`, `..`, a control
            # character or what the type's naming rule forbids never becomes a segment of a planned id.
            arm_type = type_of(resource_id[: match.start()] + "x")
            return check_name(found, arm_type or None, source=f"{match[2]} of {match[1]}")
        if strict:
            raise Unresolved(f"the name taken from {match[2]} of {match[1]} is not known yet")
        return KNOWN_AFTER_APPLY

    return REF_PATTERN.sub(value, resource_id)


def is_known(resource_id: str) -> bool:
    return KNOWN_AFTER_APPLY not in resource_id
