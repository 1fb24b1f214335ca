"""One view of a plan, for every renderer (`reconciler.cli.render`): what a reviewer is shown.

Built once from a `Plan`: the changes in plan order, each attribute line with its values as a
person reads them (`reconciler.cli.plan_values`: references as `ADDRESS.id`, long values
shortened in the middle, list members added or removed field by field), the write-only
attributes of unchanged resources that cannot be verified, the resources ARM does not keep as
written, the unreadable ones, and the summary. The JSON renderer writes the plan's own document
(`view.document()`), so the machine format stays the one docs/plan-format.md defines. After an
apply the view also carries what became of each change (`Outcome`), for a renderer that writes
the plan once the apply has finished (`PlanRenderer.with_outcome`: Markdown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from adapters.errors import Reason
from reconciler.cli.plan_values import References, member_fields, shown, shown_pair
from reconciler.engine.attribution_record import made_on
from reconciler.engine.plan import Change, Plan

if TYPE_CHECKING:
    from reconciler.engine.applier import ApplyResult

#: `properties.securityRules[name=deny-all]`: a keyed list member, and its key field.
_MEMBER = re.compile(r"\[(?P<key>[A-Za-z_]\w*)=[^\]]*\]$")

RowKind = Literal["add", "remove", "change"]
#: Where an attribution was found, as a reviewer reads it.
_SOURCES = {"resourcegraph": "Resource Graph change history", "activitylog": "the Activity Log"}


@dataclass(frozen=True)
class Row:
    """One attribute of a change: added (`+`), removed (`-`) or changed (`~`), values as shown.
    A list member added or removed has its fields in `fields` (and no value of its own)."""

    kind: RowKind
    path: str
    before: str | None = None
    after: str | None = None
    fields: tuple[Row, ...] = ()


@dataclass(frozen=True)
class AttributionView:
    """Who changed a drifted resource (`headline`), and the properties they changed; the
    headline's parts apart (`who`, `when`, `how`) for a renderer that lays them out, empty when
    the attribution is unknown (the headline says why)."""

    headline: str
    properties: tuple[Row, ...]
    who: str = ""
    when: str = ""
    how: str = ""


@dataclass(frozen=True)
class Outcome:
    """What an apply did with one change: `applied`, `failed` (with the error, its reason code
    first: `HttpResponseError: ...`, `StaleResource: ...`) or `skipped` (with the cause)."""

    status: Literal["applied", "failed", "skipped"]
    reason: str = ""
    #: The reason code of a failed or skipped change (`adapters.errors.Reason`, docs/plan-format.md).
    code: str = ""


@dataclass(frozen=True)
class ChangeView:
    address: str
    type: str
    action: str
    id: str
    rows: tuple[Row, ...]
    blocked: str | None
    attribution: AttributionView | None
    #: Paths of the diff, for the attribution line (`# drifted: a, b, c, ...`).
    drifted_paths: tuple[str, ...]
    unverifiable: tuple[str, ...]
    not_convergent: tuple[str, ...]
    #: What the apply did with it; None in a plan not (yet) applied, or a change that did not run.
    outcome: Outcome | None = None


@dataclass(frozen=True)
class Note:
    """Something about an unchanged resource: its write-only attributes (`unverifiable`) or the
    fields ARM does not keep as written (`not_convergent`)."""

    address: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    plan: Plan
    changes: tuple[ChangeView, ...]
    unverifiable: tuple[Note, ...]
    not_convergent: tuple[Note, ...]
    errors: tuple[tuple[str, str], ...]
    #: True when the view was built after an apply (`PlanView.of(plan, result)`).
    applied: bool = False

    @property
    def environment(self) -> str:
        return self.plan.environment

    @property
    def target(self) -> str:
        return self.plan.target

    @property
    def summary(self) -> dict[str, int]:
        return self.plan.summary

    @property
    def blocked(self) -> int:
        return sum(1 for c in self.changes if c.blocked)

    @property
    def unverifiable_count(self) -> int:
        return sum(len(n.items) for n in self.unverifiable)

    def document(self) -> dict[str, Any]:
        """The plan's JSON document (docs/plan-format.md)."""
        return self.plan.to_json()

    @classmethod
    def of(cls, plan: Plan, result: ApplyResult | None = None) -> PlanView:
        """The view of `plan`; given the `result` of applying it, with each change's outcome."""
        refs = References.of((c.address, c.id) for c in plan.changes)
        outcomes = _outcomes(result) if result is not None else {}
        found_now = result.not_convergent if result is not None else {}
        return cls(
            plan=plan,
            changes=tuple(
                _change(c, refs, outcomes.get(c.address), [n.message for n in found_now.get(c.address, ())])
                for c in plan.changes if c.is_change
            ),
            unverifiable=tuple(Note(c.address, c.unverifiable) for c in plan.changes if not c.is_change and c.unverifiable),
            not_convergent=tuple(
                Note(c.address, tuple(_not_kept(c))) for c in plan.changes if not c.is_change and c.not_convergent
            ),
            errors=tuple(sorted((address, str(failure)) for address, failure in plan.errors.items())),
            applied=result is not None,
        )


def _outcomes(result: ApplyResult) -> dict[str, Outcome]:
    found = {address: Outcome("applied") for address in result.applied}
    found.update(
        (address, Outcome(
            "skipped",
            skip.cause if skip.reason is Reason.STOP_REQUESTED else f"depends on {skip.cause}, which did not apply",
            skip.reason.value,
        ))
        for address, skip in result.skipped.items()
    )
    found.update(
        (address, Outcome("failed", failure.message, failure.reason.value)) for address, failure in result.failed.items()
    )
    return found


def _not_kept(change: Change) -> list[str]:
    return [n.message for n in change.not_convergent]


def _change(
    change: Change, refs: References, outcome: Outcome | None = None, found_now: list[str] | None = None
) -> ChangeView:
    attribution = None
    if change.attribution is not None:
        found = change.attribution
        attribution = AttributionView(
            found.headline(change.id),
            tuple(Row("change", p.path, *shown_pair(p.before, p.after, refs)) for p in found.properties),
            who=f"{found.changed_by} ({found.changed_by_type})" if found.changed_by and found.changed_by_type
            else found.changed_by,
            when=found.timestamp,
            how=", ".join(part for part in (
                found.client_type, found.operation, f"from {_SOURCES.get(found.source, found.source)}" if found.source
                else "", made_on(found.resource_id, change.id).strip()) if part),
        )
    rows = tuple(
        _row(d.path, None, d.after, refs) if change.action == "create" else _row(d.path, d.before, d.after, refs)
        for d in change.diff
    )
    return ChangeView(
        address=change.address,
        type=change.type,
        action=change.action,
        id=change.id,
        rows=rows,
        blocked=change.blocked,
        attribution=attribution,
        drifted_paths=tuple(d.path for d in change.diff),
        unverifiable=change.unverifiable,
        not_convergent=(*_not_kept(change), *(found_now or ())),
        outcome=outcome,
    )


def _row(path: str, before: Any, after: Any, refs: References) -> Row:
    if before is None or after is None:
        kind: RowKind = "add" if before is None else "remove"
        value = after if before is None else before
        member = _MEMBER.search(path)
        fields = member_fields(value, member["key"] if member else None) if isinstance(value, dict) else []
        if fields:
            # A list member (or an object) added or removed whole: field by field.
            return Row(kind, path, fields=tuple(
                Row(kind, p, after=shown(v, refs)) if kind == "add" else Row(kind, p, before=shown(v, refs))
                for p, v in fields
            ))
        text = shown(value, refs)
        return Row(kind, path, after=text) if kind == "add" else Row(kind, path, before=text)
    old, new = shown_pair(before, after, refs)
    return Row("change", path, before=old, after=new)
