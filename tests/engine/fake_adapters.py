"""A dict-backed fake of the adapter protocol (`adapters.base.Adapter`), for table tests of the
planner and the applier that run in milliseconds.

It keeps live ARM bodies by lower-cased id, answers reads from them, and records every read,
write and delete in order. Each type's facts are the real declaration (`adapters.registry`), so
data-holding, etags and lists are what production sees; only the transport is replaced. It is
no model of ARM: the engine end to end is tested against the emulator with the real SDK clients.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.arm_type import ArmType
from adapters.base import LroTokenStore
from adapters.registry import ENTRIES, generic_entry
from adapters.siblings import SiblingListing
from desired_state.resource import Resource


@dataclass
class FakeArm:
    """Live bodies by lower-cased id, the calls made, and failures to raise."""

    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ("read" | "write" | "delete", id) in the order they were made.
    calls: list[tuple[str, str]] = field(default_factory=list)
    #: Lower-cased id -> the exception every write of it raises.
    fail_writes: dict[str, BaseException] = field(default_factory=dict)
    #: Lower-cased type -> what the service fills in on a write (an identity's `principalId`).
    server_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, resource_id: str, body: Mapping[str, Any]) -> None:
        """Make `body` live at `resource_id` (as someone, or an earlier run, did)."""
        self.bodies[resource_id.lower()] = {"id": resource_id, **copy.deepcopy(dict(body))}

    def writes(self) -> list[str]:
        return [rid for kind, rid in self.calls if kind == "write"]

    def deletes(self) -> list[str]:
        return [rid for kind, rid in self.calls if kind == "delete"]

    def for_type(self, arm_type: str, api_version: str | None = None) -> FakeAdapter:
        entry = ENTRIES.get(arm_type.lower()) or generic_entry(arm_type, api_version or "2024-01-01")
        return FakeAdapter(self, entry)


class FakeAdapter:
    """One type's adapter over a `FakeArm`."""

    def __init__(self, arm: FakeArm, entry: ArmType) -> None:
        self.arm = arm
        self.entry = entry
        self.arm_type = entry.arm_type

    def read(self, resource_id: str) -> dict[str, Any] | None:
        with self.arm.lock:
            self.arm.calls.append(("read", resource_id))
            body = self.arm.bodies.get(resource_id.lower())
            return copy.deepcopy(body) if body is not None else None

    def list_siblings(self, resource_id: str) -> SiblingListing | None:
        return None  # every resource is read with `read`

    def etag_of(self, resource_id: str, live: Mapping[str, Any]) -> str | None:
        return None

    def write(
        self,
        resource: Resource,
        live: dict[str, Any] | None,
        *,
        lro_tokens: LroTokenStore | None = None,
        resume_only: bool = False,
    ) -> dict[str, Any]:
        with self.arm.lock:
            self.arm.calls.append(("write", resource.id))
            failure = self.arm.fail_writes.get(resource.id.lower())
            if failure is not None:
                raise failure
            body = {**copy.deepcopy(live or {}), **copy.deepcopy(resource.body), "id": resource.id}
            for key, value in self.arm.server_values.get(resource.type.lower(), {}).items():
                body[key] = {**body.get(key, {}), **value} if isinstance(value, dict) else value
            self.arm.bodies[resource.id.lower()] = body
            return copy.deepcopy(body)

    def delete(self, resource_id: str, *, lro_tokens: LroTokenStore | None = None) -> None:
        with self.arm.lock:
            self.arm.calls.append(("delete", resource_id))
            prefix = resource_id.lower()
            for rid in [r for r in self.arm.bodies if r == prefix or r.startswith(prefix + "/")]:
                del self.arm.bodies[rid]
