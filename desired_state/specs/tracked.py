"""Bases for tracked resources (those with `location` and `tags`) and body helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from desired_state.resource import ChildSpec, ResourceSpec, TopLevelSpec


def sub_resource(spec: ResourceSpec) -> dict[str, str]:
    """ARM's `{"id": ...}` reference to another resource."""
    return {"id": spec.id}


def user_assigned(identities: Iterable[ResourceSpec]) -> dict[str, Any]:
    """An `identity` block holding the given user-assigned identities."""
    return {"type": "UserAssigned", "userAssignedIdentities": {identity.id: {} for identity in identities}}


class _Tracked:
    """Shared body rendering of tracked resources."""

    location: str
    tags: dict[str, str]
    #: Whether the body carries `properties` even when empty (some types take none at all).
    has_properties: ClassVar[bool] = True

    def envelope(self) -> dict[str, Any]:
        """Top-level fields besides location/tags/properties (`sku`, `kind`, `identity`)."""
        return {}

    def properties(self) -> dict[str, Any]:
        return {}

    def tracked_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"location": self.location, "tags": dict(self.tags), **self.envelope()}
        props = self.properties()
        if props or self.has_properties:
            body["properties"] = props
        return body


class TrackedSpec(_Tracked, TopLevelSpec):
    """A top-level resource with `location` and `tags`."""

    location: str
    tags: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return self.tracked_body()


class TrackedChildSpec(_Tracked, ChildSpec):
    """A child resource that is itself tracked (SQL databases, VNet links, AFD endpoints)."""

    location: str
    tags: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return self.tracked_body()
