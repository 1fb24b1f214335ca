"""Any ARM type, declared by its wire body: the spec `reconcile import` writes where no typed spec of
the estate fits what Azure holds (docs/import.md).

A `GenericSpec` is managed like a typed spec of a type without an adapter entry (by id, through the
generic resources API, at the newest stable api-version its provider publishes; docs/adding-a-resource.md).
Its body is ARM wire JSON in which any value may be another spec: the body holds that spec's id and
the spec is a dependency (`{"subnet": {"id": subnet}}`), so references read as references and order
the build.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from desired_state.resource import ResourceGroupSpec, ResourceSpec


def _with_ids(value: Any) -> Any:
    """`value` with every spec in it replaced by its id."""
    if isinstance(value, ResourceSpec):
        return value.id
    if isinstance(value, dict):
        return {key: _with_ids(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_ids(item) for item in value]
    return value


class GenericSpec(ResourceSpec):
    """One resource of any ARM type, in a resource group (`parent` is its `ResourceGroupSpec`) or
    under a parent resource (`parent` is that resource's spec).

    `props` (the body's `properties`) and `envelope` (the other top-level fields: `sku`, `kind`,
    `identity`, `zones`...) are ARM wire JSON exactly as in a REST request. `secrets` are write-only
    values keyed by dotted body path (None: not configured, so not managed, and reported as not
    verifiable, as are the `not_verifiable_paths`: fields ARM never returns that the spec does not
    declare); while one is not configured the spec declares no tags, so the resource is not written."""

    type: str
    parent: ResourceSpec
    #: The part of the id between the parent's id and the name, when it is not the type's last
    #: segment (blob containers: `blobServices/default/containers`).
    segment: str | None = None
    location: str | None = None
    tags: dict[str, str] | None = None
    envelope: dict[str, Any] = {}
    props: dict[str, Any] | None = None
    secrets: dict[str, SecretStr | None] = {}
    not_verifiable_paths: tuple[str, ...] = ()
    #: Specs whose live values the body holds (`live_ref` placeholders: a principal's id, a workspace's
    #: customer id), so they are dependencies.
    refers_to: tuple[ResourceSpec, ...] = ()

    @property
    def arm_type(self) -> str:  # type: ignore[override]  # per instance here, per class in typed specs
        return self.type

    @property
    def id(self) -> str:
        if isinstance(self.parent, ResourceGroupSpec):
            return f"{self.parent.id}/providers/{self.type}/{self.name}"
        return f"{self.parent.id}/{self.segment or self.type.rsplit('/', 1)[-1]}/{self.name}"

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.location is not None:
            body["location"] = self.location
        if self.tags is not None and None not in self.secrets.values():
            # With a secret not configured the resource is not written by us (ARM refuses some writes
            # without their secret: a Key Vault secret's value), so it declares no tags of its own: its
            # tagged ancestor proves it ours.
            body["tags"] = dict(self.tags)
        body.update(_with_ids(self.envelope))
        if self.props is not None:
            body["properties"] = _with_ids(self.props)
        return body

    def secret_values(self) -> dict[str, SecretStr]:
        return {path: value for path, value in self.secrets.items() if value is not None}

    def not_verifiable(self) -> tuple[str, ...]:
        unset = tuple(path for path, value in self.secrets.items() if value is None)
        return tuple(dict.fromkeys((*unset, *self.not_verifiable_paths)))
