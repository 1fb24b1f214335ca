"""Every ARM type the product knows, from the `TYPES` of each service module."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from adapters.arm_type import ArmType
from adapters.clients import ClientFactory
from adapters.compare import CompareRules
from adapters.generic import GenericAdapter
from adapters.services import (
    apimanagement,
    appcontainers,
    applicationinsights,
    authorization,
    cdn,
    cosmosdb,
    datafactory,
    dns,
    keyvault,
    loganalytics,
    monitor,
    msi,
    network,
    privatedns,
    redis,
    resource,
    servicebus,
    sql,
    storage,
    web,
)
from adapters.services.resource import ListedResource, list_resources

SERVICE_MODULES = (
    resource, network, dns, privatedns, keyvault, msi, authorization, monitor, loganalytics,
    applicationinsights, sql, servicebus, storage, web, appcontainers, apimanagement, cdn,
    datafactory, redis, cosmosdb,
)

HOW_TO_ADD = (
    "to add a type, append an ArmType entry (SDK operation group, get/create/delete method names, "
    "id-to-argument mapping, body model, CompareRules) to TYPES in adapters/services/<service>.py"
)


class UnknownResourceType(KeyError):
    """An ARM type no service module declares."""

    def __init__(self, arm_type: str) -> None:
        super().__init__(arm_type)
        self.arm_type = arm_type

    def __str__(self) -> str:
        return f"no adapter for ARM type {self.arm_type!r}; {HOW_TO_ADD}"


def _index() -> dict[str, ArmType]:
    entries: dict[str, ArmType] = {}
    for module in SERVICE_MODULES:
        for entry in module.TYPES:
            key = entry.arm_type.lower()
            if key in entries:
                raise ValueError(f"{entry.arm_type} declared twice")
            entries[key] = entry
    return entries


ENTRIES: Mapping[str, ArmType] = _index()


def entry_for(arm_type: str) -> ArmType:
    """The declared entry of a type (case-insensitive)."""
    found = ENTRIES.get(arm_type.lower())
    if found is None:
        raise UnknownResourceType(arm_type)
    return found


def rules_for(arm_type: str) -> CompareRules:
    """The comparison rules of a type, usable without any SDK client."""
    return entry_for(arm_type).rules


def all_types() -> list[str]:
    return sorted(entry.arm_type for entry in ENTRIES.values())


class AdapterRegistry:
    """Adapters for every known type, sharing one `ClientFactory`."""

    def __init__(self, clients: ClientFactory) -> None:
        self.clients = clients
        self._adapters: dict[str, GenericAdapter] = {}
        self._lock = threading.Lock()

    def for_type(self, arm_type: str) -> GenericAdapter:
        entry = entry_for(arm_type)
        with self._lock:
            adapter = self._adapters.get(entry.arm_type)
            if adapter is None:
                adapter = GenericAdapter(entry, self.clients)
                self._adapters[entry.arm_type] = adapter
            return adapter

    def types(self) -> list[str]:
        return all_types()

    def list_resources(
        self, resource_group: str, tag_filter: Mapping[str, str] | None = None
    ) -> list[ListedResource]:
        """Ids, types and tags of the resources in a group carrying all the given tags."""
        return list_resources(self.clients, resource_group, tag_filter)
