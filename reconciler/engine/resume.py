"""Finishing the long-running operations an earlier run left in flight, from their stored tokens.

A run that stops while ARM still works on a write (SIGTERM past the grace period, SIGKILL, an LRO
timeout) keeps the operation's continuation token (``reconciler/engine/lro_tokens.py``). ARM goes on with
the operation regardless, and the live resource usually already reads as desired, so a plan alone
would never look at the token again: it would linger until the resource's next write, which would
then resume the old, finished operation instead of sending the new body. So before planning, every
pending operation of a desired resource is resumed to its end (no request body is sent again) and
its token cleared.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from adapters.errors import describe
from reconciler.engine.engine import Engine
from reconciler.engine.resolve import resolve_refs

log = logging.getLogger(__name__)


@runtime_checkable
class _ListsPending(Protocol):
    def pending(self) -> list[str]: ...


@dataclass(frozen=True)
class Resumed:
    """What resuming found: operations finished now, and those that ended in an error."""

    finished: tuple[str, ...] = ()
    """Addresses whose pending operation was polled to its end."""
    failed: Mapping[str, str] = field(default_factory=dict)
    """Address -> one-line reason (a failed operation, or a token ARM no longer knows)."""

    @property
    def any(self) -> bool:
        """True when something was resumed, so live state may have changed since it was observed."""
        return bool(self.finished or self.failed)


def pending_addresses(engine: Engine) -> list[str]:
    """Addresses of desired resources with a stored continuation token."""
    tokens = engine.lro_tokens
    if not isinstance(tokens, _ListsPending):
        return []
    by_id = {resource.id.lower(): address for address, resource in engine.resources.items()}
    # Tokens of resources no longer desired belong to prune deletes, which resume them themselves.
    return [by_id[rid] for rid in tokens.pending() if rid in by_id]


def resume_operations(
    engine: Engine,
    live: Mapping[str, Any],
    *,
    stop: threading.Event | None = None,
    workers: int = 16,
) -> Resumed:
    """Poll every pending operation of a desired resource to its end, concurrently.

    ``live`` is the observation's live bodies, to resolve references in the desired bodies the
    adapters are handed (the SDK sends none of it when it resumes from a token).
    """
    addresses = pending_addresses(engine)
    if not addresses or (stop is not None and stop.is_set()):
        return Resumed()
    engine.preflight()  # resuming records to the token store
    log.info("resuming operations left in flight", extra={"phase": "resume", "count": len(addresses)})

    def resume(address: str) -> str | None:
        resource = engine.resources[address]
        adapter = engine.adapters.for_type(resource.type, resource.api_version)
        body = resolve_refs(resource.body, live, strict=False)
        try:
            # Only follow what is in flight: a token that no longer resolves is dropped and the
            # resource re-read, never written again blindly (its create may have finished).
            adapter.write(
                resource.model_copy(update={"body": body}), live.get(address), lro_tokens=engine.lro_tokens,
                resume_only=True,
            )
        except Exception as error:  # one operation's failure must not stop the others
            return describe(error)
        return None

    finished: list[str] = []
    failed: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(addresses))), thread_name_prefix="resume") as pool:
        for address, why in zip(addresses, pool.map(resume, addresses), strict=True):
            if why is None:
                finished.append(address)
                log.info("operation resumed to its end", extra={"phase": "resume", "address": address})
            else:
                failed[address] = why
                log.warning(
                    "resumed operation ended in an error",
                    extra={"phase": "resume", "address": address, "error": why},
                )
    return Resumed(tuple(finished), failed)
