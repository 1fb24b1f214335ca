"""Every ARM type the product knows: the `TYPES` (and `GENERIC`) of each module in
`adapters/services/`, found without being listed anywhere (as `desired_state/catalog.py`
finds the spec classes)."""

from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
import re
import threading
from collections.abc import Mapping
from dataclasses import replace
from types import ModuleType
from typing import Any

import adapters.services
from adapters.arm_type import ArmType, GenericType
from adapters.clients import ClientFactory
from adapters.compare import CompareRules, pattern_of
from adapters.direct_reads import sdk_api_version
from adapters.field_flags import flags_for, newest_stable_version
from adapters.field_rules import FIELD_RULES
from adapters.generic import GenericAdapter
from adapters.normalisations import TYPE_RULES
from adapters.services.resource import ListedResource, list_children, list_resources
from desired_state.errors import ReconcilerError

log = logging.getLogger("adapters.registry")


def _service_modules() -> tuple[ModuleType, ...]:
    """Every module of `adapters/services/`, in a stable order."""
    return tuple(
        importlib.import_module(f"{adapters.services.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(adapters.services.__path__), key=lambda m: m.name)
    )


SERVICE_MODULES = _service_modules()

HOW_TO_ADD = (
    "declare the type in adapters/services/<service>.py: one ArmType in TYPES for a quirk (per-service SDK "
    "client, keyed lists, write-only fields), else one GenericType in GENERIC (managed by id through the "
    "generic resources API)"
)

_FIELD_RULES = {arm_type.lower(): paths for arm_type, paths in FIELD_RULES.items()}


#: Request-only option blocks, per provider: sent with a write, never part of what a GET returns.
REQUEST_ONLY: dict[str, tuple[str, str]] = {
    "microsoft.documentdb": (
        "properties.options",
        "Cosmos DB CreateUpdateOptions: 'A key-value pair of options to be applied for the request. This "
        "corresponds to the headers sent with the request.' (REST spec cosmos-db.json); recorded cases "
        "send options.throughput and read none back",
    ),
}
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}(?:-preview)?")


def with_field_rules(arm_type: str, rules: CompareRules, api_version: str | None = None) -> CompareRules:
    """`rules` plus what the facts say of the type's fields: the generated observations of
    `adapters.field_rules`, ARM's field flags (`adapters.field_flags`: readOnly never compared,
    writeOnly by fingerprint only, enums case-insensitive, a child's location when its definition
    does not require one), the provider's request-only blocks and the type's value rules
    (`adapters.normalisations`).

    A write-only path that the declared rules already explain (a field returned under another
    name, `reshaped`) stays compared."""
    type_key = arm_type.lower()
    explained = set(rules.reshaped)
    kinds: dict[str, set[str]] = {"write_only": set(), "create_only": set(), "case_insensitive": set()}
    for path, (kind, _source) in (_FIELD_RULES.get(type_key) or {}).items():
        if pattern_of(path) not in explained:
            kinds[kind].add(path)
    read_only: set[str] = set()
    flags = flags_for(arm_type, api_version)
    if flags is not None:
        kinds["write_only"] |= {p for p in flags.write_only if p not in explained}
        kinds["case_insensitive"] |= flags.enums
        if not flags.server_owned:  # a server-owned type's definition marks every field read-only
            read_only |= {p for p in flags.read_only if p not in explained}
        if type_key.count("/") >= 2 and not flags.location_required:
            read_only.add("location")  # a child that needs none has its parent's, or none at all
    request_only = REQUEST_ONLY.get(type_key.split("/", 1)[0])
    if request_only is not None:
        kinds["write_only"].add(request_only[0])
    return replace(
        rules,
        write_only=rules.write_only | kinds["write_only"],
        create_only=rules.create_only | kinds["create_only"],
        case_insensitive=rules.case_insensitive | kinds["case_insensitive"],
        read_only=rules.read_only | frozenset(read_only),
        value_rules=rules.value_rules + TYPE_RULES.get(type_key, ()),
    )


class UnknownResourceType(ReconcilerError, KeyError):
    """An ARM type no service module declares."""

    outcome = "validation"

    def __init__(self, arm_type: str) -> None:
        super().__init__(arm_type)
        self.arm_type = arm_type

    def __str__(self) -> str:
        return (
            f"no api-version for ARM type {self.arm_type!r}: its provider publishes none; "
            f"set `api_version` on the desired-state spec ({HOW_TO_ADD})"
        )


def _index() -> dict[str, ArmType]:
    entries: dict[str, ArmType] = {}
    for module in SERVICE_MODULES:
        for entry in getattr(module, "TYPES", ()):
            key = entry.arm_type.lower()
            if key in entries:
                raise ValueError(f"{entry.arm_type} declared twice")
            named = _VERSION.search(entry.api_version)
            version = named.group(0) if named else None
            entries[key] = replace(entry, rules=with_field_rules(entry.arm_type, entry.rules, version))
    return entries


ENTRIES: Mapping[str, ArmType] = _index()


def _generic_index() -> dict[str, GenericType]:
    """The types declared as managed generically (a service module's `GENERIC`)."""
    found: dict[str, GenericType] = {}
    for module in SERVICE_MODULES:
        for declared in getattr(module, "GENERIC", ()):
            key = declared.arm_type.lower()
            if key in found or key in ENTRIES:
                raise ValueError(f"{declared.arm_type} declared twice")
            found[key] = declared
    return found


GENERIC_TYPES: Mapping[str, GenericType] = _generic_index()
#: The comparison quirks declared for types managed by id (those of `GENERIC_TYPES` that have any).
GENERIC_RULES: Mapping[str, CompareRules] = {
    key: declared.rules for key, declared in GENERIC_TYPES.items() if declared.rules != CompareRules()
}


def is_known(arm_type: str) -> bool:
    """Whether the type is declared, with an entry or as managed generically."""
    return arm_type.lower() in ENTRIES or arm_type.lower() in GENERIC_TYPES


def holds_data(arm_type: str) -> bool:
    """Whether deleting or replacing a resource of the type loses data, as its declaration says;
    an undeclared type is taken to (nothing says it does not)."""
    declared: ArmType | GenericType | None = ENTRIES.get(arm_type.lower()) or GENERIC_TYPES.get(arm_type.lower())
    return declared.data_holding if declared is not None else True


def entry_for(arm_type: str) -> ArmType:
    """The declared entry of a type (case-insensitive)."""
    found = ENTRIES.get(arm_type.lower())
    if found is None:
        raise UnknownResourceType(arm_type)
    return found


def is_declared(arm_type: str) -> bool:
    return arm_type.lower() in ENTRIES


def rules_for(arm_type: str, name: str | None = None, api_version: str | None = None) -> CompareRules:
    """The comparison rules of a type (of the resource called `name`, where the
    type's rules differ by name), usable without any SDK client: the declared
    entry's, else the default rules (only declared paths count) with what the facts
    say of the type's fields at `api_version` (every published version when None)."""
    found = ENTRIES.get(arm_type.lower())
    if found is not None:
        return found.for_name(name).rules if name else found.rules
    return _generic_rules_for(arm_type.lower(), api_version)


@functools.lru_cache(maxsize=512)
def _generic_rules_for(type_key: str, api_version: str | None) -> CompareRules:
    generic = GENERIC_TYPES.get(type_key)
    return with_field_rules(type_key, generic.rules if generic is not None else CompareRules(), api_version)


def generic_entry(arm_type: str, api_version: str) -> ArmType:
    """The entry of an undeclared type: read, written and deleted by id through
    `ResourceManagementClient.resources.*_by_id` at `api_version`."""
    version: dict[str, Any] = {"api_version": api_version}
    return ArmType(
        arm_type=arm_type,
        service="resource", operations="resources",
        get="get_by_id", create="begin_create_or_update_by_id", delete="begin_delete_by_id",
        args=("id",), model=None,
        rules=rules_for(arm_type),
        etag=False,
        get_kwargs=version, create_kwargs=version, delete_kwargs=version,
        data_holding=holds_data(arm_type),
        api_version=f"{api_version} (generic, by id)",
    )


def all_types() -> list[str]:
    return sorted(entry.arm_type for entry in ENTRIES.values())


class AdapterRegistry:
    """Adapters for every known type, sharing one `ClientFactory`."""

    def __init__(self, clients: ClientFactory) -> None:
        self.clients = clients
        self._adapters: dict[str, GenericAdapter] = {}
        self._versions: dict[str, str] = {}
        self._lock = threading.Lock()

    def for_type(self, arm_type: str, api_version: str | None = None) -> GenericAdapter:
        """The adapter of a type: its declared entry's, else the generic one by id
        at `api_version` (default: the newest stable version ARM's type index defines for it,
        else the newest stable one its provider publishes)."""
        declared = ENTRIES.get(arm_type.lower())
        key = declared.arm_type if declared is not None else f"{arm_type.lower()}@{api_version or ''}"
        with self._lock:
            adapter = self._adapters.get(key)
            if adapter is not None:
                return adapter
        if declared is None:
            if not is_known(arm_type):
                log.warning("%s is not declared in adapters/services/: managed generically by id; %s",
                            arm_type, HOW_TO_ADD, extra={"type": arm_type})
            entry = generic_entry(arm_type, api_version or self.default_api_version(arm_type))
        else:
            entry = declared
        with self._lock:
            return self._adapters.setdefault(key, GenericAdapter(entry, self.clients))

    def default_api_version(self, arm_type: str) -> str:
        """The api-version of a type the desired state names none for: the newest stable one
        ARM's type index defines (`adapters.field_flags`, no request), else the newest one its
        provider publishes (a GET of the provider: one request, and one more round trip)."""
        return newest_stable_version(arm_type) or self.published_api_version(arm_type)

    def published_api_version(self, arm_type: str) -> str:
        """The newest non-preview api-version the type's provider publishes
        (`GET /subscriptions/{id}/providers/{namespace}`), else its newest preview."""
        namespace, _, rest = arm_type.partition("/")
        with self._lock:
            cached = self._versions.get(arm_type.lower())
        if cached:
            return cached
        provider = self.clients.client("resource").providers.get(namespace)
        versions: list[str] = []
        for resource_type in provider.resource_types or []:
            if (resource_type.resource_type or "").lower() == rest.lower():
                versions = list(resource_type.api_versions or [])
        if not versions:
            raise UnknownResourceType(arm_type)
        stable = sorted((v for v in versions if "preview" not in v.lower()), reverse=True)
        chosen = (stable or sorted(versions, reverse=True))[0]
        with self._lock:
            self._versions[arm_type.lower()] = chosen
        return chosen

    def types(self) -> list[str]:
        return all_types()

    def list_resources(
        self, resource_group: str, tag_filter: Mapping[str, str] | None = None
    ) -> list[ListedResource]:
        """Ids, types and tags of the resources in a group carrying all the given tags; a group
        that does not exist lists nothing."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return list_resources(self.clients, resource_group, tag_filter)
        except ResourceNotFoundError:
            return []

    def list_children(self, parent_id: str, child_type: str, segment: str, api_version: str | None = None) -> list[str]:
        """Ids of the live children of `child_type` under `parent_id` (`segment`
        is the part of a child id between the parent id and the child's name).
        The api-version is the given one, else the one the type's SDK reads it with, else the
        type's default (`default_api_version`)."""
        version = api_version or sdk_api_version(child_type) or self.default_api_version(child_type)
        return list_children(self.clients, parent_id, segment, version)
