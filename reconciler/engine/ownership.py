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
from concurrent.futures import Future, ThreadPoolExecutor

from adapters.arm_id import UnsafeName, checked_id
from adapters.errors import Reason, describe
from adapters.registry import is_declared
from adapters.siblings import SiblingListing
from desired_state.errors import ReconcilerError
from desired_state.resource import Resource
from desired_state.tags import is_owned
from reconciler.engine.desired import DesiredResources, is_tagged
from reconciler.engine.live_shape import answered_other
from reconciler.engine.observation import AdapterSource, Live
from reconciler.engine.plan import Refusal

log = logging.getLogger("reconciler.engine")

#: Children the service creates with their parent and never lets go (the API
#: Management built-in all-access subscription): never pruned.
BUILT_IN_CHILDREN = frozenset({("microsoft.apimanagement/service/subscriptions", "master")})

#: `condemn`'s answer for a candidate that a fresh GET no longer finds.
GONE = "no longer exists"

#: Lists a resource group's resources tagged for the environment: (id, type, tags).
ListOwned = Callable[[str], Iterable[tuple[str, str, Mapping[str, str] | None]]]
#: Lists the ids of a parent's children of one type: (parent id, child type, id segment, api-version).
ListChildren = Callable[[str, str, str, str | None], Iterable[str]]
#: (parent id, child type, id segment, api-version) of a child type listed for strays.
ChildGroup = tuple[str, str, str, str | None]
#: A prune candidate: (id as ARM spells it, ARM type).
Stray = tuple[str, str]


class NotOurs(ReconcilerError):
    """A delete or replace refused at the last moment: a fresh GET does not show the resource as ours."""

    outcome = "not-owned"

    def __init__(self, resource_id: str, why: str) -> None:
        super().__init__(f"{resource_id}: {why}")
        self.resource_id = resource_id
        self.why = why


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


def type_of(resource_id: str) -> str:
    """The ARM type a resource id names (`Namespace/type[/childType...]`, after its last
    `/providers/`)."""
    after = resource_id.rstrip("/").rsplit("/providers/", 1)[-1].split("/")
    return "/".join([after[0], *after[1::2]])


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
    def owner_state(self, resource: Resource, live: Mapping[str, Live]) -> Refusal | None:
        """Why the live resource may not be touched, or None when it is ours."""
        body = live.get(resource.address)
        if body is None or resource.address in self.adopt:
            return None
        if is_tagged(resource):
            if not is_owned(body.get("tags"), self.environment):
                return Refusal(
                    Reason.NOT_OWNED,
                    "exists but is not owned by this controller (no ownership tags); "
                    f"adopt it explicitly with --adopt {resource.address}",
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

    def in_scope(self, resource_id: str) -> bool:
        """The id lies in one of the environment's resource groups (so in the target subscription)."""
        rid = resource_id.lower()
        return any(rid == group or rid.startswith(group + "/") for group in self.desired.group_ids())

    def condemn(self, resource_id: str, arm_type: str, *, adopted: bool = False) -> str | None:
        """None when `resource_id` may be deleted: it lies in the environment's scope and a fresh
        GET by id shows it exists and is ours (its own ownership tags, or, for a type the desired
        state declares without tags, those of its nearest tagged desired ancestor, read afresh too;
        an `adopted` desired resource is ours by the user's word). Else why not, in a line.

        The one gate of every delete and replace: a Resource Graph row, a list item or an observed
        body may make a candidate, never a verdict."""
        try:  # every candidate's id is one (adapters/arm_id.py), whatever listed it
            checked_id(resource_id, source="a delete candidate")
        except UnsafeName as error:
            return str(error)
        if not self.in_scope(resource_id):
            return "outside this environment's resource groups in the target subscription; never deleted"
        try:
            body = self.adapters.for_type(arm_type).read(resource_id)
        except Exception as error:  # no fresh read, no verdict: nothing is deleted
            return f"could not be read to prove it is ours ({describe(error)})"
        if body is None:
            return GONE
        if (other := answered_other(body, resource_id)) is not None:
            return f"{other}; not deleted"
        if adopted or is_owned(body.get("tags"), self.environment):
            return None
        owner = self._owner_of(resource_id) if self.desired.declares_untagged(arm_type) else None
        if owner is not None:
            owner_id, owner_type = owner
            try:
                owner_body = self.adapters.for_type(owner_type).read(owner_id)
            except Exception as error:
                return f"its owner {owner_id} could not be read ({describe(error)})"
            if owner_body is not None and is_owned(owner_body.get("tags"), self.environment):
                return None
            return f"its owner {owner_id} does not carry our ownership tags (fresh read)"
        return "does not carry our ownership tags (fresh read); not ours to delete"

    def _owner_of(self, resource_id: str) -> tuple[str, str] | None:
        """(id, type) of the nearest ancestor of a child whose type carries tags (one the desired
        state does not declare without tags): the resource whose tags say who owns the child."""
        parent, _segment = parent_of(resource_id)
        while parent:
            parent_type = type_of(parent)
            if not self.desired.declares_untagged(parent_type):
                return parent, parent_type
            parent, _segment = parent_of(parent)
        return None

    def check_delete(self, resource_id: str, arm_type: str, *, adopted: bool = False) -> bool:
        """Just before a DELETE: True when it may be sent, False when the resource is already gone;
        raises `NotOurs` otherwise (`condemn`)."""
        why = self.condemn(resource_id, arm_type, adopted=adopted)
        if why == GONE:
            return False
        if why is not None:
            raise NotOurs(resource_id, why)
        return True

    def condemn_all(self, candidates: Iterable[Stray]) -> dict[str, str | None]:
        """`condemn` of every (id, type), concurrently (a few reads), by id as given."""
        listed = list(dict.fromkeys(candidates))
        if len(listed) <= 1:
            return {rid: self.condemn(rid, rtype) for rid, rtype in listed}
        with ThreadPoolExecutor(max_workers=min(8, len(listed)), thread_name_prefix="condemn") as pool:
            verdicts = list(pool.map(lambda stray: self.condemn(*stray), listed))
        return {rid: verdict for (rid, _type), verdict in zip(listed, verdicts, strict=True)}

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
        self, listed: Iterable[tuple[str, str, Mapping[str, str] | None]], desired_ids: set[str]
    ) -> list[Stray]:
        """The listed (id, type, tags) that are not desired and carry our ownership tags: prune
        candidates only (a listing may be stale; `condemn` decides). A candidate's id must be one
        (adapters/arm_id.py): an unsafe one is refused (`UnsafeName`), never a candidate."""
        return [
            (checked_id(rid, source="a listed stray", arm_type=rtype or None), rtype) for rid, rtype, tags in listed
            if rid.lower() not in desired_ids and is_owned(tags, self.environment)
        ]

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
