"""The declarative entry of one ARM type: which SDK call does what, how to compare it, and
whether deleting it loses data. A type with quirks is one `ArmType` in the `TYPES` tuple of
its service module (`adapters/services/<service>.py`); a type managed by id through the generic
resources API is one `GenericType` in that module's `GENERIC` tuple, so that no type the
desired state uses falls back to the generic path without saying so.

What is not here is declared once elsewhere: tags, the name rule and the request body by the
type's spec (`desired_state/specs/`), and the generated field facts (write-only, create-only,
case-insensitive paths) in `adapters/field_rules.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from adapters.compare import CompareRules


@dataclass(frozen=True)
class ByName:
    """What differs for one resource name of an `ArmType` (see `ArmType.by_name`)."""

    get: str
    create: str
    model: str | None
    rules: CompareRules | None = None


@dataclass(frozen=True)
class ArmType:
    """One ARM type as data, interpreted by `adapters.generic.GenericAdapter`.

    `args` maps the ARM id to the SDK method's positional arguments, each one of:
    `resource_group`; `name` (the last segment); a type segment such as
    `virtualNetworks` (the name that follows it in the id, after the last
    `/providers/`); `scope` (everything before the last `/providers/`, without
    the leading slash, for extension resources); `id` (the whole id without
    its leading slash); `const:<value>` (a literal, e.g. the record type).
    """

    arm_type: str
    service: str
    operations: str
    get: str
    create: str
    delete: str
    args: tuple[str, ...]
    #: "module:Class" of the request body model; None sends the wire dict.
    model: str | None
    rules: CompareRules = field(default_factory=CompareRules)
    #: Send `If-Match: <live etag>` on updates when the live body has an etag.
    etag: bool = True
    get_kwargs: Mapping[str, Any] = field(default_factory=dict)
    create_kwargs: Mapping[str, Any] = field(default_factory=dict)
    delete_kwargs: Mapping[str, Any] = field(default_factory=dict)
    #: Dotted paths removed from the request body (read-only fields the service rejects).
    write_strip: tuple[str, ...] = ()
    #: Holds data that a delete or a replace destroys: `--allow-data-loss` is needed on top of
    #: `--prune` / `--allow-replace` (`reconciler.engine.safety`, which keeps no list of its own).
    data_holding: bool = False
    #: The api-version the SDK call uses and anything surprising about it.
    api_version: str = ""
    #: Resource name (lower-case) -> how that one differs, for a type whose SDK
    #: operations and rules differ by name (App Service `sites/config`:
    #: `appsettings` is read with the `list` action, `web` with GET).
    by_name: Mapping[str, ByName] = field(default_factory=dict)
    #: Whether a Resource Graph `resources` row of the type may stand for its GET (graph observe
    #: mode, docs/observe-modes.md): a row that plans no change against the desired body is
    #: trusted without a GET. None (the default) is the convention: yes for a top-level type
    #: (Microsoft Learn, "Azure Resource Graph table and resource type reference": `resources`
    #: holds the tracked top-level types, each row the resource as its provider returns it), no
    #: for a child type, which is a row only where that reference lists it (say True then, with
    #: the source). A wrong yes only costs GETs: a field missing from a row or shaped otherwise
    #: is a difference, and a difference is confirmed with a GET before anything is planned.
    graph_row: bool | None = None

    def for_name(self, name: str) -> ArmType:
        """The entry as it applies to the resource called `name`."""
        variant = self.by_name.get(name.lower())
        if variant is None:
            return self
        return replace(
            self, get=variant.get, create=variant.create, model=variant.model,
            rules=variant.rules if variant.rules is not None else self.rules, by_name={},
        )

    @property
    def row_stands_for_get(self) -> bool:
        """`graph_row`, the convention applied (a top-level type's rows stand for its GETs)."""
        return self.graph_row if self.graph_row is not None else self.arm_type.count("/") == 1

    @property
    def create_is_lro(self) -> bool:
        return self.create.startswith("begin_")

    @property
    def delete_is_lro(self) -> bool:
        return self.delete.startswith("begin_")

    @property
    def deleted_with_parent(self) -> bool:
        """No delete operation: the resource goes with its parent (`sites/config`)."""
        return not self.delete


@dataclass(frozen=True)
class GenericType:
    """One ARM type managed by id through `ResourceManagementClient.resources.*_by_id`, at its
    spec's `api_version` or the newest stable one ARM's type index defines (else its provider
    publishes; no SDK client of its own): its comparison quirks and whether deleting it loses data."""

    arm_type: str
    rules: CompareRules = field(default_factory=CompareRules)
    #: As `ArmType.data_holding`.
    data_holding: bool = False
