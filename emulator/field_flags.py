"""Field flags of every ARM type at every api-version: what ARM's type definitions say about a body.

Read from ``emulator/data/field_flags.jsonl.gz`` (``python -m emulator.tools.gen_field_flags``
writes it from the ARM type index, Azure/bicep-types-az generated from the REST specs): per type
and api-version the paths that are ``readOnly`` (the server sets them; a client's value is
ignored), ``writeOnly`` (accepted, never returned: secrets and create-time inputs), the canonical
values of string enums, and whether ``location`` is required (a tracked resource). Paths are
dotted, ``[]`` = every list item, ``.*`` = every map value; a flag covers its path's subtree.

The data is parsed per provider namespace, on first use (the emulator's cold start pays for the
providers a request names only).
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DATA = Path(__file__).resolve().parent / "data" / "field_flags.jsonl.gz"
PROVISIONING_STATE = "properties.provisioningState"
_LIFECYCLE = frozenset({"properties.state", "properties.status"})
#: Values of a state that say where a resource is in its life (lower-cased).
_LIFECYCLE_VALUES = frozenset({
    "ready", "online", "running", "creating", "provisioning", "inprogress", "initializing", "pending", "starting",
    "updating", "deleting", "accepted", "succeeded",
})


def marks_long_running(read_only: Iterable[str], enum_paths: Iterable[str]) -> bool:
    """Whether a definition carries ``properties.provisioningState``, the field through which ARM's
    long-running writes report progress (Azure/azure-resource-manager-rpc async-api-reference.md: a
    long-running PUT's body "MUST contain a provisioningState property set to a non-terminal value").

    Flagged read-only in current specs; older ones declare it a writable enum (Key Vault vaults at
    2019-09-01: ``RegisteringDns``/``Succeeded``, Log Analytics workspaces at
    2015-11-01-preview: ``Creating``/``ProvisioningAccount``/...), recorded answering their creates with those
    transitional states, so an enum counts as well. Only the definition at hand counts: a type that
    added the field in a later api-version (SQL databases, 2025-02-01-preview) answered its older
    versions with the 202 model instead (recorded at 2017-10-01-preview:
    sql/test_cli_mgmt_sql_database.test_database.yaml).
    """
    read_only = set(read_only)
    return PROVISIONING_STATE in read_only or "properties" in read_only or PROVISIONING_STATE in set(enum_paths)


@dataclass(frozen=True)
class FieldFlags:
    """One type's flags at one api-version."""

    read_only: tuple[str, ...]
    write_only: tuple[str, ...]
    enums: Mapping[str, tuple[str, ...]]
    location_required: bool
    #: readable but writable at no scope: the service creates it with its parent (SQL automaticTuning)
    server_owned: bool = False

    @property
    def has_provisioning_state(self) -> bool:
        """The definition has a ``properties.provisioningState`` (ARM's long-running mark: see
        ``marks_long_running``)."""
        return marks_long_running(self.read_only, self.enums)

    @property
    def lifecycle_without_provisioning_state(self) -> bool:
        """No provisioningState, but a server-set ``properties.state``/``properties.status`` naming where
        the resource is in its life: how specs written before provisioningState became the RPC's
        long-running contract expose progress (SQL servers ``Ready``, managed-instance databases
        ``Creating``/``Online``, job agents, elastic pools, virtual network rules ``InProgress``/``Ready``:
        all recorded long-running). A state whose values name none of it (Storage immutability policies'
        ``Locked``/``Unlocked``, ``Enabled``/``Disabled``) is a setting, not a lifecycle."""
        return not self.has_provisioning_state and self.reports_lifecycle

    @property
    def reports_lifecycle(self) -> bool:
        """A server-set ``properties.state``/``properties.status`` naming where the resource is in its life
        (free strings count), whether or not the definition also has a provisioningState (SQL managed
        instances at 2017-10-01-preview have both)."""
        for path in _LIFECYCLE & set(self.read_only):
            values = {value.lower() for value in self.enums.get(path, ())}
            if not values or values & _LIFECYCLE_VALUES:
                return True
        return False

    @property
    def provisioning_states(self) -> tuple[str, ...]:
        """The values the definition enumerates for ``properties.provisioningState`` (empty: a free string)."""
        return self.enums.get(PROVISIONING_STATE, ())

    @property
    def location_read_only(self) -> bool:
        """The server sets ``location`` (a child carrying its parent's)."""
        return "location" in self.read_only


@functools.cache
def _lines() -> tuple[list[list[str]], dict[str, str]]:
    text = gzip.decompress(_DATA.read_bytes()).decode("utf-8")
    header, _, rest = text.partition("\n")
    enum_values: list[list[str]] = json.loads(header)["enumValues"]
    namespaces = dict(line.split("\t", 1) for line in rest.splitlines() if line)
    return enum_values, namespaces


@functools.cache
def _namespace(namespace: str) -> dict[str, list[dict[str, Any]]]:
    raw = _lines()[1].get(namespace)
    return {} if raw is None else dict(json.loads(raw))


def _definition(type_key: str, api_version: str) -> dict[str, Any] | None:
    definitions = _namespace(type_key.split("/", 1)[0]).get(type_key)
    if not definitions:
        return None
    for definition in definitions:
        if api_version in definition["apiVersions"]:
            return definition
    return definitions[-1]  # a version no definition covers: the newest one


@functools.lru_cache(maxsize=1024)
def flags_for(type_key: str, api_version: str = "") -> FieldFlags | None:
    """The flags of a lower-cased type at a version (the newest definition for a version none
    covers); None for a type ARM's index does not define (an action, a view, an unknown type)."""
    definition = _definition(type_key, api_version)
    if definition is None:
        return None
    enum_values = _lines()[0]
    return FieldFlags(
        read_only=tuple(definition["readOnly"]),
        write_only=tuple(definition["writeOnly"]),
        enums={path: tuple(enum_values[index]) for path, index in definition["enums"].items()},
        location_required=bool(definition.get("locationRequired")),
        server_owned=bool(definition.get("serverOwned")),
    )
