"""The desired resources of one engine, shared by its observers, planner and applier.

A resource named after a live value of another (`reconciler.engine.live_names`) is held as
declared in `named_later`; `resources` holds it with the id settled at the last observe (or
apply), so every part of the engine sees one id per address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import SecretStr

from adapters.compare import SECRET_FINGERPRINT_TAG, fingerprint
from desired_state.resource import Resource
from desired_state.state import DesiredState
from reconciler.engine.live_names import is_known, is_templated, resolve_id
from reconciler.engine.observation import Live
from reconciler.engine.resolve import Unresolved

RESOURCE_GROUP_TYPE = "microsoft.resources/resourcegroups"


def secret_fingerprint(resource: Resource, key: bytes) -> str:
    """One keyed fingerprint over all of a resource's secrets and their paths."""
    joined = "\0".join(f"{p}\0{resource.secrets[p].get_secret_value()}" for p in sorted(resource.secrets))
    return fingerprint(SecretStr(joined), key, resource.id)


def is_tagged(resource: Resource) -> bool:
    """Whether the desired body declares tags (so its live tags prove who owns it)."""
    return isinstance(resource.body.get("tags"), dict)


class DesiredResources:
    """One environment's desired resources by address, with their secret fingerprints."""

    def __init__(self, state: DesiredState, fingerprint_key: bytes = b"azure-reconciler") -> None:
        self.state = state
        self.environment = state.environment
        self.fingerprint_key = fingerprint_key
        self.resources: dict[str, Resource] = {r.address: self._with_fingerprint(r) for r in state.resources}
        #: Resources named after a live value of another (reconciler/engine/live_names.py),
        #: as declared; `resources` holds them with the id resolved at the last observe.
        self.named_later: dict[str, Resource] = {a: r for a, r in self.resources.items() if is_templated(r)}

    def _with_fingerprint(self, resource: Resource) -> Resource:
        tags = resource.body.get("tags")
        if not resource.secrets or not isinstance(tags, dict):
            return resource
        body = dict(resource.body)
        body["tags"] = {**tags, SECRET_FINGERPRINT_TAG: secret_fingerprint(resource, self.fingerprint_key)}
        return resource.model_copy(update={"body": body})

    def ids(self) -> set[str]:
        """The lower-cased ids of every desired resource (ARM ids are case-insensitive)."""
        return {r.id.lower() for r in self.resources.values()}

    def select(self, targets: Iterable[str]) -> list[str]:
        """The addresses in `targets` plus everything they depend on."""
        wanted: list[str] = []
        stack = list(targets)
        for address in stack:
            if address not in self.resources:
                known = ", ".join(sorted(self.resources)[:5])
                raise KeyError(f"--target-resource {address}: no such address (e.g. {known}; see `reconcile show`)")
        seen: set[str] = set()
        while stack:
            a = stack.pop()
            if a in seen:
                continue
            seen.add(a)
            wanted.append(a)
            stack.extend(self.resources[a].depends_on)
        return [a for a in self.resources if a in seen]

    def group_ids(self) -> list[str]:
        """The lower-cased ids of the environment's resource groups: the scope of everything it
        may delete (in the target subscription, since the desired ids were built for it)."""
        return sorted(r.id.lower() for r in self.resources.values() if r.type.lower() == RESOURCE_GROUP_TYPE)

    def declares_untagged(self, arm_type: str) -> bool:
        """Whether the desired state declares resources of `arm_type` without tags (children whose
        owner is their nearest tagged ancestor)."""
        return any(r.type.lower() == arm_type.lower() and not is_tagged(r) for r in self.resources.values())

    def tagged_ancestor(self, resource: Resource) -> Resource | None:
        """The nearest desired ancestor of `resource` that declares tags (its owner's proof)."""
        return self.tagged_ancestor_of(resource.id)

    def tagged_ancestor_of(self, resource_id: str) -> Resource | None:
        """The nearest desired resource declaring tags whose id is an ancestor of `resource_id`."""
        rid = resource_id.lower()
        best: Resource | None = None
        for other in self.resources.values():
            oid = other.id.lower()
            if is_tagged(other) and rid.startswith(oid + "/") and (best is None or len(oid) > len(best.id)):
                best = other
        return best

    def settle_name(self, address: str, live: Mapping[str, Live]) -> str:
        """Give a resource named after a live value its id from `live` (KNOWN_AFTER_APPLY in
        place of a name whose source is not live yet) and return it."""
        resource_id = resolve_id(self.named_later[address].id, live, strict=False)
        self.resources[address] = self.named_later[address].model_copy(update={"id": resource_id})
        return resource_id

    def name_for_write(self, address: str, live: Mapping[str, Live]) -> str:
        """The real id of a resource named after a live value: from its source's
        body in this apply (written or read), else as the observe settled it (a
        saved plan's apply reads only what its changes refer to directly)."""
        try:
            return resolve_id(self.named_later[address].id, live, strict=True)
        except Unresolved:
            settled = self.resources[address].id
            if is_known(settled):
                return settled
            raise
