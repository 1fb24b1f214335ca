"""The adapter contract (modelled on Crossplane's external client).

Bodies are ARM wire JSON (camelCase) on both sides, so comparison rules,
fixtures and the emulator speak one language; the SDK serialises them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from desired_state.resource import Resource

if TYPE_CHECKING:
    from adapters.arm_type import ArmType
    from adapters.siblings import SiblingListing


class LroTokenStore(Protocol):
    """Where a write keeps its long-running-operation continuation token, so a
    restarted process resumes the operation instead of starting it again."""

    def get(self, resource_id: str) -> str | None: ...
    def put(self, resource_id: str, token: str) -> None: ...
    def clear(self, resource_id: str) -> None: ...


class Adapter(Protocol):
    """Reads, writes and deletes one ARM type through its azure-mgmt SDK client.

    Everything a caller may ask of an adapter is declared here (no caller probes for more):
    the type's facts (`entry`), reads, sibling lists, etags, writes and deletes."""

    arm_type: str
    #: The type's declaration: every fact about it (data-holding, tags, If-Match, list, ...).
    entry: ArmType

    def read(self, resource_id: str) -> dict[str, Any] | None:
        """The live body, or None only for a genuine 404."""
        ...

    def list_siblings(self, resource_id: str) -> SiblingListing | None:
        """Every resource of this type under `resource_id`'s parent, read with one list call;
        None when the type has no list returning full bodies (read each with `read`)."""
        ...

    def etag_of(self, resource_id: str, live: Mapping[str, Any]) -> str | None:
        """The etag an update of `live` sends as `If-Match`, or None where the type takes none."""
        ...

    def write(
        self,
        resource: Resource,
        live: dict[str, Any] | None,
        *,
        lro_tokens: LroTokenStore | None = None,
        resume_only: bool = False,
    ) -> dict[str, Any]:
        """Create (live is None) or update by read-merge-write with If-Match on
        the live etag; waits for the LRO; returns the live body after.
        With `resume_only`, only an operation left in flight (a stored token) is
        followed to its end; nothing is sent when there is none to follow."""
        ...

    def delete(self, resource_id: str, *, lro_tokens: LroTokenStore | None = None) -> None:
        """Delete and wait; a resource already gone is not an error."""
        ...
