"""Routing: which handler answers an ARM request, by what the path addresses and the method.

Order: operation polls (no api-version check: the URL carries the one the
write used), then the api-version gate (emulator/versions_check.py), then
subscriptions/providers, resource groups, the generic resource list, POST
actions, collections, and single resources. Resource Graph and Activity Log
queries never reach here: :class:`emulator.core.Emulator` answers them first
(``Emulator._change_feed``).
"""

from __future__ import annotations

from emulator.action_requests import answer_action
from emulator.addressing import Address, parse_path
from emulator.deletes import Deletes
from emulator.errors import ArmError
from emulator.exchange import EmulatorResponse, Request
from emulator.faults import FaultConfig, FaultInjector
from emulator.listing import Listing
from emulator.polling import answer_operation
from emulator.reads import RG_TYPE, answer_get, lookup
from emulator.store import Store
from emulator.subscriptions import answer_subscription_level
from emulator.types import TYPES, behaviour_for
from emulator.versions_check import check_api_version, check_api_version_format
from emulator.writes import Writes


class Router:
    """Sends each request to its handler: the listing, writes and deletes it owns, or a read function."""

    def __init__(self, store: Store, faults: FaultConfig, injector: FaultInjector, page_size: int) -> None:
        self._store = store
        self._faults = faults
        self._listing = Listing(store, page_size)
        self._writes = Writes(store, faults, injector)
        self._deletes = Deletes(store, faults, injector)

    def route(self, req: Request) -> EmulatorResponse:
        """Answer an ARM request by what its path addresses and its method."""
        addr = parse_path(req.path)
        kind = addr.kind
        if kind in ("operation_status", "operation_result"):
            return answer_operation(self._store, req, addr)
        check_api_version_format(req.api_version)
        if kind in ("subscriptions", "subscription", "providers", "provider", "provider_register"):
            return answer_subscription_level(self._store, req, addr)
        if kind in ("resource_group", "resource_groups"):
            check_api_version(RG_TYPE, req.api_version)
            if kind == "resource_groups":
                return self._listing.resource_groups(req, addr)
            return self._resource_group(req, addr)
        if kind == "generic_list":
            check_api_version("microsoft.resources/resources", req.api_version)
            return self._listing.generic(req, addr)
        check_api_version(addr.type_key, req.api_version)
        if req.method == "POST" and kind in ("collection", "resource"):
            # POST is always an action: on a resource, or on a collection when the path has a name's place
            return answer_action(self._store, self._faults, req, addr)
        if kind == "collection":
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"{req.method} is not allowed on a collection.")
            return self._listing.collection(req, addr)
        behaviour = behaviour_for(addr.type_key, addr.arm_type)
        if req.method == "GET":
            return answer_get(self._store, self._faults, req, addr)
        if req.method == "PUT":
            return self._writes.put(req, addr, behaviour)
        if req.method == "PATCH":
            return self._writes.patch(req, addr, behaviour)
        if req.method == "DELETE":
            return self._deletes.delete(req, addr, behaviour)
        if req.method == "HEAD":
            found = lookup(self._store.read(), addr.key, req.now)
            return EmulatorResponse(204 if found else 404)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on {addr.arm_type}.")

    def _resource_group(self, req: Request, addr: Address) -> EmulatorResponse:
        """One resource group: PUT, GET, HEAD, DELETE, PATCH."""
        behaviour = TYPES[RG_TYPE]
        if req.method == "PUT":
            return self._writes.put_resource_group(req, addr)
        if req.method == "GET":
            return answer_get(self._store, self._faults, req, addr)
        if req.method == "HEAD":
            found = lookup(self._store.read(), addr.key, req.now)
            return EmulatorResponse(204 if found else 404)
        if req.method == "DELETE":
            return self._deletes.delete(req, addr, behaviour)
        if req.method == "PATCH":
            return self._writes.patch(req, addr, behaviour)
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on resource groups.")
