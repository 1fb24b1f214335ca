"""A plan rendered to a string, in one call: for tests and tools. Commands choose their renderer
once (`reconciler.cli.renderers.choose`) and write the plan's view with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.cli.plan_view import PlanView
from reconciler.cli.renderers import RenderOptions
from reconciler.runtime.safe_output import one_line

if TYPE_CHECKING:
    from reconciler.cli.renderers.text import StyledLine
    from reconciler.engine.applier import ApplyResult
    from reconciler.engine.plan import Plan


def render_styled(plan: Plan, options: RenderOptions | None = None) -> list[StyledLine]:
    """The text plan as styled lines (`reconciler.cli.colour.write_plan` paints them)."""
    from reconciler.cli.renderers.text import styled_lines

    return styled_lines(PlanView.of(plan), options or RenderOptions())


def render_text(plan: Plan, options: RenderOptions | None = None) -> str:
    """The plan as plain text (no escape sequences)."""
    return "".join(one_line(text) + "\n" for _, text in render_styled(plan, options))  # a value cannot add a line


def render_json(plan: Plan) -> str:
    """The plan as JSON (docs/plan-format.md)."""
    from reconciler.cli.renderers.json import document_text

    return document_text(PlanView.of(plan))


def render_markdown(plan: Plan, result: ApplyResult | None = None, max_bytes: int | None = None) -> str:
    """The plan as Markdown (after an apply, given its `result`, with each change's outcome)."""
    from reconciler.cli.renderers.markdown import MAX_BYTES, document

    return document(PlanView.of(plan, result), MAX_BYTES if max_bytes is None else max_bytes)
