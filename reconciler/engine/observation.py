"""What observing yields, and the seams every observer and engine part shares.

An `Observation` is plain data: the live bodies of the desired resources, the read errors, and
the prune candidates. Two observers make one: `reconciler.engine.resource_observe` (ARM reads per
resource) and `reconciler.engine.graph_observe` (Resource Graph rows and its change feed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.base import Adapter
from adapters.errors import Failure

#: A live ARM body; None: the resource does not exist.
Live = dict[str, Any] | None


class AdapterSource(Protocol):
    """Anything that hands out the adapter of an ARM type."""

    def for_type(self, arm_type: str, api_version: str | None = None) -> Adapter: ...


@dataclass
class Observation:
    """Live bodies by address (None: does not exist) and read errors."""

    live: dict[str, Live] = field(default_factory=dict)
    #: Address (or `prune-scan:<scope>`) -> why it could not be read.
    errors: dict[str, Failure] = field(default_factory=dict)
    #: Live resources carrying our ownership tags that are not desired:
    #: (id, type) pairs, candidates for pruning.
    strays: list[tuple[str, str]] = field(default_factory=list)


class Observer(Protocol):
    """Observes every desired resource of a run, and is told of our writes (a write makes what
    it observed of that resource stale: `reconciler.engine.graph_observe`)."""

    def observe(self, *, prune_scan: bool = True) -> Observation: ...

    def wrote(self, resource_id: str) -> None: ...
