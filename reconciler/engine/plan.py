"""The plan: what the engine intends to do, as plain data.

A plan is serialisable and testable on its own; the CLI renders it (text like
Terraform's, or JSON in the format documented in docs/plan-format.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from adapters.errors import Failure, Reason
from reconciler.engine.convergence import NotKept

if TYPE_CHECKING:
    from reconciler.engine.attribution_record import Attribution

#: Minor: fields added (readers of 1.0 read it); major: an incompatible change.
#: 1.1: `reason` per change, `error_details` per unreadable resource.
FORMAT_VERSION = "1.1"

Action = Literal["create", "update", "replace", "delete", "noop"]
ACTIONS: tuple[Action, ...] = ("create", "update", "replace", "delete", "noop")

#: What a secret value is shown as, wherever a plan is rendered.
SENSITIVE = "(sensitive)"
#: What a value that depends on a resource not yet created is shown as.
KNOWN_AFTER_APPLY = "(known after apply)"


@dataclass(frozen=True)
class DiffEntry:
    """One changed attribute: its path in the ARM body, live value before,
    desired value after (None where absent)."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Refusal:
    """Why a change does not run in this invocation: a code for machines, a line for people."""

    reason: Reason
    why: str


@dataclass(frozen=True)
class Change:
    """The planned action for one desired or pruned resource."""

    address: str
    id: str
    type: str
    action: Action
    depends_on: tuple[str, ...] = ()
    diff: tuple[DiffEntry, ...] = ()
    unverifiable: tuple[str, ...] = ()
    #: Why this change will not run in this invocation (a missing safety flag,
    #: a live resource this controller does not own). None when it will run.
    blocked: str | None = None
    layer: str = ""
    #: Declared fields ARM did not keep when last written (not rewritten; see
    #: reconciler/engine/convergence.py): the desired state must change.
    not_convergent: tuple[NotKept, ...] = ()
    #: Who changed a drifted resource (reconciler/engine/attribution.py); None when not looked up.
    attribution: Attribution | None = None
    #: Why it is blocked (with `blocked`), or why nothing is written although the live resource
    #: differs (`not-convergent`); None for a change that runs as planned.
    reason: Reason | None = None

    @property
    def is_change(self) -> bool:
        return self.action != "noop"

    @property
    def runnable(self) -> bool:
        return self.is_change and self.blocked is None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "id": self.id,
            "type": self.type,
            "action": self.action,
            "depends_on": list(self.depends_on),
            "diff": [{"path": d.path, "before": d.before, "after": d.after} for d in self.diff],
            "unverifiable": list(self.unverifiable),
            "blocked": self.blocked,
            "not_convergent": [n.to_json() for n in self.not_convergent],
            "attribution": self.attribution.to_json() if self.attribution is not None else None,
            "reason": self.reason.value if self.reason is not None else None,
        }


@dataclass(frozen=True)
class Plan:
    environment: str
    target: Literal["emulator", "azure"]
    changes: tuple[Change, ...]
    #: Resources that could not be read (address -> why, in a line and a code); a plan with
    #: errors is incomplete and the CLI exits 1.
    errors: dict[str, Failure] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(c.action for c in self.changes)
        return {action: counts.get(action, 0) for action in ACTIONS}

    @property
    def has_changes(self) -> bool:
        return any(c.is_change for c in self.changes)

    def change(self, address: str) -> Change:
        for c in self.changes:
            if c.address == address:
                return c
        raise KeyError(address)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "environment": self.environment,
            "target": self.target,
            "summary": self.summary,
            "changes": [c.to_json() for c in self.changes],
            "errors": {address: str(failure) for address, failure in self.errors.items()},
            "error_details": {address: failure.to_json() for address, failure in self.errors.items()},
        }
