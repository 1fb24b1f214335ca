"""Under which ids Azure may have recorded the change behind a drifted resource: its own, its
children's, its parent's.

Azure records a write under the id it was sent to. A rule added with `az network nsg rule create`
is a PUT on `.../networkSecurityGroups/NSG/securityRules/NAME`: recorded under the rule's id, though
it shows as drift of the NSG, which declares its rules inline (`properties.securityRules`). The
other way round, a subnet managed as its own resource may be changed by a PUT of its VNet with the
subnets inline: recorded under the VNet's id only. And Resource Graph's change feed does not track
child types at all ("Change Analysis" supports the types of the `resources` table, Microsoft Learn,
https://learn.microsoft.com/azure/governance/resource-graph/changes/resource-graph-changes), so
their writes are found in the Activity Log alone.

A child of an inline collection is named after the collection, as ARM addresses it: the member
`properties.securityRules[name=deny-all]` of a resource `ID` is the child resource
`ID/securityRules/deny-all` (likewise `subnets`, `routes`, `virtualNetworkPeerings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconciler.engine.plan import Change

#: A keyed member of an inline collection in a diff path: `properties.securityRules[name=deny-all]...`.
_MEMBER = re.compile(r"^properties\.(?P<collection>[A-Za-z]\w*)\[name=(?P<name>[^\]/]+)\]")
#: Most children looked up per drifted resource (each may cost one Activity Log request).
MAX_CHILDREN = 10


@dataclass(frozen=True)
class Child:
    """A child resource of a drifted resource: its id and its member path in the parent's body."""

    id: str
    member: str


@dataclass(frozen=True)
class Scope:
    """The ids a drifted resource's change may be recorded under."""

    own: str
    children: tuple[Child, ...] = ()
    parent: str | None = None
    #: The parent's inline collection that holds this resource (`properties.subnets`): a parent's
    #: recorded change concerns this resource only when it touched that collection.
    collection: str | None = None

    @property
    def related(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.children) + ((self.parent,) if self.parent else ())


def scope_of(change: Change) -> Scope:
    """Its own id; the children whose members the diff adds, removes or changes; and, for a child
    type (`Namespace/parent/child`), the parent's id."""
    children: dict[str, Child] = {}
    for entry in change.diff:
        match = _MEMBER.match(entry.path)
        if match is not None and len(children) < MAX_CHILDREN:
            child_id = f"{change.id.rstrip('/')}/{match['collection']}/{match['name']}"
            children.setdefault(child_id.lower(), Child(child_id, match.group(0)))
    type_segments = change.type.split("/")
    parent = collection = None
    if len(type_segments) >= 3:
        parent = change.id.rstrip("/").rsplit("/", 2)[0]
        collection = f"properties.{type_segments[-1]}"
    return Scope(change.id, tuple(children.values()), parent, collection)
