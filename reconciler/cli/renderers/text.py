"""`--output text` (the default): the plan as Terraform prints one, coloured on a terminal.

Built as styled lines, `(style, text)`: the style names what the line shows (`create`,
`update`, `replace`, `delete`, `drift`, `problem`, or None) and `reconciler.cli.colour` turns it
into a colour only when the stream allows one; the text itself never carries escape sequences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from reconciler.cli.plan_view import ChangeView, Note, PlanView, Row
    from reconciler.cli.renderers import RenderOptions

#: One line of the text plan: (style or None, text without a newline).
StyledLine = tuple[str | None, str]

_SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "noop": " "}
_VERB = {"create": "created", "update": "updated in place", "replace": "replaced", "delete": "deleted"}
_ROW = {"add": ("create", "+"), "remove": ("delete", "-"), "change": ("update", "~")}
#: Paths named on a change's `# drifted:` line before `, ...`.
_DRIFTED_SHOWN = 3


def row_lines(row: Row, indent: str) -> list[StyledLine]:
    """One attribute of a change (a list member: with its fields below it), as the plan shows it."""
    style, symbol = _ROW[row.kind]
    if row.fields:
        lines: list[StyledLine] = [(style, f"{indent}{symbol} {row.path}")]
        for field in row.fields:
            lines.extend(row_lines(field, indent + "    "))
        return lines
    if row.kind == "add":
        return [(style, f"{indent}+ {row.path} = {row.after}")]
    if row.kind == "remove":
        return [(style, f"{indent}- {row.path} = {row.before}")]
    return [(style, f"{indent}~ {row.path}: {row.before} -> {row.after}")]


def change_lines(change: ChangeView) -> list[StyledLine]:
    """One change's block of the text plan."""
    lines: list[StyledLine] = [(None, f"  # {change.address} will be {_VERB[change.action]}")]
    if change.blocked:
        lines.append(("problem", f"  # ! not in this run: {change.blocked}"))
    if change.attribution is not None:
        paths = ", ".join(change.drifted_paths[:_DRIFTED_SHOWN])
        more = ", ..." if len(change.drifted_paths) > _DRIFTED_SHOWN else ""
        lines.append(("drift", f"  # drifted: {paths}{more} {change.attribution.headline}"))
        for p in change.attribution.properties:
            lines.append(("drift", f"  #   {p.path}: {p.before} -> {p.after}"))
    lines.append((change.action, f"  {_SYMBOL[change.action]} {change.address} ({change.type})"))
    lines.append((None, f"      id: {change.id}"))
    for row in change.rows:
        lines.extend(row_lines(row, "      "))
    for path in change.unverifiable:
        lines.append((None, f"      ? {path}: write-only, cannot be verified"))
    lines.extend(("problem", f"      ! {m} (not convergent; not rewritten)") for m in change.not_convergent)
    return lines


def _unverifiable_lines(notes: tuple[Note, ...], verbose: bool) -> list[StyledLine]:
    if not notes:
        return []
    if verbose:
        lines: list[StyledLine] = [
            (None, f"  ? {n.address}: {', '.join(n.items)} write-only, cannot be verified") for n in notes
        ]
    else:
        count = sum(len(n.items) for n in notes)
        attributes = "attribute" if count == 1 else "attributes"
        resources = "resource" if len(notes) == 1 else "resources"
        lines = [(None, f"  ? {count} write-only {attributes} of {len(notes)} unchanged {resources} cannot be "
                        "verified (--verbose lists them)")]
    return [*lines, (None, "")]


def styled_lines(view: PlanView, options: RenderOptions) -> list[StyledLine]:
    """The text plan as styled lines, for `reconciler.cli.colour.write_plan`."""
    out: list[StyledLine] = []
    if view.changes:
        out.append((None, f"Plan for environment {view.environment} ({view.target}); symbols: "
                          "+ create, ~ update in place, -/+ replace, - delete"))
        out.append((None, ""))
        for change in view.changes:
            out.extend(change_lines(change))
            out.append((None, ""))
    out.extend(_unverifiable_lines(view.unverifiable, options.verbose))
    for note in view.not_convergent:
        out.append(("problem", f"  ! {note.address}:"))
        out.extend(("problem", f"      ! {m} (not convergent; not rewritten)") for m in note.items)
    if view.not_convergent:
        out.append((None, ""))
    for address, error in view.errors:
        out.append(("problem", f"  ! {address}: could not be read: {error}"))
    out.append((None, _summary(view)))
    return out


def _summary(view: PlanView) -> str:
    s = view.summary
    if not view.changes and not view.errors:
        return f"No changes. {view.environment} matches the desired state ({s['noop']} resources)."
    line = (f"Plan: {s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
            f"{s['delete']} to delete, {s['noop']} unchanged.")
    if view.blocked:
        line += f" {view.blocked} blocked (see the ! lines)."
    if view.errors:
        line += f" {len(view.errors)} could not be read."
    return line


@dataclass(frozen=True)
class TextRenderer:
    options: RenderOptions
    for_machines: bool = False
    with_outcome: bool = False

    def write(self, view: PlanView, out: TextIO) -> None:
        from reconciler.cli.colour import write_plan

        write_plan(styled_lines(view, self.options), out, colour=self.options.colour)


def renderer(options: RenderOptions) -> TextRenderer:
    return TextRenderer(options)
