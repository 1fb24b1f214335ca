"""Plan rendering for people (Terraform-like) and machines (JSON)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.engine.plan import Change, Plan

_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "noop": " "}
_VERB = {"create": "created", "update": "updated in place", "replace": "replaced", "delete": "deleted"}


def _value(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _change_lines(change: Change) -> list[str]:
    symbol = _SYMBOL[change.action]
    lines = [f"  # {change.address} will be {_VERB[change.action]}"]
    if change.blocked:
        lines.append(f"  # ! not in this run: {change.blocked}")
    if change.attribution is not None:
        paths = ", ".join(d.path for d in change.diff[:3]) + (", ..." if len(change.diff) > 3 else "")
        lines.append(f"  # drifted: {paths} {change.attribution.headline()}")
        for p in change.attribution.properties:
            lines.append(f"  #   {p.path}: {_value(p.before)} -> {_value(p.after)}")
    lines.append(f"  {symbol} {change.address} ({change.type})")
    lines.append(f"      id: {change.id}")
    for d in change.diff:
        if change.action == "create":
            lines.append(f"      + {d.path} = {_value(d.after)}")
        elif d.after is None:
            lines.append(f"      - {d.path} = {_value(d.before)}")
        elif d.before is None:
            lines.append(f"      + {d.path} = {_value(d.after)}")
        else:
            lines.append(f"      ~ {d.path}: {_value(d.before)} -> {_value(d.after)}")
    for path in change.unverifiable:
        lines.append(f"      ? {path}: write-only, cannot be verified")
    lines.extend(_not_convergent_lines(change, "      "))
    return lines


def _not_convergent_lines(change: Change, indent: str) -> list[str]:
    return [f"{indent}! {n.message} (not convergent; not rewritten)" for n in change.not_convergent]


def render_text(plan: Plan) -> str:
    out: list[str] = []
    changes = [c for c in plan.changes if c.is_change]
    if changes:
        out.append(
            f"Plan for environment {plan.environment} ({plan.target}); symbols: "
            "+ create, ~ update in place, -/+ replace, - delete"
        )
        out.append("")
        for change in changes:
            out.extend(_change_lines(change))
            out.append("")
    unverifiable = [c for c in plan.changes if not c.is_change and c.unverifiable]
    for c in unverifiable:
        out.append(f"  ? {c.address}: {', '.join(c.unverifiable)} write-only, cannot be verified")
    if unverifiable:
        out.append("")
    stuck = [c for c in plan.changes if not c.is_change and c.not_convergent]
    for c in stuck:
        out.append(f"  ! {c.address}:")
        out.extend(_not_convergent_lines(c, "      "))
    if stuck:
        out.append("")
    for address, error in sorted(plan.errors.items()):
        out.append(f"  ! {address}: could not be read: {error}")
    s = plan.summary
    blocked = sum(1 for c in changes if c.blocked)
    if not changes and not plan.errors:
        out.append(f"No changes. {plan.environment} matches the desired state ({s['noop']} resources).")
    else:
        line = (
            f"Plan: {s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
            f"{s['delete']} to delete, {s['noop']} unchanged."
        )
        if blocked:
            line += f" {blocked} blocked (see the ! lines)."
        if plan.errors:
            line += f" {len(plan.errors)} could not be read."
        out.append(line)
    return "\n".join(out) + "\n"


def render_json(plan: Plan) -> str:
    """The plan as JSON; strict (no NaN/Infinity, which JSON parsers reject):
    live bodies holding them are refused where they enter (reconciler/engine/live_shape.py)."""
    return json.dumps(plan.to_json(), indent=2, sort_keys=False, default=str, allow_nan=False) + "\n"
