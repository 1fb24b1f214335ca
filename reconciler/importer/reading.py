"""What resource groups hold, read through the engine's own adapters: every resource ARM lists in the
group, the children of the types the desired state declares (listed under each parent, or read by
name where the type is a singleton such as a site's `config/web`), the children a parent's body holds
inline (a VNet's subnets), and the extension resources the desired state declares (role assignments,
diagnostic settings) on each of them. Each body is read as the planner will read it (the same adapter,
the same api-version), so what is imported is what the next plan compares against.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from adapters.arm_id import UnsafeName, checked_id
from adapters.compare import matcher
from adapters.errors import Reason, classify, describe
from adapters.registry import AdapterRegistry, UnknownResourceType, rules_for
from desired_state.catalog import spec_classes
from desired_state.resource import ChildSpec, ExtensionSpec

log = logging.getLogger("reconciler.importer")

GROUP_TYPE = "Microsoft.Resources/resourceGroups"
#: How ARM answers a listing of an extension type on a resource type that takes none (e.g. diagnostic
#: settings on a subnet: 400 ResourceTypeNotSupported): no extensions there, not a failure.
NOT_SUPPORTED = frozenset({Reason.VALIDATION, Reason.NOT_FOUND})


def _failure(error: Exception) -> Reason:
    """What ARM (or the way to it) answered, classified by the one classifier; anything else (a bug of
    ours) is raised again, never turned into a warning."""
    reason = classify(error).reason
    if reason is Reason.INTERNAL:
        raise error
    return reason


@dataclass
class LiveResource:
    """One live resource found in the groups."""

    id: str
    type: str
    body: dict[str, Any]
    #: The live id of its parent: the group for a top-level resource, the scope of an extension.
    parent_id: str
    #: The part of the id between the parent's id and the name (`subnets`, `blobServices/default/containers`,
    #: `providers/Microsoft.Authorization/roleAssignments`).
    segment: str
    kind: Literal["group", "top", "child", "extension"]
    #: The parent's list that holds this child inline (`properties.subnets`), if one does.
    inline_in: str | None = None

    @property
    def name(self) -> str:
        return self.id.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Reading:
    """Everything read, in the order read (each parent before its children), and what could not be."""

    resources: list[LiveResource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, LiveResource]:
        return {r.id.lower(): r for r in self.resources}


@dataclass(frozen=True)
class ChildKind:
    """A child type the desired state declares under a parent type."""

    type: str
    segment: str
    #: The one name a singleton child has (a site's `config/web`); None: list the collection.
    name: str | None = None


def _type_segments(segment: str) -> int:
    """How many type segments a child segment spans (`blobServices/default/containers`: 2)."""
    return len(segment.split("/")) // 2 + 1


@cache
def child_kinds() -> dict[str, tuple[ChildKind, ...]]:
    """Lower-cased parent type -> the child types the desired state declares under it."""
    found: dict[str, dict[tuple[str, str | None], ChildKind]] = {}
    for cls in spec_classes():
        if not issubclass(cls, ChildSpec):
            continue
        segment = cls.child_path or cls.arm_type.rsplit("/", 1)[-1]
        parent_type = "/".join(cls.arm_type.split("/")[: -_type_segments(segment)])
        name_field = cls.model_fields.get("name")
        literal = typing.get_args(name_field.annotation) if name_field is not None else ()
        names: tuple[str | None, ...] = (
            tuple(str(n) for n in literal) if name_field is not None and typing.get_origin(name_field.annotation) is Literal
            else (None,)
        )
        for name in names:
            found.setdefault(parent_type.lower(), {})[(cls.arm_type.lower(), name)] = ChildKind(cls.arm_type, segment, name)
    return {parent: tuple(kinds.values()) for parent, kinds in found.items()}


@cache
def extension_kinds() -> tuple[str, ...]:
    """The extension types the desired state declares (listed on every imported resource and group)."""
    return tuple(sorted({cls.arm_type for cls in spec_classes() if issubclass(cls, ExtensionSpec)}))


def inline_children(parent: LiveResource) -> Iterator[tuple[str, str, str]]:
    """(child id, child segment, list path) of each child the parent's body holds inline: a list of
    objects each with an `id` directly under the parent's (`{parent}/subnets/app` in
    `properties.subnets`)."""
    prefix = parent.id.rstrip("/").lower() + "/"

    def walk(value: Any, path: str) -> Iterator[tuple[str, str, str]]:
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for item in value:
                rid = item.get("id") if isinstance(item, dict) else None
                if isinstance(rid, str) and rid.lower().startswith(prefix):
                    rest = rid[len(prefix):].split("/")
                    if len(rest) == 2 and all(rest):
                        yield rid, rest[0], path

    yield from walk(parent.body.get("properties"), "properties")


class GroupReader:
    """Reads resource groups through the engine's adapters."""

    def __init__(self, registry: AdapterRegistry) -> None:
        self.registry = registry
        self.reading = Reading()
        self._seen: set[str] = set()

    def read(self, arm_type: str, resource_id: str) -> dict[str, Any] | None:
        body = self.registry.for_type(arm_type).read(resource_id)
        return dict(body) if isinstance(body, dict) else None

    def group(self, group_id: str) -> LiveResource | None:
        """The group and everything in it (None when there is no such group)."""
        body = self.read(GROUP_TYPE, group_id)
        if body is None:
            return None
        group = self._add(LiveResource(str(body.get("id") or group_id), GROUP_TYPE, body, "", "", "group"))
        name = group.name
        for listed in self.registry.list_resources(name):
            body = self._read_or_warn(listed.type, listed.id)
            if body is not None:
                resource = self._add(LiveResource(
                    str(body.get("id") or listed.id), str(body.get("type") or listed.type), body, group.id,
                    f"providers/{listed.type}", "top",
                ))
                self._children(resource)
        self._extensions(group)
        return group

    def _add(self, resource: LiveResource) -> LiveResource:
        # The id a body gives becomes code: it passes the one id constructor (adapters/arm_id.py),
        # below the parent it was read under; an unsafe one refuses the import before anything is written.
        checked_id(resource.id, source=f"the {resource.type} read for the import", under=resource.parent_id or None)
        self._seen.add(resource.id.lower())
        self.reading.resources.append(resource)
        return resource

    def _read_or_warn(self, arm_type: str, resource_id: str) -> dict[str, Any] | None:
        try:
            return self.read(arm_type, resource_id)
        except UnknownResourceType as error:  # a type whose provider publishes no api-version here
            self.reading.warnings.append(f"{resource_id}: not read ({error}); not imported")
        except Exception as error:  # one unreadable resource is a warning, not the import's end
            _failure(error)
            self.reading.warnings.append(f"{resource_id}: not read ({describe(error)}); not imported")
        return None

    def _children(self, parent: LiveResource) -> None:
        found: list[tuple[str, str, str, str | None]] = []  # (id, type, segment, inline list)
        server_owned = matcher(rules_for(parent.type, parent.name).read_only)
        for rid, segment, path in inline_children(parent):
            if server_owned(path):  # an NSG's defaultSecurityRules are the server's, not children to import
                continue
            try:  # an id read from a body passes the one id constructor, as a listed one does
                checked = checked_id(rid, source=f"{path} of {parent.id}", under=parent.id)
            except UnsafeName as error:
                self.reading.warnings.append(f"{error}; not imported")
                continue
            found.append((checked, f"{parent.type}/{segment}", segment, path))
        for kind in child_kinds().get(parent.type.lower(), ()):
            if kind.name is not None:
                found.append((f"{parent.id}/{kind.segment}/{kind.name}", kind.type, kind.segment, None))
                continue
            try:
                listed = self.registry.list_children(parent.id, kind.type, kind.segment)
            except Exception as error:  # that parent's children are a warning, not the import's end
                _failure(error)
                self.reading.warnings.append(
                    f"{parent.id}: its {kind.type} children not listed ({describe(error)}); not imported"
                )
                continue
            found.extend((rid, kind.type, kind.segment, None) for rid in listed)
        for rid, child_type, segment, inline in found:
            if rid.lower() in self._seen:
                continue
            body = self._read_or_warn(child_type, rid)
            if body is None:
                continue
            child = self._add(LiveResource(
                str(body.get("id") or rid), str(body.get("type") or child_type), body, parent.id, segment, "child",
                inline_in=inline,
            ))
            self._children(child)
        self._extensions(parent)

    def _extensions(self, scope: LiveResource) -> None:
        for ext_type in extension_kinds():
            segment = f"providers/{ext_type}"
            try:
                listed = self.registry.list_children(scope.id, ext_type, segment)
            except Exception as error:
                if _failure(error) not in NOT_SUPPORTED:  # a type that takes no such extension says so: nothing to say
                    self.reading.warnings.append(f"{scope.id}: its {ext_type} not listed ({describe(error)}); not imported")
                continue
            prefix = f"{scope.id}/{segment}/".lower()
            for rid in listed:
                # a listing at a scope also holds what is inherited from above it: only this scope's own
                if not rid.lower().startswith(prefix) or rid.lower() in self._seen:
                    continue
                body = self._read_or_warn(ext_type, rid)
                if body is not None:
                    self._add(LiveResource(str(body.get("id") or rid), ext_type, body, scope.id, segment, "extension"))
