"""Who owns a live resource, and which live resources are ours to prune: the one place both
observers (`resource_observe`, `graph_observe`) and the planner ask.

No state file: ownership is proven by live tags (`desired_state.tags.is_owned`). A type
without tags belongs to whoever owns its nearest tagged ancestor. A stray (a prune candidate) is
a live resource carrying our ownership tags in one of the environment's resource groups that is
not desired, or an undesired child of a managed type under a parent whose ownership is proven.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future

from adapters.registry import is_declared
from adapters.siblings import SiblingListing
from desired_state.resource import Resource
from desired_state.tags import is_owned
from reconciler.engine.desired import DesiredResources, is_tagged
from reconciler.engine.observation import AdapterSource, Live

log = logging.getLogger("reconciler.engine")

#: Children the service creates with their parent and never lets go (the API
#: Management built-in all-access subscription): never pruned.
BUILT_IN_CHILDREN = frozenset({("microsoft.apimanagement/service/subscriptions", "master")})

#: Lists a resource group's resources tagged for the environment: (id, type, tags).
ListOwned = Callable[[str], Iterable[tuple[str, str, Mapping[str, str] | None]]]
#: Lists the ids of a parent's children of one type: (parent id, child type, id segment, api-version).
ListChildren = Callable[[str, str, str, str | None], Iterable[str]]
#: (parent id, child type, id segment, api-version) of a child type listed for strays.
ChildGroup = tuple[str, str, str, str | None]
#: A prune candidate: (id as ARM spells it, ARM type).
Stray = tuple[str, str]


def parent_of(resource_id: str) -> tuple[str, str]:
    """(parent id, type segment) of a child resource's id; ("", "") for a top-level
    or extension resource (whose parent is a group, a scope or a `providers` segment)."""
    head, _, _name = resource_id.rstrip("/").rpartition("/")
    parent, _, segment = head.rpartition("/")
    if "/providers/" not in parent.lower() or parent.lower().endswith("/providers") or "/" not in parent:
        return "", ""
    after = parent.lower().rsplit("/providers/", 1)[1]
    if after.count("/") < 2:  # `Namespace/type/name`: a resource, else a scope's provider segment
        return "", ""
    return parent, segment


def is_built_in(child_type: str, resource_id: str) -> bool:
    """A child the service made with its parent (never pruned)."""
    return (child_type.lower(), resource_id.rsplit("/", 1)[-1].lower()) in BUILT_IN_CHILDREN


class Ownership:
    """Ownership verdicts and prune scans over one engine's desired resources."""

    def __init__(
        self,
        desired: DesiredResources,
        adapters: AdapterSource,
        *,
        adopt: frozenset[str] = frozenset(),
        list_owned: ListOwned | None = None,
        list_children: ListChildren | None = None,
    ) -> None:
        self.desired = desired
        self.environment = desired.environment
        self.adapters = adapters
        #: Addresses the user explicitly takes over (`--adopt`).
        self.adopt = adopt
        self.list_owned = list_owned
        self.list_children = list_children

    @property
    def scans(self) -> bool:
        """Whether prune candidates can be found at all (a resource group lister is wired)."""
        return self.list_owned is not None

    # -- verdicts ----------------------------------------------------------------------
    def owner_state(self, resource: Resource, live: Mapping[str, Live]) -> str | None:
        """Why the live resource may not be touched, or None when it is ours."""
        body = live.get(resource.address)
        if body is None or resource.address in self.adopt:
            return None
        if is_tagged(resource):
            if not is_owned(body.get("tags"), self.environment):
                return (
                    "exists but is not owned by this controller (no ownership tags); "
                    f"adopt it explicitly with --adopt {resource.address}"
                )
            return None
        # Types without tags belong to whoever owns their nearest tagged ancestor.
        parent = self.desired.tagged_ancestor(resource)
        return self.owner_state(parent, live) if parent is not None else None

    def proven(self, resource: Resource, live: Mapping[str, Live]) -> bool:
        """The resource, or its nearest tagged ancestor, is live and carries our tags."""
        tagged = resource if is_tagged(resource) else self.desired.tagged_ancestor(resource)
        body = live.get(tagged.address) if tagged is not None else None
        return body is not None and is_owned(body.get("tags"), self.environment)

    def confirm(self, resource_id: str, arm_type: str) -> Stray | None:
        """(id, type) when a GET shows the resource exists and carries our ownership tags."""
        try:
            body = self.adapters.for_type(arm_type).read(resource_id)
        except Exception as error:  # unreadable: not pruned (no verdict)
            log.info("stray candidate %s not confirmed (%s)", resource_id, type(error).__name__)
            return None
        if body is None or not is_owned(body.get("tags"), self.environment):
            return None
        return resource_id, self.type_name(arm_type)

    def type_name(self, arm_type: str) -> str:
        """ARM's spelling of a lower-cased row type (as the per-resource prune scan reports it)."""
        try:
            name = self.adapters.for_type(arm_type).arm_type
        except Exception:
            return arm_type
        return name if isinstance(name, str) and name.lower() == arm_type.lower() else arm_type

    # -- prune scans -------------------------------------------------------------------
    def prune_groups(self) -> list[str]:
        """The resource groups the environment declares: where its strays are looked for."""
        groups = {
            r.resource_group for r in self.desired.resources.values() if r.type == "Microsoft.Resources/resourceGroups"
        }
        return sorted(g for g in groups if g)

    def strays_in(self, group: str, desired_ids: set[str]) -> list[Stray]:
        """Owned resources of one group that are not desired."""
        assert self.list_owned is not None
        return self.strays_among(self.list_owned(group), desired_ids)

    def strays_among(
        self,
        listed: Iterable[tuple[str, str, Mapping[str, str] | None]],
        desired_ids: set[str],
        *,
        recheck: Iterable[str] = (),
    ) -> list[Stray]:
        """The listed (id, type, tags) that are not desired and carry our ownership tags; those
        in `recheck` (lower-cased ids whose listing may be stale) are decided by a GET instead."""
        fresh = set(recheck)
        found: list[Stray] = []
        for rid, rtype, tags in listed:
            if rid.lower() in desired_ids:
                continue
            if rid.lower() in fresh:
                confirmed = self.confirm(rid, rtype)
                if confirmed is not None:
                    found.append(confirmed)
            elif is_owned(tags, self.environment):
                found.append((rid, rtype))
        return found

    def child_groups(self, selected: Iterable[str], live: Mapping[str, Live] | None) -> list[ChildGroup]:
        """(parent id, child type, id segment, api-version) of each child type the
        desired state manages under a parent whose ownership is proven: the
        parent, or its nearest tagged ancestor, is live and carries our tags.
        Only those children can be strays; a child of a type the desired state
        does not manage under that parent is never listed, so never touched.
        With `live` None, every candidate group before the proof (lists can start with the
        parent's read; the proof decides afterwards which listed children count)."""
        resources = self.desired.resources
        by_id = {r.id.lower(): r for r in resources.values()}
        groups: dict[tuple[str, str, str], ChildGroup] = {}
        for address in selected:
            child = resources[address]
            parent_id, segment = parent_of(child.id)
            parent = by_id.get(parent_id.lower()) if parent_id else None
            if parent is None or is_tagged(child) or (live is not None and not self.proven(parent, live)):
                continue  # a tagged child proves its ownership itself (the resource group scan)
            if is_declared(child.type):  # a generic type (read by id) never goes with its parent
                try:
                    entry = self.adapters.for_type(child.type, child.api_version).entry
                except Exception:  # a type that cannot be managed here is reported by its own read
                    continue
                if entry.deleted_with_parent:
                    continue  # configuration that goes with its parent (sites/config): never deleted
            key = (parent.id.lower(), child.type.lower(), segment.lower())
            groups.setdefault(key, (parent.id, child.type, segment, child.api_version))
        return list(groups.values())

    def child_strays(self, group: ChildGroup, desired_ids: set[str]) -> list[Stray]:
        """Live children of one managed type under one owned parent that are not desired."""
        assert self.list_children is not None
        parent_id, child_type, segment, api_version = group
        try:
            listed = self.list_children(parent_id, child_type, segment, api_version)
        except Exception as exc:  # no listing, no verdict: nothing is pruned
            log.info("children of %s not listed (%s); none pruned", parent_id, type(exc).__name__)
            return []
        return [
            (rid, child_type) for rid in listed
            if rid.lower() not in desired_ids and not is_built_in(child_type, rid)
        ]

    def listed_child_strays(
        self,
        listings: Mapping[tuple[str, str], SiblingListing | None],
        live: Mapping[str, Live],
        readable: Iterable[str],
        *,
        only_listed: bool = False,
        id_lists: Mapping[tuple[str, str], Future[list[Stray]]] | None = None,
    ) -> dict[str, Stray]:
        """Undesired children under parents whose ownership is proven (`child_groups`), from the
        child lists already made (keyed by (child type, parent id), lower-cased); a group with no
        list is listed as the per-resource prune scan lists it (its id list from `id_lists` when
        one was started with the reads), unless `only_listed`."""
        desired = self.desired.ids()
        found: dict[str, Stray] = {}
        for group in self.child_groups(readable, live):
            parent_id, child_type, _segment, _api = group
            key = (child_type.lower(), parent_id.lower())
            listing = listings.get(key)
            if listing is not None:
                for rid, body in listing.bodies.items():
                    if rid not in desired and not is_built_in(child_type, rid):
                        found[rid] = (str(body.get("id", rid)), child_type)
            elif not only_listed and self.list_children is not None:
                started = (id_lists or {}).get(key)
                for rid, rtype in started.result() if started is not None else self.child_strays(group, desired):
                    if rid.lower() not in desired:
                        found.setdefault(rid.lower(), (rid, rtype))
        return found
