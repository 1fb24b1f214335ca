"""The unit of desired state: typed specs that render ARM bodies, and the
engine-facing `Resource` they render to.

A spec is a Pydantic model per ARM type. Specs refer to each other by value
(a subnet holds its `VirtualNetworkSpec`); the references give both the ARM
ids written into bodies and the dependency edges, so nobody writes
`depends_on` by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from desired_state.name_rule import NameRule

DriftPolicy = Literal["remediate", "report"]


class Resource(BaseModel):
    """One ARM resource as the engine sees it: identity, wire body, edges.

    `body` is ARM wire JSON (camelCase, as in the REST docs) holding only what
    the desired state declares, with write-only secrets left out: those are in
    `secrets`, keyed by their dotted path in the body, and merged in only when
    the adapter builds the request.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str
    type: str
    id: str
    layer: str
    body: dict[str, Any]
    secrets: dict[str, SecretStr] = {}
    depends_on: tuple[str, ...] = ()
    drift_policy: DriftPolicy | None = None
    tolerate_foreign_tags: bool = False
    #: The api-version to manage a type without a declared adapter entry at
    #: (None: the newest stable one ARM's type index defines).
    api_version: str | None = None
    #: Paths ARM never returns that the desired state does not declare (a secret with no value
    #: configured, a create-time input): the plan reports them as not verifiable, never as drift.
    unverifiable: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.id.rstrip("/").rsplit("/", 1)[-1]

    @property
    def resource_group(self) -> str | None:
        parts = self.id.split("/")
        for i, part in enumerate(parts[:-1]):
            if part.lower() == "resourcegroups":
                return parts[i + 1]
        return None

    @property
    def subscription_id(self) -> str:
        return self.id.split("/")[2]


class ResourceSpec(BaseModel):
    """Base of every typed spec. Subclasses set `arm_type` and implement
    `properties()` (and override `body()` when the type has top-level fields
    besides `location`, `tags` and `properties`, such as `sku` or `kind`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    arm_type: ClassVar[str]
    #: Segment(s) between the parent id and the name, for child types whose
    #: path is not just the last type segment (blob containers:
    #: "blobServices/default/containers").
    child_path: ClassVar[str | None] = None
    #: For a type the adapters declare no entry for (managed generically by id):
    #: the api-version to use; None takes the newest stable one ARM's type index defines.
    api_version: ClassVar[str | None] = None
    #: The type's own name rule (length, charset), declared with the type;
    #: None: ARM's generic rule. `desired_state.naming` collects them.
    name_rule: ClassVar[NameRule | None] = None

    address: str
    name: str
    drift_policy: DriftPolicy | None = None
    tolerate_foreign_tags: bool = False
    #: The spec whose live value names this one, when `name` is a
    #: `live_ref(name_from, PATH)` known only once that resource exists
    #: (reconciler/live_names.py); held here so the dependency edge exists.
    name_from: ResourceSpec | None = None

    # -- identity -----------------------------------------------------------
    @property
    def id(self) -> str:
        raise NotImplementedError

    # -- rendering ------------------------------------------------------------
    def properties(self) -> dict[str, Any]:
        return {}

    def body(self) -> dict[str, Any]:
        return {"properties": self.properties()}

    def secret_values(self) -> dict[str, SecretStr]:
        """Write-only values keyed by dotted body path (never in `body()`)."""
        return {}

    def not_verifiable(self) -> tuple[str, ...]:
        """Paths ARM never returns that this spec does not declare (a secret whose value is not
        configured): reported by the plan as not verifiable."""
        return ()

    # -- references -------------------------------------------------------------
    def references(self) -> Iterator[ResourceSpec]:
        """Every spec this one refers to through its fields."""
        for field_name in type(self).model_fields:
            yield from _specs_in(getattr(self, field_name))

    def to_resource(self, layer: str) -> Resource:
        deps = tuple(dict.fromkeys(ref.address for ref in self.references()))
        return Resource(
            address=self.address,
            type=self.arm_type,
            id=self.id,
            layer=layer,
            body=self.body(),
            secrets=self.secret_values(),
            depends_on=deps,
            drift_policy=self.drift_policy,
            tolerate_foreign_tags=self.tolerate_foreign_tags,
            api_version=self.api_version,
            unverifiable=self.not_verifiable(),
        )


def _specs_in(value: Any) -> Iterator[ResourceSpec]:
    if isinstance(value, ResourceSpec):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _specs_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _specs_in(item)
    elif isinstance(value, BaseModel):
        # A value object inside a spec (a workbook's query item) may name resources too.
        for field_name in type(value).model_fields:
            yield from _specs_in(getattr(value, field_name))


class ResourceGroupSpec(ResourceSpec):
    """`Microsoft.Resources/resourceGroups`; the root of every id."""

    arm_type: ClassVar[str] = "Microsoft.Resources/resourceGroups"
    name_rule = NameRule(1, 90, r"[\w\-.()]*[\w\-()]", "letters, digits, _-.() and not ending in .")

    subscription_id: str
    location: str
    tags: dict[str, str] = {}
    #: A group Azure itself creates and every environment shares (`NetworkWatcherRG`):
    #: declared without tags, so it is created when missing but never claimed by an
    #: environment (never updated beyond its location, never pruned).
    shared: bool = False

    @property
    def id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.name}"

    def body(self) -> dict[str, Any]:
        if self.shared:
            return {"location": self.location}
        return {"location": self.location, "tags": dict(self.tags)}


class TopLevelSpec(ResourceSpec):
    """A resource directly in a resource group."""

    resource_group: ResourceGroupSpec

    @property
    def id(self) -> str:
        return f"{self.resource_group.id}/providers/{self.arm_type}/{self.name}"


class ChildSpec(ResourceSpec):
    """A resource nested under another (subnet under VNet, queue under namespace)."""

    parent: ResourceSpec

    @property
    def id(self) -> str:
        segment = self.child_path or self.arm_type.rsplit("/", 1)[-1]
        return f"{self.parent.id}/{segment}/{self.name}"


class ExtensionSpec(ResourceSpec):
    """An extension resource placed on another resource's scope (role
    assignments, diagnostic settings)."""

    scope: ResourceSpec

    @property
    def id(self) -> str:
        return f"{self.scope.id}/providers/{self.arm_type}/{self.name}"
