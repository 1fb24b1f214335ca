"""Plan rendering for people (Terraform-like) and machines (JSON).

The text plan is built as styled lines, `(style, text)`: the style names what
the line shows (`create`, `update`, `replace`, `delete`, `drift`, `problem`,
or None) and `reconciler.cli.colour` turns it into a colour only when the stream
allows one; the text itself never carries escape sequences."""

from __future__ import annotations

import json
from typing import Any

from reconciler.engine.plan import Change, Plan
from reconciler.runtime.safe_output import one_line

_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "noop": " "}
_VERB = {"create": "created", "update": "updated in place", "replace": "replaced", "delete": "deleted"}


def _value(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


#: One line of the text plan: (style or None, text without a newline).
StyledLine = tuple[str | None, str]


def _change_lines(change: Change) -> list[StyledLine]:
    symbol = _SYMBOL[change.action]
    lines: list[StyledLine] = [(None, f"  # {change.address} will be {_VERB[change.action]}")]
    if change.blocked:
        lines.append(("problem", f"  # ! not in this run: {change.blocked}"))
    if change.attribution is not None:
        paths = ", ".join(d.path for d in change.diff[:3]) + (", ..." if len(change.diff) > 3 else "")
        lines.append(("drift", f"  # drifted: {paths} {change.attribution.headline()}"))
        for p in change.attribution.properties:
            lines.append(("drift", f"  #   {p.path}: {_value(p.before)} -> {_value(p.after)}"))
    lines.append((change.action, f"  {symbol} {change.address} ({change.type})"))
    lines.append((None, f"      id: {change.id}"))
    for d in change.diff:
        if change.action == "create":
            lines.append(("create", f"      + {d.path} = {_value(d.after)}"))
        elif d.after is None:
            lines.append(("delete", f"      - {d.path} = {_value(d.before)}"))
        elif d.before is None:
            lines.append(("create", f"      + {d.path} = {_value(d.after)}"))
        else:
            lines.append(("update", f"      ~ {d.path}: {_value(d.before)} -> {_value(d.after)}"))
    for path in change.unverifiable:
        lines.append((None, f"      ? {path}: write-only, cannot be verified"))
    lines.extend(_not_convergent_lines(change, "      "))
    return lines


def _not_convergent_lines(change: Change, indent: str) -> list[StyledLine]:
    return [("problem", f"{indent}! {n.message} (not convergent; not rewritten)") for n in change.not_convergent]


def render_text(plan: Plan) -> str:
    """The plan as plain text (no escape sequences)."""
    return "\n".join(one_line(text) for _, text in render_styled(plan)) + "\n"


def render_styled(plan: Plan) -> list[StyledLine]:
    """The text plan as styled lines, for `reconciler.cli.colour.write_plan`."""
    out: list[StyledLine] = []
    changes = [c for c in plan.changes if c.is_change]
    if changes:
        out.append((None,
            f"Plan for environment {plan.environment} ({plan.target}); symbols: "
            "+ create, ~ update in place, -/+ replace, - delete"
        ))
        out.append((None, ""))
        for change in changes:
            out.extend(_change_lines(change))
            out.append((None, ""))
    unverifiable = [c for c in plan.changes if not c.is_change and c.unverifiable]
    for c in unverifiable:
        out.append((None, f"  ? {c.address}: {', '.join(c.unverifiable)} write-only, cannot be verified"))
    if unverifiable:
        out.append((None, ""))
    stuck = [c for c in plan.changes if not c.is_change and c.not_convergent]
    for c in stuck:
        out.append(("problem", f"  ! {c.address}:"))
        out.extend(_not_convergent_lines(c, "      "))
    if stuck:
        out.append((None, ""))
    for address, error in sorted(plan.errors.items()):
        out.append(("problem", f"  ! {address}: could not be read: {error}"))
    s = plan.summary
    blocked = sum(1 for c in changes if c.blocked)
    if not changes and not plan.errors:
        out.append((None, f"No changes. {plan.environment} matches the desired state ({s['noop']} resources)."))
    else:
        line = (
            f"Plan: {s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
            f"{s['delete']} to delete, {s['noop']} unchanged."
        )
        if blocked:
            line += f" {blocked} blocked (see the ! lines)."
        if plan.errors:
            line += f" {len(plan.errors)} could not be read."
        out.append((None, line))
    return out


def render_json(plan: Plan) -> str:
    """The plan as JSON; strict (no NaN/Infinity, which JSON parsers reject):
    live bodies holding them are refused where they enter (reconciler/engine/live_shape.py)."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=False, default=str, allow_nan=False) + "\n"
